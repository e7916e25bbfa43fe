"""GeoJSON (RFC 7946) of events and places: one FeatureCollection, each Feature a Point with
``properties.kind`` = ``"event"`` (an event with a located place) or ``"place"`` (a place entity the
selected documents name, with its mention, document and event counts). Coordinates are [lon, lat]."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from marsad.exports.acled import event_row
from marsad.exports.select import ExportFilter, load_documents, select_documents, selected_events
from marsad.store import Store
from marsad.store.access import Viewer

_PLACE_TYPES = ("GPE", "LOC", "FAC")
_EVENT_PROPS = ("event_id", "event_date", "time_precision", "event_type", "mode", "actor1", "assoc_actor_1",
                "actor2", "assoc_actor_2", "location", "location_id", "geo_precision", "country", "sources",
                "source_kind", "claim_source", "notes", "fatalities", "confidence", "document_ids", "tlp")


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(float(lon), 6), round(float(lat), 6)]}


def feature_collection(store: Store, viewer: Viewer, flt: ExportFilter | None = None) -> dict[str, Any]:
    flt = flt or ExportFilter()
    features: list[dict[str, Any]] = []
    places: dict[str, dict[str, Any]] = {}
    docs_of: dict[str, set[str]] = defaultdict(set)
    for ref, doc in load_documents(store, select_documents(store, viewer, flt)):
        by_start = {m.start: m for m in doc.mentions}
        for m in doc.mentions:
            if m.type in _PLACE_TYPES and m.entity_id and m.lat is not None and m.lon is not None:
                p = places.setdefault(m.entity_id, {
                    "kind": "place", "entity_id": m.entity_id, "name": m.canonical or m.text, "latin": m.latin or "",
                    "country": m.country or "", "geo_precision": m.geo_precision, "lat": m.lat, "lon": m.lon,
                    "mentions": 0, "documents": 0, "events": 0})
                p["mentions"] += 1
                docs_of[m.entity_id].add(doc.id)
        for seq, e in selected_events(doc, flt):
            loc = e.location or {}
            if loc.get("entity_id") in places:
                places[loc["entity_id"]]["events"] += 1
            if loc.get("lat") is None or loc.get("lon") is None:
                continue
            row = event_row(ref, doc, seq, e, by_start)
            features.append({"type": "Feature", "id": row["event_id"], "geometry": _point(loc["lon"], loc["lat"]),
                             "properties": {"kind": "event", **{k: row[k] for k in _EVENT_PROPS}}})
    for eid, p in sorted(places.items()):
        p["documents"] = len(docs_of[eid])
        lat, lon = p.pop("lat"), p.pop("lon")
        features.append({"type": "Feature", "id": eid, "geometry": _point(lon, lat), "properties": p})
    return {"type": "FeatureCollection", "features": features}


__all__ = ["feature_collection"]
