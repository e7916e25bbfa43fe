"""The actor network (who acts on whom) as GraphML or GEXF, through networkx.

Nodes are linked actors (entity ids; an actor the text names but linking left unresolved is not a node);
a directed edge source → target per pair that appears in the selected events, with ``weight`` (number of
events), ``types`` (PLOVER types, ``;``-joined, by count) and ``claimed`` (how many of those events rest
on an attributed claim rather than the outlet's own statement)."""
from __future__ import annotations

import io
from collections import Counter, defaultdict
from typing import Any

import networkx as nx

from marsad.exports.common import actor_of
from marsad.exports.select import ExportFilter, load_documents, select_documents, selected_events
from marsad.store import Store
from marsad.store.access import Viewer


def actor_graph(store: Store, viewer: Viewer, flt: ExportFilter | None = None) -> nx.DiGraph:
    flt = flt or ExportFilter()
    g = nx.DiGraph()
    edge_types: dict[tuple[str, str], Counter] = defaultdict(Counter)
    edge_docs: dict[tuple[str, str], set[str]] = defaultdict(set)
    claimed: Counter = Counter()
    node_events: Counter = Counter()
    for _ref, doc in load_documents(store, select_documents(store, viewer, flt)):
        by_start = {m.start: m for m in doc.mentions}
        for _seq, e in selected_events(doc, flt):
            src = [a for a in (actor_of(x, doc, by_start) for x in e.source) if a.id]
            tgt = [a for a in (actor_of(x, doc, by_start) for x in e.target) if a.id]
            for a in (*src, *tgt):
                if a.id not in g:
                    g.add_node(a.id, label=a.name, latin=a.latin, type=a.type or "", country=a.country or "",
                               sector=a.sector or "")
                node_events[a.id] += 1
            for s in src:
                for t in tgt:
                    if s.id == t.id:
                        continue
                    edge_types[(s.id, t.id)][e.type] += 1
                    edge_docs[(s.id, t.id)].add(doc.id)
                    claimed[(s.id, t.id)] += e.claim is not None
    for n in g.nodes:
        g.nodes[n]["events"] = node_events[n]
    for (s, t), types in sorted(edge_types.items()):
        g.add_edge(s, t, weight=sum(types.values()), types=";".join(k for k, _ in types.most_common()),
                   documents=len(edge_docs[(s, t)]), claimed=claimed[(s, t)])
    return g


def graphml(g: nx.DiGraph) -> str:
    return "\n".join(nx.generate_graphml(g)) + "\n"


def gexf(g: nx.DiGraph) -> str:
    buf = io.BytesIO()
    nx.write_gexf(g, buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")


def graph_summary(g: nx.DiGraph) -> dict[str, Any]:
    return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}


__all__ = ["actor_graph", "gexf", "graph_summary", "graphml"]
