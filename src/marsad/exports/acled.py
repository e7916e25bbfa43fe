"""Events as rows in ACLED-like columns: CSV and Parquet (pyarrow) with the same columns.

One row per extracted event of the selected documents. Columns follow ACLED's where they mean the same
(event_date, time_precision, actor1, assoc_actor_1, actor2, assoc_actor_2, country, admin1, location,
latitude, longitude, geo_precision, notes, fatalities, source) with marsad's own beside them: PLOVER
event_type and mode, the claim's source and source_kind (a claim never becomes a fact), confidence,
the document id and the event's stable id. See docs/exports.md for each column.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import IO, Any

from marsad.document import Document, Event
from marsad.exports.common import actor_of, admin1, claim_of, country_name, evidence, place_name, safe_cell
from marsad.exports.select import (
    DocRef,
    ExportFilter,
    event_id,
    event_key,
    load_documents,
    select_documents,
    selected_events,
)
from marsad.store import Store
from marsad.store.access import Viewer

# (column, pyarrow type name): the order of the CSV header and of the Parquet schema
COLUMNS: list[tuple[str, str]] = [
    ("event_id", "string"), ("event_date", "string"), ("time_precision", "int"), ("date_source", "string"),
    ("event_type", "string"), ("mode", "string"),
    ("actor1", "string"), ("actor1_id", "string"), ("assoc_actor_1", "string"),
    ("actor2", "string"), ("actor2_id", "string"), ("assoc_actor_2", "string"),
    ("country", "string"), ("iso3", "string"), ("admin1", "string"), ("location", "string"),
    ("location_id", "string"), ("latitude", "float"), ("longitude", "float"), ("geo_precision", "int"),
    ("sources", "string"), ("source_kind", "string"), ("claim_source", "string"), ("claim_via", "string"),
    ("notes", "string"), ("trigger", "string"), ("fatalities", "float"), ("injured", "float"), ("size", "float"),
    ("confidence", "float"), ("document_ids", "string"), ("event_key", "string"), ("published", "string"),
    ("tlp", "string"),
]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEK = re.compile(r"^\d{4}-W\d{2}$")
_MONTH_OR_COARSER = re.compile(r"^\d{4}(-\d{2})?$|^\d{4}-(SP|SU|FA|WI)$|^\d{3}X?$|^\d{2}XX$")


def _date(e: Event, doc: Document) -> tuple[str, int | None, str]:
    """(event_date, ACLED time_precision, where it came from). ACLED's precision: 1 the day is known,
    2 the week, 3 the month or coarser. An unresolved date stays empty: never guessed."""
    d = e.date or {}
    value, origin = d.get("value") or "", d.get("from") or ""
    if _DAY.match(value[:10]) and (len(value) == 10 or "/" not in value):
        return value[:10], 1, origin
    if _WEEK.match(value):
        return value, 2, origin
    if _MONTH_OR_COARSER.match(value):
        return value, 3, origin
    return "", None, origin if value else ""


def _join(names: list[str]) -> str:
    return "; ".join(n for n in names if n)


def event_row(ref: DocRef, doc: Document, seq: int, e: Event, by_start: dict[int, Any]) -> dict[str, Any]:
    src = [actor_of(a, doc, by_start) for a in e.source]
    tgt = [actor_of(a, doc, by_start) for a in e.target]
    loc = e.location or {}
    claim = claim_of(e, doc)
    date, precision, date_from = _date(e, doc)
    return {
        "event_id": event_id(doc.id, seq), "event_date": date, "time_precision": precision,
        "date_source": date_from, "event_type": e.type, "mode": e.mode or "",
        "actor1": src[0].name if src else "", "actor1_id": (src[0].id or "") if src else "",
        "assoc_actor_1": _join([a.name for a in src[1:]]),
        "actor2": tgt[0].name if tgt else "", "actor2_id": (tgt[0].id or "") if tgt else "",
        "assoc_actor_2": _join([a.name for a in tgt[1:]]),
        "country": country_name(loc.get("country")), "iso3": loc.get("country") or "", "admin1": admin1(loc),
        "location": place_name(loc), "location_id": loc.get("entity_id") or "",
        "latitude": loc.get("lat"), "longitude": loc.get("lon"), "geo_precision": loc.get("geo_precision"),
        "sources": doc.outlet or "",
        # "reported" = the text states the event itself, attributed to no one but the outlet
        "source_kind": claim["source_kind"] if claim else "reported",
        "claim_source": claim["label"] if claim else "", "claim_via": (claim or {}).get("via") or "",
        "notes": evidence(e, doc), "trigger": e.trigger, "fatalities": e.dead, "injured": e.injured,
        "size": e.size, "confidence": e.confidence, "document_ids": doc.id, "event_key": event_key(e),
        "published": doc.published.isoformat() if doc.published else "", "tlp": ref.tlp,
    }


def iter_rows(store: Store, viewer: Viewer, flt: ExportFilter | None = None) -> Iterator[dict[str, Any]]:
    flt = flt or ExportFilter()
    for ref, doc in load_documents(store, select_documents(store, viewer, flt)):
        by_start = {m.start: m for m in doc.mentions}
        for seq, e in selected_events(doc, flt):
            yield event_row(ref, doc, seq, e, by_start)


def write_csv(store: Store, viewer: Viewer, out: IO[str], flt: ExportFilter | None = None) -> int:
    w = csv.DictWriter(out, fieldnames=[c for c, _ in COLUMNS], lineterminator="\n")
    w.writeheader()
    n = 0
    for row in iter_rows(store, viewer, flt):
        w.writerow({k: ("" if v is None else safe_cell(v)) for k, v in row.items()})
        n += 1
    return n


def parquet_bytes(store: Store, viewer: Viewer, flt: ExportFilter | None = None) -> tuple[bytes, int]:
    """The same rows as a Parquet file (typed columns, nulls kept as nulls)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "int": pa.int32(), "float": pa.float64()}
    schema = pa.schema([(c, types[t]) for c, t in COLUMNS])
    rows = list(iter_rows(store, viewer, flt))
    table = pa.Table.from_pylist(rows, schema=schema)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue(), len(rows)


__all__ = ["COLUMNS", "event_row", "iter_rows", "parquet_bytes", "write_csv"]
