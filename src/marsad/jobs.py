"""The jobs behind the CLI: ingest into a store, extract without storing, retry failures.

They join the layers (ingest → pipeline → store) and report progress through a callback, so the
CLI stays a thin shell and the same jobs can be driven from tests, the API or a Dask worker.
"""
from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from marsad.document import Document
from marsad.ingest import Failure, Item, NearDuplicateIndex, read_one, read_sources
from marsad.ingest.model import content_id
from marsad.pipeline.pipeline import Pipeline, default_pipeline
from marsad.store import Store
from marsad.store.access import Sharing


@dataclass
class IngestCounts:
    read: int = 0
    stored: int = 0
    duplicates: int = 0  # exact duplicates (same normalised text) not stored again
    near_duplicates: int = 0  # stored, marked duplicate_of
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"read": self.read, "stored": self.stored, "duplicates": self.duplicates,
                "near_duplicates": self.near_duplicates, "failed": self.failed}


@dataclass
class Analysed:
    """An item analysed elsewhere (a Dask worker, marsad/distributed.py): what ``Ingester._handle``
    would otherwise compute itself, so both runs store through the same code."""
    signature: bytes | None = None
    document: Document | None = None
    error: str | None = None  # the failure reason, worded as the single-process run words it
    story_vector: object = None  # crossdoc.stories.story_vector of the document


# (item key, outcome): stored | duplicate | near_duplicate | failed:<reason>, once per item; before
# that, warning:<message> for each non-fatal problem (a publication date that is not a date …)
OnItem = Callable[[str, str], None]


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {msg}"[:300]


class Ingester:
    """Stores items one transaction each, so a crash never leaves a half-written document."""

    with_crossdoc = True  # stories and event groups (crossdoc/) after each stored document

    def __init__(self, store: Store, pipeline: Pipeline | None = None, on_item: OnItem | None = None,
                 sharing: Sharing | None = None) -> None:
        """``sharing``: owner, TLP marking and ingesting user of every document stored (default TLP:CLEAR,
        no owner: published news)."""
        self.store = store
        self.sharing = sharing or Sharing()
        # the user's entity decisions (merge/split/alias) stay applied on every new run
        self.pipeline = (pipeline or default_pipeline()).with_link_overrides(store.link_overrides())
        self.on_item = on_item or (lambda key, outcome: None)
        self.near = NearDuplicateIndex()
        for doc_id, sig in store.minhash_signatures():
            self.near.add(doc_id, sig)
        self.crossdoc = None  # opened by run()

    def run(self, items: Iterable[Item | Failure], command: str) -> IngestCounts:
        counts = IngestCounts()
        run_id = self.store.start_run(command, self.pipeline.version)
        status = "interrupted"
        if self.with_crossdoc and self.crossdoc is None:
            from marsad.crossdoc import CrossDoc

            self.crossdoc = CrossDoc(self.store)
            self.crossdoc.catch_up()  # what a killed run or a re-analysis left without story or group
        try:
            for obj in items:
                counts.read += 1
                self._handle(obj, run_id, counts)
            status = "done"
        finally:
            self.store.finish_run(run_id, counts.as_dict(), status)
        return counts

    def _fail(self, counts: IngestCounts, key: str, reason: str, raw: bytes | None, location: str | None) -> None:
        self.store.record_failure(key, reason, raw, location, sharing=self.sharing.as_dict())
        counts.failed += 1
        counts.failures.append((key, reason))
        self.on_item(key, f"failed:{reason}")

    def _handle(self, obj: Item | Failure, run_id: int, counts: IngestCounts,
                analysed: Analysed | None = None) -> None:
        if isinstance(obj, Failure):
            self._fail(counts, obj.key, obj.reason, obj.raw, obj.location)
            return
        for w in obj.warnings:
            self.on_item(obj.key, f"warning:{w}")
        if self.store.find_by_hash(obj.content_hash):
            counts.duplicates += 1
            self.store.resolve_failure(obj.key)
            self.on_item(obj.key, "duplicate")
            return
        if analysed is not None and analysed.error is not None:  # the worker's pipeline raised
            raw = obj.raw.encode("utf-8", "replace") if isinstance(obj.raw, str) else obj.raw
            self._fail(counts, obj.key, analysed.error, raw[: 1 << 20], None)
            return
        try:
            sig = self.near.signature(obj.text) if analysed is None else analysed.signature
            near = self.near.query(sig)
            doc = self.pipeline(obj.to_document()) if analysed is None else analysed.document
            doc.id = content_id(obj.content_hash)  # the source's own id is kept as external_id
            doc_id = self.store.save_document(
                doc, raw=obj.raw, content_hash=obj.content_hash, minhash=sig, duplicate_of=near,
                run_id=run_id, external_id=obj.external_id, **self.sharing.as_dict())
        except Exception as exc:  # one bad item must not stop the batch
            raw = obj.raw.encode("utf-8", "replace") if isinstance(obj.raw, str) else obj.raw
            self._fail(counts, obj.key, f"analysis failed: {_one_line(exc)}", raw[: 1 << 20], None)
            return
        self.near.add(doc_id, sig)  # save_document resolved any failure of this item, same transaction
        if self.crossdoc is not None:
            self._crossdoc_add(obj.key, doc, sig, near, analysed)
        counts.stored += 1
        if near:
            counts.near_duplicates += 1
        self.on_item(obj.key, "near_duplicate" if near else "stored")

    def _crossdoc_add(self, key: str, doc: Document, sig: bytes, near: str | None, analysed: Analysed | None) -> None:
        try:
            if analysed is None:
                self.crossdoc.add(doc, sig, near)
            else:
                self.crossdoc.add(doc, sig, near, analysed.story_vector)
        except Exception as exc:  # the document is stored; the next run's catch-up assigns it
            self.on_item(key, f"warning:story/event grouping failed, left for the next run: {_one_line(exc)}")


def ingest_paths(store: Store, paths: list[str], *, published: dt.date | None = None,
                 outlet: str | None = None, url: str | None = None, fmt: str | None = None,
                 on_item: OnItem | None = None, command: str = "ingest",
                 sharing: Sharing | None = None) -> IngestCounts:
    stdin = sys.stdin.buffer if "-" in paths else None
    items = read_sources(paths, published=published, outlet=outlet, url=url, stdin=stdin, fmt=fmt)
    return Ingester(store, on_item=on_item, sharing=sharing).run(items, command)


def retry_failures(store: Store, on_item: OnItem | None = None) -> IngestCounts:
    """Read every unresolved failed item again (from its file or its kept raw bytes) and ingest it, with
    the owner and TLP marking it was first read with."""
    groups: dict[tuple, list] = {}
    for f in store.failures():
        sharing = Sharing.from_dict(f.sharing)
        groups.setdefault(tuple(sorted(sharing.as_dict().items())), []).append(f)
    total = IngestCounts()
    for key, fails in groups.items():
        def items(fails=fails) -> Iterator[Item | Failure]:
            for f in fails:
                yield from read_one(f.item, raw=f.raw)
        got = Ingester(store, on_item=on_item, sharing=Sharing(**dict(key))).run(items(), "failures --retry")
        for k, v in got.as_dict().items():
            setattr(total, k, getattr(total, k) + v)
        total.failures += got.failures
    return total


def extract(items: Iterable[Item | Failure], pipeline: Pipeline | None = None
            ) -> Iterator[Document | Failure]:
    """Analyse without storing: a Document per item, a Failure passed through per bad item."""
    pipeline = pipeline or default_pipeline()
    for obj in items:
        if isinstance(obj, Failure):
            yield obj
            continue
        try:
            yield pipeline(obj.to_document())
        except Exception as exc:
            yield Failure(obj.key, f"analysis failed: {_one_line(exc)}", None, None)


def reanalyse(store: Store, pipeline: Pipeline | None = None, on_item: OnItem | None = None) -> dict[str, int]:
    """Run the current pipeline again over every stored document (after a model or knowledge-base
    update, or to apply entity decisions everywhere), replacing each one's annotations in its own
    transaction; the user's entity decisions are applied as in ingest."""
    pipeline = (pipeline or default_pipeline()).with_link_overrides(store.link_overrides())
    on_item = on_item or (lambda key, outcome: None)
    counts = {"reanalysed": 0, "failed": 0}
    run_id = store.start_run("reanalyse", pipeline.version)
    for doc_id in store.document_ids():
        old = store.get_document(doc_id)
        if old is None:
            continue
        fresh = Document(id=old.id, text=old.text, title=old.title, published=old.published, url=old.url,
                         outlet=old.outlet, source=old.source, meta=old.meta)
        try:
            store.replace_analysis(pipeline(fresh))
        except Exception as exc:  # one bad document does not stop the run; its old analysis stays
            counts["failed"] += 1
            on_item(doc_id, f"failed: {_one_line(exc)}")
            continue
        counts["reanalysed"] += 1
        on_item(doc_id, "reanalysed")
    store.finish_run(run_id, counts)
    return counts


def cluster_entities(store: Store, *, apply: bool = False, min_context: float | None = None) -> list:
    """Proposes merges among the store's provisional entities (close names, agreeing contexts:
    kb/cluster.py); with ``apply`` records each as a merge decision (logged, undoable)."""
    from marsad.kb.cluster import CONTEXT_SIMILARITY, propose

    proposals = propose(store.provisional_entities(), CONTEXT_SIMILARITY if min_context is None else min_context)
    if apply:
        for p in proposals:
            store.merge_entities(p.source, p.target, note=f"cluster: {p.name_reason} {p.name_similarity}, "
                                                         f"context {p.context_similarity}")
    return proposals
