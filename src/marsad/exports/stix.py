"""STIX 2.1 export with the ``stix2`` library (every object built and validated by it, allow_custom=False).

Mapping (docs/exports.md has the whole table):
- an article → ``report`` (name, published, lead as description, the outlet's URL as external reference,
  ``object_refs`` to everything read from it); the full contract-1 record rides in marsad's
  property-extension (an ``extension-definition`` in the bundle), so another marsad imports it losslessly;
- a linked actor → ``identity`` (persons, organisations, states) or ``threat-actor`` (armed non-state groups,
  by knowledge-base sector; kb data file exports/data/stix_actors.json);
- an event's place → ``location``; an event → ``relationship`` source actor → target actor (or → its place
  when it names no target), ``relationship_type`` the PLOVER type in lower case, with the claim's source
  and source_kind; a claim → ``note`` (the reported words, the source as author);
- the outlet → ``identity``; marsad itself → the ``identity`` that creates every object.
Every object carries its document's TLP 2.0 marking (the OASIS TLP 2.0 marking-definitions,
exports/data/tlp2_markings.json); an actor or place named by several documents carries the least
restrictive marking among them (it is known at that level), and its properties (name, description,
time) come only from the documents at that marking, never from a more restricted one.

Ids are uuid5 over stable keys (document id, entity id, ``TYPE:trigger_start`` of an event, a claim's
offsets), and timestamps are the documents' ingestion times, so exporting the same data again gives the
same objects, byte for byte.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import stix2

from marsad.document import Document
from marsad.exports.common import actor_of, alpha2, claim_of, evidence, kb_entity, source_label
from marsad.exports.jsonl import record
from marsad.exports.select import (
    DocRef,
    ExportFilter,
    document_passes,
    event_id,
    event_key,
    load_documents,
    select_documents,
    selected_events,
)
from marsad.store import Store
from marsad.store.access import TLP_LEVELS, Viewer

DATA = Path(__file__).with_name("data")
NAMESPACE = uuid.UUID("6d617273-6164-5374-8978-000000000001")  # marsad's uuid5 namespace; never change it
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)  # created/modified of marsad's own constant objects
RECORD_EXTENSION = f"extension-definition--{uuid.uuid5(NAMESPACE, 'extension:marsad-record')}"
MARSAD_IDENTITY = f"identity--{uuid.uuid5(NAMESPACE, 'identity:marsad')}"


def sid(kind: str, key: str) -> str:
    """A deterministic STIX id: ``kind--uuid5(marsad namespace, key)``."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, key)}"


@lru_cache(maxsize=1)
def tlp_markings() -> dict[str, stix2.MarkingDefinition]:
    """TLP 2.0 level → its marking-definition (the published OASIS objects)."""
    data = json.loads((DATA / "tlp2_markings.json").read_text(encoding="utf-8"))
    return {level: stix2.MarkingDefinition(**obj) for level, obj in data["markings"].items()}


def tlp_of_marking(marking_id: str) -> str | None:
    """The TLP level of a marking-definition id: TLP 2.0 ones, and stix2's TLP 1.0 ones (white = CLEAR)."""
    for level, md in tlp_markings().items():
        if md.id == marking_id:
            return level
    v1 = {stix2.TLP_WHITE.id: "CLEAR", stix2.TLP_GREEN.id: "GREEN", stix2.TLP_AMBER.id: "AMBER",
          stix2.TLP_RED.id: "RED"}
    return v1.get(marking_id)


@lru_cache(maxsize=1)
def _actor_map() -> dict[str, Any]:
    return json.loads((DATA / "stix_actors.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def constant_objects() -> tuple[Any, ...]:
    """marsad's identity and the extension-definition of its record extension."""
    ident = stix2.Identity(id=MARSAD_IDENTITY, name="marsad", identity_class="system", created=EPOCH, modified=EPOCH,
                           description="marsad (مرصد): Arabic news reports into a sourced, structured knowledge base")
    ext = stix2.ExtensionDefinition(
        id=RECORD_EXTENSION, created_by_ref=MARSAD_IDENTITY, created=EPOCH, modified=EPOCH,
        name="marsad contract-1 record", version="1.0", extension_types=["property-extension"],
        description="The marsad analysis of a news article (text, entities with offsets, dates, quantities, claims, "
                    "events) as a JSON string in the property 'record', so another marsad imports it without loss.",
        schema="marsad docs/exports.md, section 'STIX record extension' (contract 1 of ARCHITECTURE.md)")
    return ident, ext


def _ts(value: dt.datetime) -> dt.datetime:
    # millisecond precision: what STIX timestamps keep, so a re-export compares equal
    value = value.astimezone(dt.timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _conf(value: float | None) -> int | None:
    return None if value is None else max(0, min(100, int(round(value * 100))))


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """STIX forbids null and empty values: drop them."""
    return {k: v for k, v in d.items() if v is not None and v != "" and v != [] and v != {}}


def _lead(doc: Document, limit: int = 600) -> str:
    text = " ".join(doc.text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


@dataclass
class _Shared:
    """An object several documents may name (actor, place, outlet). It carries the least restrictive
    marking among its documents, and its properties and time come from the oldest document at that
    marking: a RED article's wording of a name must not go out under a CLEAR marking."""
    kind: str
    props: dict[str, Any]
    created: dt.datetime
    tlp: str
    documents: set[str] = field(default_factory=set)

    def see(self, ref: DocRef, props: dict[str, Any]) -> None:
        self.documents.add(ref.id)
        level, mine = TLP_LEVELS.index(ref.tlp), TLP_LEVELS.index(self.tlp)
        t = _ts(ref.ingested_at)
        if level < mine:  # a less restricted document: everything is taken from it from now on
            self.tlp, self.props, self.created = ref.tlp, props, t
        elif level == mine and t < self.created:
            self.props, self.created = props, t


@dataclass
class StixObjects:
    """What an export produced: the objects in bundle order, and when each was first added (TAXII's
    date_added: the ingestion time of the oldest document it comes from)."""
    objects: list[Any]
    date_added: dict[str, dt.datetime]
    events_total: int = 0
    events_as_relationships: int = 0

    def bundle(self) -> stix2.Bundle:
        ids = sorted(o.id for o in self.objects)
        return stix2.Bundle(objects=self.objects, id=sid("bundle", "bundle:" + "|".join(ids)), allow_custom=False)


class _Builder:
    def __init__(self) -> None:
        self.shared: dict[str, _Shared] = {}
        self.per_doc: list[Any] = []
        self.date_added: dict[str, dt.datetime] = {}
        self.events_total = 0
        self.events_as_relationships = 0

    # -- shared objects ------------------------------------------------------------------------------

    def _share(self, oid: str, kind: str, props: dict[str, Any], ref: DocRef) -> str:
        obj = self.shared.get(oid)
        if obj is None:
            obj = self.shared[oid] = _Shared(kind=kind, props=props, created=_ts(ref.ingested_at), tlp=ref.tlp)
        obj.see(ref, props)
        return oid

    def actor(self, a: Any, ref: DocRef) -> str:
        amap = _actor_map()
        kb = kb_entity(a.id)
        refs = [{"source_name": "marsad", "external_id": a.id}]
        if kb is not None and kb.wikidata:
            refs.append({"source_name": "wikidata", "external_id": kb.wikidata,
                         "url": f"https://www.wikidata.org/wiki/{kb.wikidata}"})
        desc = " · ".join(x for x in (a.latin, f"sector {a.sector}" if a.sector else "",
                                      f"country {a.country}" if a.country else "") if x)
        if a.sector in amap["threat_actor_sectors"]:
            kind = "threat-actor"
            props = {"name": a.name, "aliases": [a.latin] if a.latin and a.latin != a.name else None}
        elif a.sector in amap["intrusion_set_sectors"]:
            kind = "intrusion-set"
            props = {"name": a.name, "aliases": [a.latin] if a.latin and a.latin != a.name else None}
        else:
            kind = "identity"
            props = {"name": a.name, "identity_class": amap["identity_class_by_type"].get(a.type or "",
                                                                                          amap["default_identity_class"])}
        props.update(description=desc or None, external_references=refs)
        return self._share(sid(kind, f"actor:{a.id}"), kind, props, ref)

    def location(self, loc: dict[str, Any], ref: DocRef) -> str | None:
        eid = loc.get("entity_id")
        if not eid:
            return None
        cc = alpha2(loc.get("country"))
        has_point = loc.get("lat") is not None and loc.get("lon") is not None
        if not (has_point or cc):
            return None  # STIX needs coordinates, a country or a region
        kb = kb_entity(eid)
        name = loc.get("canonical") or (kb.name if kb else None) or loc.get("text")
        props = {"name": name, "country": cc, "description": loc.get("latin") or (kb.display_latin if kb else None),
                 "latitude": float(loc["lat"]) if has_point else None,
                 "longitude": float(loc["lon"]) if has_point else None,
                 "external_references": [{"source_name": "marsad", "external_id": eid}]}
        return self._share(sid("location", f"location:{eid}"), "location", props, ref)

    def outlet(self, name: str, ref: DocRef) -> str:
        props = {"name": name, "identity_class": "organization", "sectors": None}
        return self._share(sid("identity", f"outlet:{name}"), "identity", props, ref)

    # -- per document --------------------------------------------------------------------------------

    def document(self, ref: DocRef, doc: Document, flt: ExportFilter) -> None:
        t = _ts(ref.ingested_at)
        marking = [tlp_markings()[ref.tlp].id]
        common = {"created": t, "modified": t, "created_by_ref": MARSAD_IDENTITY, "object_marking_refs": marking}
        refs: list[str] = []
        by_start = {m.start: m for m in doc.mentions}
        event_rel: dict[int, list[str]] = {}  # claim index → relationship ids resting on it
        for seq, e in selected_events(doc, flt):
            self.events_total += 1
            src = [a for a in (actor_of(x, doc, by_start) for x in e.source) if a.id]
            tgt = [a for a in (actor_of(x, doc, by_start) for x in e.target) if a.id]
            src_ids = [self.actor(a, ref) for a in src]
            tgt_ids = [self.actor(a, ref) for a in tgt]
            loc_id = self.location(e.location, ref) if e.location else None
            refs += src_ids + tgt_ids + ([loc_id] if loc_id else [])
            target = tgt_ids[0] if tgt_ids else loc_id
            if not src_ids or not target or target == src_ids[0]:
                continue  # kept in the report's record; STIX needs two distinct ends
            claim = claim_of(e, doc)
            said = (f"according to {claim['label']} ({claim['source_kind']})" if claim
                    else f"reported by {doc.outlet or 'the outlet'}")
            ext = _clean({"extension_type": "property-extension", "event_type": e.type, "mode": e.mode,
                          "event_id": event_id(doc.id, seq), "event_key": event_key(e), "document_id": doc.id,
                          "trigger": e.trigger, "claim_source": claim["source"] if claim else None,
                          "claim_source_ref": claim["source_ref"] if claim else None,
                          "claim_source_kind": claim["source_kind"] if claim else "reported",
                          "dead": e.dead, "injured": e.injured, "size": e.size,
                          "sources": [a.id for a in src], "targets": [a.id for a in tgt],
                          "location": (e.location or {}).get("entity_id"),
                          "date": (e.date or {}).get("value")})
            rid = sid("relationship", f"event:{doc.id}:{event_key(e)}")
            if rid in self.date_added:  # two events of one type at one trigger: keep both, apart
                rid = sid("relationship", f"event:{doc.id}:{event_key(e)}:{seq}")
            start_stop = {}
            day = (e.date or {}).get("value") or ""
            if len(day) == 10 and day[4] == "-" and day[7] == "-":
                try:
                    d0 = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc)
                    start_stop = {"start_time": d0, "stop_time": d0 + dt.timedelta(days=1)}
                except ValueError:
                    pass
            rel = stix2.Relationship(
                id=rid, relationship_type=e.type.lower(), source_ref=src_ids[0], target_ref=target,
                description=f"{evidence(e, doc)} — {said}", confidence=_conf(e.confidence),
                external_references=[{"source_name": "marsad", "external_id": event_id(doc.id, seq),
                                      **({"url": doc.url} if doc.url else {})}],
                extensions={RECORD_EXTENSION: ext}, **start_stop, **common)
            self._add(rel, t)
            refs.append(rid)
            self.events_as_relationships += 1
            if e.claim is not None:
                event_rel.setdefault(e.claim, []).append(rid)
        rep_id = sid("report", f"report:{doc.id}")
        for i, c in enumerate(doc.claims):
            nid = sid("note", f"claim:{doc.id}:{c.start}:{c.end}:{c.cue_start}")
            content = " ".join(doc.text[c.start:c.end].split()) or c.source
            label = source_label(c.source, c.source_ref)
            note = stix2.Note(
                id=nid, abstract=f"{c.cue} — {label}" if c.cue else label, content=content,
                authors=[label] if label else None, object_refs=[rep_id, *event_rel.get(i, [])],
                confidence=_conf(c.confidence),
                extensions={RECORD_EXTENSION: _clean({"extension_type": "property-extension",
                                                      "source_kind": c.source_kind, "via": c.via, "cue": c.cue,
                                                      "source_ref": c.source_ref, "refers_to": c.refers_to,
                                                      "document_id": doc.id, "claim_index": i})},
                **common)
            self._add(note, t)
            refs.append(nid)
        if doc.outlet:
            refs.insert(0, self.outlet(doc.outlet, ref))
        refs = list(dict.fromkeys(refs)) or [MARSAD_IDENTITY]
        published = (dt.datetime.combine(doc.published, dt.time(), dt.timezone.utc) if doc.published else t)
        ext_refs = [_clean({"source_name": doc.outlet or "marsad", "url": doc.url, "external_id": doc.id})]
        rep = stix2.Report(
            id=rep_id, name=(doc.title or _lead(doc, 120)), published=published, description=_lead(doc),
            object_refs=refs, lang="ar", external_references=ext_refs,
            extensions={RECORD_EXTENSION: {"extension_type": "property-extension",
                                           "record": json.dumps(record(ref, doc), ensure_ascii=False,
                                                                sort_keys=True)}},
            **common)
        self._add(rep, t)

    def _add(self, obj: Any, t: dt.datetime) -> None:
        self.per_doc.append(obj)
        self.date_added[obj.id] = t

    def finish(self) -> StixObjects:
        ident, ext = constant_objects()
        used = set()
        shared = []
        for oid, sh in sorted(self.shared.items()):
            cls = {"identity": stix2.Identity, "threat-actor": stix2.ThreatActor, "intrusion-set": stix2.IntrusionSet,
                   "location": stix2.Location}[sh.kind]
            shared.append(cls(id=oid, created=sh.created, modified=sh.created, created_by_ref=MARSAD_IDENTITY,
                              object_marking_refs=[tlp_markings()[sh.tlp].id], **_clean(sh.props)))
            self.date_added[oid] = sh.created
            used.add(sh.tlp)
        for o in self.per_doc:
            used.update(tlp_of_marking(m) for m in o.object_marking_refs)
        markings = [tlp_markings()[lvl] for lvl in TLP_LEVELS if lvl in used]
        first = min(self.date_added.values(), default=EPOCH)
        for o in (ident, ext, *markings):
            self.date_added[o.id] = first
        return StixObjects(objects=[ident, ext, *markings, *shared, *self.per_doc], date_added=self.date_added,
                           events_total=self.events_total, events_as_relationships=self.events_as_relationships)


def build(store: Store, viewer: Viewer, flt: ExportFilter | None = None) -> StixObjects:
    """The STIX objects of what ``viewer`` may see, passing ``flt``."""
    flt = flt or ExportFilter()
    b = _Builder()
    for ref, doc in load_documents(store, select_documents(store, viewer, flt)):
        if document_passes(doc, flt):
            b.document(ref, doc, flt)
    return b.finish()


def bundle_json(store: Store, viewer: Viewer, flt: ExportFilter | None = None) -> str:
    return build(store, viewer, flt).bundle().serialize(ensure_ascii=False)


def objects_as_dicts(objs: Iterable[Any]) -> list[dict[str, Any]]:
    return [json.loads(o.serialize()) for o in objs]


__all__ = ["MARSAD_IDENTITY", "NAMESPACE", "RECORD_EXTENSION", "StixObjects", "build", "bundle_json",
           "constant_objects", "objects_as_dicts", "sid", "tlp_markings", "tlp_of_marking"]
