"""JSONL export and import: one contract-1 record per line (``Document.to_record``), with the sharing
facts another marsad needs to merge it (``tlp``, ``org``, ``duplicate_of``, ``external_id``, ``source``).

Import is the inverse: a record becomes a Document with its annotations as they were analysed (not
re-analysed), stored under its content hash, so importing the same file twice, or an article that is
already stored, adds nothing.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from marsad.document import (
    Claim,
    Document,
    Event,
    GluedSplit,
    Mention,
    Quantity,
    Sentence,
    TimeExpression,
)
from marsad.exports.select import DocRef, ExportFilter, document_passes, load_documents, select_documents
from marsad.store import Store
from marsad.store.access import Sharing, Viewer, normalize_tlp

# -- export -------------------------------------------------------------------------------------------


def record(ref: DocRef, doc: Document) -> dict[str, Any]:
    """Contract 1 plus the sharing facts of the stored document."""
    rec = doc.to_record()
    rec.update({"tlp": ref.tlp, "org": ref.org, "duplicate_of": ref.duplicate_of,
                "external_id": ref.external_id, "source": doc.source, "meta": doc.meta or None})
    return rec


def iter_records(store: Store, viewer: Viewer, flt: ExportFilter | None = None) -> Iterator[dict[str, Any]]:
    flt = flt or ExportFilter()
    for ref, doc in load_documents(store, select_documents(store, viewer, flt)):
        if document_passes(doc, flt):
            yield record(ref, doc)


def write_jsonl(store: Store, viewer: Viewer, out: IO[str], flt: ExportFilter | None = None) -> int:
    """Write one record per line; returns the number of lines."""
    n = 0
    for rec in iter_records(store, viewer, flt):
        out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


# -- import -------------------------------------------------------------------------------------------


def _fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """Keep the keys ``cls`` knows: a record from a newer or older marsad may carry more or fewer."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _tuples(parts: Any) -> list[tuple]:
    return [tuple(p) for p in (parts or [])]


def document_from_record(rec: dict[str, Any]) -> Document:
    """A Document from a contract-1 record (the inverse of ``Document.to_record``). ValueError names what
    is missing or wrong."""
    if isinstance(rec, dict) and rec.get("_error"):
        raise ValueError(rec["_error"])
    if not isinstance(rec, dict) or not isinstance(rec.get("text"), str) or not rec["text"].strip():
        raise ValueError("the record has no text")
    published = rec.get("published")
    try:
        published = dt.date.fromisoformat(published[:10]) if published else None
    except (TypeError, ValueError):
        raise ValueError(f"published {published!r} is not a date YYYY-MM-DD")
    doc = Document(id=str(rec.get("id") or ""), text=rec["text"], title=rec.get("title"), published=published,
                   url=rec.get("url"), outlet=rec.get("outlet"), source=rec.get("source"),
                   meta=dict(rec.get("meta") or {}), pipeline_version=rec.get("pipeline_version"),
                   focus=rec.get("focus"))
    doc.sentences = [Sentence(**_fields(Sentence, s)) for s in rec.get("sentences") or []]
    doc.glued = [GluedSplit(**{**_fields(GluedSplit, g), "parts": _tuples(g.get("parts"))})
                 for g in rec.get("glued") or []]
    doc.mentions = [Mention(**_fields(Mention, m)) for m in rec.get("entities") or []]
    doc.dates = [TimeExpression(**_fields(TimeExpression, d)) for d in rec.get("dates") or []]
    doc.quantities = [Quantity(**_fields(Quantity, q)) for q in rec.get("quantities") or []]
    doc.claims = [Claim(**_fields(Claim, c)) for c in rec.get("claims") or []]
    evs = []
    for e in rec.get("events") or []:
        trig, sent = e.get("trigger") or {}, e.get("sentence") or {}
        body = _fields(Event, {k: v for k, v in e.items() if k not in ("trigger", "sentence")})
        evs.append(Event(**body, trigger=trig.get("text", ""), trigger_start=trig.get("start", 0),
                         trigger_end=trig.get("end", 0), sentence_start=sent.get("start", 0),
                         sentence_end=sent.get("end", 0)))
    doc.events = evs
    return doc


@dataclass
class ImportCounts:
    read: int = 0
    stored: int = 0
    duplicates: int = 0  # already in the database (same content): nothing written
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"read": self.read, "stored": self.stored, "duplicates": self.duplicates, "failed": self.failed}


def import_records(store: Store, records: Iterable[tuple[str, dict[str, Any]]], *, org_id: int | None = None,
                   created_by: int | None = None, tlp: str | None = None) -> ImportCounts:
    """Merge ``(item name, record)`` pairs into ``store``. ``tlp`` (--tlp) wins over a record's own marking.
    Ownership is never taken from the record: its ``org`` is a name on another instance, and a local
    organisation of the same name is not the same recipients. So CLEAR and GREEN records need no owner;
    AMBER and AMBER+STRICT need ``org_id`` or ``created_by`` (--org or --user); RED needs ``created_by``
    (--user: the importing user owns it, never a whole organisation). A record without the owner its marking
    needs fails with a line naming it."""
    from marsad.ingest.dedup import NearDuplicateIndex
    from marsad.ingest.model import content_hash, content_id

    counts = ImportCounts()
    near = NearDuplicateIndex()
    pending_dups: list[tuple[str, str]] = []
    run_id = store.start_run("import", "import")
    status = "interrupted"
    try:
        for name, rec in records:
            counts.read += 1
            try:
                doc = document_from_record(rec)
                h = content_hash(doc.text)
                if store.find_by_hash(h):
                    counts.duplicates += 1
                    continue
                doc.id = doc.id if doc.id.startswith("d") and doc.id == content_id(h) else content_id(h)
                share = _record_sharing(rec, org_id=org_id, created_by=created_by, tlp=tlp)
                dup = rec.get("duplicate_of")
                stored_id = store.save_document(
                    doc, raw=doc.text, content_hash=h, minhash=near.signature(doc.text),
                    duplicate_of=None, run_id=run_id, external_id=rec.get("external_id"), **share.as_dict())
                if stored_id != doc.id:
                    counts.duplicates += 1
                    continue
                if dup:
                    pending_dups.append((doc.id, dup))
                counts.stored += 1
            except Exception as exc:  # one bad record must not stop the batch
                counts.failed += 1
                counts.failures.append((name, " ".join(str(exc).split())[:300] or exc.__class__.__name__))
        _link_duplicates(store, pending_dups)
        status = "done"
    finally:
        store.finish_run(run_id, counts.as_dict(), status)
    return counts


def _record_sharing(rec: dict[str, Any], *, org_id: int | None, created_by: int | None,
                    tlp: str | None) -> Sharing:
    """The owner and marking of one imported record: the owner only ever from --org/--user (see
    ``import_records``), the marking from --tlp or the record."""
    level = normalize_tlp(tlp or rec.get("tlp") or "CLEAR")
    what = f"TLP:{level} record {rec.get('id') or '(no id)'!r}" + (f" of {rec['org']!r}" if rec.get("org") else "")
    if level == "RED" and created_by is None:
        raise ValueError(f"{what}: RED is owned by the importing user here; import it with --user NAME "
                         "(--org alone would show it to a whole organisation)")
    if level in ("AMBER", "AMBER+STRICT") and org_id is None and created_by is None:
        raise ValueError(f"{what} needs an owner on this instance: import it with --org ORG or --user NAME "
                         "(organisations are never matched by name)")
    return Sharing(org_id=org_id, tlp=level, created_by=created_by)


def _link_duplicates(store: Store, pairs: list[tuple[str, str]]) -> None:
    """Restore ``duplicate_of`` where the original came along (it may come later in the file)."""
    if not pairs:
        return
    from sqlalchemy import select, update

    from marsad.store.schema import documents

    with store._write() as s:  # noqa: SLF001
        known = set(s.execute(select(documents.c.id).where(documents.c.id.in_({b for _, b in pairs}))).scalars())
        for a, b in pairs:
            if b in known and a != b:
                s.execute(update(documents).where(documents.c.id == a).values(duplicate_of=b))


def read_jsonl(stream: IO[str], name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``name:LINE``, record) per non-blank line; a line that is not JSON yields an empty record so the
    importer reports it by line."""
    for i, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            yield f"{name}:{i}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"{name}:{i}", {"_error": f"not JSON ({exc.msg})"}


__all__ = ["ImportCounts", "document_from_record", "import_records", "iter_records", "read_jsonl", "record",
           "write_jsonl"]
