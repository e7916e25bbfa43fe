"""One entry point for every export format: the bytes of the file and how many items it holds (the CLI,
the API and the benchmark all call it, so they give the same files)."""
from __future__ import annotations

import io
import json

from marsad.exports import FORMATS
from marsad.exports.select import ExportFilter
from marsad.store import Store
from marsad.store.access import Viewer


def render(fmt: str, store: Store, viewer: Viewer, flt: ExportFilter | None = None) -> tuple[bytes, int]:
    """The export as bytes and the number of items in it (documents, events, features, edges or objects)."""
    from marsad.exports import acled, geojson, jsonl, network, stix

    if fmt == "jsonl":
        buf = io.StringIO()
        n = jsonl.write_jsonl(store, viewer, buf, flt)
        return buf.getvalue().encode("utf-8"), n
    if fmt == "csv":
        buf = io.StringIO()
        n = acled.write_csv(store, viewer, buf, flt)
        return buf.getvalue().encode("utf-8"), n
    if fmt == "parquet":
        return acled.parquet_bytes(store, viewer, flt)
    if fmt == "geojson":
        fc = geojson.feature_collection(store, viewer, flt)
        return json.dumps(fc, ensure_ascii=False).encode("utf-8"), len(fc["features"])
    if fmt in ("graphml", "gexf"):
        g = network.actor_graph(store, viewer, flt)
        text = network.graphml(g) if fmt == "graphml" else network.gexf(g)
        return text.encode("utf-8"), g.number_of_edges()
    if fmt == "stix":
        objs = stix.build(store, viewer, flt)
        return objs.bundle().serialize(ensure_ascii=False).encode("utf-8"), len(objs.objects)
    raise ValueError(f"{fmt!r} is not an export format; use one of: {', '.join(FORMATS)}")


__all__ = ["render"]
