"""Ingest from the web form: pasted text or uploaded files, analysed in a background thread whose progress
the page polls; each document gets the logged-in user's organisation and the TLP chosen in the form.

The thread opens its own ``Store`` on the same database (a Store's session belongs to one thread) and runs
``marsad.jobs.Ingester`` over the items the ``marsad.ingest`` readers make of the uploaded bytes.
"""
from __future__ import annotations

import io
import os
import secrets
import threading
import time
from dataclasses import dataclass, field

from marsad.ingest import Failure, Item, read_sources
from marsad.ingest.model import content_id
from marsad.ingest.readers import EXTENSIONS
from marsad.jobs import Ingester
from marsad.store import Store
from marsad.store.access import Sharing, Viewer, visible_documents
from marsad.store.schema import documents

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass
class Job:
    id: str
    user_id: int | None
    total: int = 0
    done: int = 0
    state: str = "queued"  # queued | running | done | failed
    results: list[dict] = field(default_factory=list)  # {name, outcome, document_id[, note]}
    error: str | None = None
    started: float = field(default_factory=time.time)

    def as_dict(self) -> dict:
        stored = [r["document_id"] for r in self.results if r.get("document_id")]
        return {"id": self.id, "state": self.state, "total": self.total, "done": self.done,
                "results": self.results, "error": self.error,
                "next": f"/documents/{stored[0]}" if len(stored) == 1 and self.state == "done" else None}


def _format_for(filename: str) -> str | None:
    """The reader format an uploaded file's name implies (None: let the reader sniff it)."""
    name = filename.lower().removesuffix(".gz")
    for ext, fmt in EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    return None


def read_upload(name: str, data: bytes, *, fmt: str | None = None, title: str | None = None,
                published: str | None = None, outlet: str | None = None,
                url: str | None = None) -> list[tuple[str, Item | Failure]]:
    """(display name, item or failure) for each article in one pasted text or uploaded file."""
    if len(data) > MAX_UPLOAD_BYTES:
        return [(name, Failure(name, f"{name}: too large ({len(data):,} bytes > {MAX_UPLOAD_BYTES:,})"))]
    items = read_sources(["-"], stdin=io.BytesIO(data), fmt=fmt or _format_for(name),
                         published=published or None, outlet=outlet or None, url=url or None)
    out = []
    for n, it in enumerate(items, 1):
        if isinstance(it, Item) and title:
            it.title = title
        label = name if n == 1 else f"{name} #{n}"
        out.append((label, it))
    if len(out) > 1:
        out[0] = (f"{name} #1", out[0][1])
    return out


class JobRunner:
    """Runs one ingest job per submission in a daemon thread; jobs are kept in memory (last 100)."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def start(self, store: Store, entries: list[tuple[str, Item | Failure]], sharing: Sharing,
              viewer: Viewer) -> Job:
        job = Job(secrets.token_urlsafe(12), viewer.user_id, total=len(entries))
        with self.lock:
            self.jobs[job.id] = job
            for old in list(self.jobs)[:-100]:
                self.jobs.pop(old, None)
        threading.Thread(target=self._run, args=(store.url, entries, sharing, viewer, job), daemon=True,
                         name=f"marsad-web-ingest-{job.id}").start()
        return job

    @staticmethod
    def _run(url: str, entries: list[tuple[str, Item | Failure]], sharing: Sharing, viewer: Viewer,
             job: Job) -> None:
        names = {obj.key: name for name, obj in entries}
        ids = {obj.key: content_id(obj.content_hash) for _, obj in entries if isinstance(obj, Item)}
        seen: set[str] = set()  # ids this viewer may open: stored now by this job, or already visible

        def on_item(key: str, outcome: str) -> None:
            if outcome.startswith("warning:"):
                return
            doc_id = ids.get(key)
            result = {"name": names.get(key, key), "outcome": outcome, "document_id": None}
            if outcome in ("stored", "near_duplicate") and doc_id:
                seen.add(doc_id)
                result["document_id"] = doc_id
            elif outcome == "duplicate":
                # the same text is stored already: its id only if the viewer may see it, else the id (and
                # so the existence) of another organisation's hidden article would leak
                if doc_id in seen:
                    result["document_id"] = doc_id
                else:
                    result["note"] = "محفوظ من قبل"
            job.results.append(result)
            job.done += 1

        job.state = "running"
        try:
            store = Store(url)
            try:
                seen.update(_visible_ids(store, viewer, sorted(set(ids.values()))))
                if os.environ.get("MARSAD_WEB_INGEST_DELAY"):  # tests: make the progress page observable
                    time.sleep(float(os.environ["MARSAD_WEB_INGEST_DELAY"]))
                Ingester(store, on_item=on_item, sharing=sharing).run((obj for _, obj in entries), "web ingest")
            finally:
                store.close()
            job.state = "done"
        except Exception as exc:  # the page shows it; the thread must not die silently
            job.state = "failed"
            job.error = f"{type(exc).__name__}: {exc}"


def _visible_ids(store: Store, viewer: Viewer, doc_ids: list[str]) -> set[str]:
    """Which of ``doc_ids`` are stored and visible to ``viewer``."""
    from sqlalchemy import select

    out: set[str] = set()
    with store._read() as s:  # noqa: SLF001
        for i in range(0, len(doc_ids), 500):
            out.update(s.execute(select(documents.c.id).where(documents.c.id.in_(doc_ids[i:i + 500]),
                                                              visible_documents(viewer, documents))).scalars())
    return out
