"""Exports of the knowledge base (JSONL, ACLED-like CSV/Parquet, GeoJSON, GraphML/GEXF, STIX 2.1) and
imports from another marsad (STIX, JSONL). Every read goes through ``select.select_documents``, which
applies store/access.py's ``visible_documents`` for the viewer: nothing leaves that they may not see."""

FORMATS = ("jsonl", "csv", "parquet", "geojson", "graphml", "gexf", "stix")
