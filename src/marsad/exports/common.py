"""Helpers every export format shares: display names of actors and places (from the document's own
linked mentions, then the knowledge base), country codes and names, and the claim behind an event
(a claim never becomes a fact: its source and source_kind travel with every event exported)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from marsad.document import Document, Event
from marsad.kb.entities import DATA, KBEntity, load, read_table


@lru_cache(maxsize=1)
def countries() -> dict[str, dict[str, str]]:
    """ISO 3166-1 alpha-3 → {alpha2, name_en, name_ar} (kb/data/countries.tsv)."""
    return {r["alpha3"]: {"alpha2": r["alpha2"], "name_en": r.get("name_en", ""), "name_ar": r.get("name_ar", "")}
            for r in read_table(DATA / "countries.tsv")}


def country_name(alpha3: str | None) -> str:
    return countries().get(alpha3 or "", {}).get("name_en", "") if alpha3 else ""


def alpha2(alpha3: str | None) -> str | None:
    return countries().get(alpha3 or "", {}).get("alpha2") or None if alpha3 else None


def kb_entity(entity_id: str | None) -> KBEntity | None:
    return load().get(entity_id) if entity_id else None


@dataclass(frozen=True)
class Actor:
    """An event participant as exported: ``id`` is the entity id (None when the text was not linked)."""
    id: str | None
    name: str  # canonical Arabic name, else the words of the text
    latin: str
    type: str | None  # PER, ORG, GPE …
    country: str | None
    sector: str | None
    text: str


def actor_of(part: dict[str, Any], doc: Document, by_start: dict[int, Any] | None = None) -> Actor:
    """The display form of one ``Event.source``/``target`` item: the linked mention at the same offsets
    gives the canonical and Latin names, the knowledge base fills what it lacks."""
    by_start = by_start if by_start is not None else {m.start: m for m in doc.mentions}
    m = by_start.get(part.get("start"))
    if m is None and part.get("entity_id"):  # "السلطات الجزائرية": the linked word sits inside the phrase
        a, b = part.get("start", -1), part.get("end", -1)
        m = next((x for x in doc.mentions if a <= x.start < b and x.entity_id == part["entity_id"]), None)
    eid = part.get("entity_id") or (m.entity_id if m is not None else None)
    kb = kb_entity(eid)
    name = (m.canonical if m is not None and m.canonical else None) or (kb.name if kb else None) or part.get("text", "")
    latin = (m.latin if m is not None and m.latin else None) or (kb.display_latin if kb else "") or ""
    typ = (kb.type if kb else None) or (m.type if m is not None else None)
    return Actor(id=eid, name=name, latin=latin, type=typ, country=part.get("country") or (kb.country if kb else None),
                 sector=part.get("sector") or (kb.sector if kb else None), text=part.get("text", ""))


def place_name(loc: dict[str, Any] | None) -> str:
    if not loc:
        return ""
    return loc.get("canonical") or (kb_entity(loc.get("entity_id")).name if kb_entity(loc.get("entity_id")) else "") \
        or loc.get("text", "")


def admin1(loc: dict[str, Any] | None) -> str:
    """The first-level administrative unit of an event's place, where the knowledge base knows it."""
    e = kb_entity((loc or {}).get("entity_id"))
    if e is None:
        return ""
    if e.admin1:
        return e.admin1
    return e.name if e.kind in ("wilaya", "governorate", "province", "state", "region") else ""


def claim_of(e: Event, doc: Document) -> dict[str, Any] | None:
    """The claim the event rests on (who says so), or None when the text states it without attribution."""
    if e.claim is None or not (0 <= e.claim < len(doc.claims)):
        return None
    c = doc.claims[e.claim]
    return {"source": c.source, "source_kind": c.source_kind, "via": c.via, "cue": c.cue,
            "source_ref": c.source_ref, "label": source_label(c.source, c.source_ref),
            "text": doc.text[c.start:c.end]}


def source_label(source: str, source_ref: str | None) -> str:
    """A claim's source as exported: its own words, and what a back-reference resolves to beside them
    ("المصدر (= مصادر عليمة)"), so "وأضاف المصدر" is not read as an unnamed source of its own."""
    if source_ref and source_ref.strip() and source_ref != source:
        return f"{source} (= {source_ref})" if source else source_ref
    return source


# OWASP "CSV injection": a cell a spreadsheet would read as a formula (or a DDE call)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs: text starting with = + - @ or a tab/CR gets a leading '.
    Numbers and empty cells are left alone (a negative longitude is a number, not a formula)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def evidence(e: Event, doc: Document) -> str:
    """The sentence the event was read from (its evidence)."""
    return " ".join(doc.text[e.sentence_start:e.sentence_end].split())


__all__ = ["Actor", "actor_of", "admin1", "alpha2", "claim_of", "countries", "country_name", "evidence",
           "kb_entity", "place_name", "safe_cell", "source_label"]
