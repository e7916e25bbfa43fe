"""Import a STIX 2.1 bundle (or a TAXII envelope) exported by another marsad: each ``report`` carrying
marsad's record extension becomes a stored document with its analysis, through the same merge as the
JSONL import (stored under its content hash: nothing is stored twice). A document gets the more
restrictive of the report's TLP marking and its record's own ``tlp``: the marking is what the sender put on
the object, so a record saying less never loosens it; a disagreement is counted and named.

A report without the extension (from another tool) has no analysis to merge; it is counted as skipped and
named, never half-imported."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from marsad.exports.jsonl import ImportCounts, import_records
from marsad.exports.stix import RECORD_EXTENSION, tlp_of_marking
from marsad.store import Store
from marsad.store.access import TLP_LEVELS, normalize_tlp


@dataclass
class StixImportCounts(ImportCounts):
    skipped: int = 0  # reports without a marsad record
    skipped_ids: list[str] = field(default_factory=list)
    # (report id, what disagreed) where the report's marking and its record's tlp differ
    marking_mismatches: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {**super().as_dict(), "skipped": self.skipped}


def load_objects(stream: IO[str], name: str) -> list[dict[str, Any]]:
    """The objects of a bundle, a TAXII envelope or a bare list. ValueError names the file."""
    try:
        data = json.load(stream)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, dict) and isinstance(data.get("objects"), list):
        return data["objects"]
    if isinstance(data, list):
        return data
    raise ValueError(f"{name}: not a STIX bundle (no 'objects' list)")


def report_records(objects: list[dict[str, Any]], counts: StixImportCounts) -> Iterator[tuple[str, dict[str, Any]]]:
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("type") != "report":
            continue
        ext = (obj.get("extensions") or {}).get(RECORD_EXTENSION) or {}
        if "record" not in ext:
            counts.skipped += 1
            counts.skipped_ids.append(str(obj.get("id")))
            continue
        try:
            rec = json.loads(ext["record"])
        except (TypeError, json.JSONDecodeError):
            yield str(obj.get("id")), {"_error": "its marsad record is not JSON"}
            continue
        try:
            rec["tlp"] = _effective_tlp(obj, rec, counts)
        except ValueError as exc:
            yield str(obj.get("id")), {"_error": str(exc)}
            continue
        yield str(obj.get("id")), rec


def _effective_tlp(obj: dict[str, Any], rec: dict[str, Any], counts: StixImportCounts) -> str:
    """The most restrictive of the report's TLP marking(s) and the record's ``tlp``; CLEAR when neither
    says anything. A mismatch is noted (the importer prints it)."""
    marked = [lv for lv in (tlp_of_marking(m) for m in obj.get("object_marking_refs") or []) if lv]
    own = normalize_tlp(rec["tlp"]) if rec.get("tlp") else None
    levels = marked + ([own] if own else [])
    level = max(levels, key=TLP_LEVELS.index) if levels else "CLEAR"
    if own and marked and own != max(marked, key=TLP_LEVELS.index):
        counts.marking_mismatches.append(
            (str(obj.get("id")), f"the report is marked TLP:{'/'.join(marked)} but its record says TLP:{own}; "
                                 f"imported as TLP:{level}"))
    return level


def import_bundle(store: Store, stream: IO[str], name: str, **owner: Any) -> StixImportCounts:
    """``owner``: org_id, created_by, tlp overrides, as for ``jsonl.import_records``."""
    counts = StixImportCounts()
    objects = load_objects(stream, name)
    got = import_records(store, report_records(objects, counts), **owner)
    counts.read, counts.stored, counts.duplicates = got.read, got.stored, got.duplicates
    counts.failed, counts.failures = got.failed, got.failures
    return counts


__all__ = ["StixImportCounts", "import_bundle", "load_objects", "report_records"]
