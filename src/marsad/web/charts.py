"""Chart geometry for the timeline and the actor network, drawn as inline SVG by the templates.

Why hand-written SVG rather than a chart library: the two charts are a stacked bar chart and a node-link
drawing; computed here they need no JavaScript, stay readable without it, and every label goes through
the template's autoescape. The network layout is networkx's spring layout with a fixed seed, so the same
data draws the same picture.
"""
from __future__ import annotations

import math

# one colour per PLOVER type, stable across pages (the legend and the events table use the same)
PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
           "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#ff7f00", "#6a3d9a", "#b15928", "#8dd3c7",
           "#bebada", "#fb8072", "#80b1d3"]
PLOVER = ["AGREE", "CONSULT", "SUPPORT", "COOPERATE", "AID", "CONCEDE", "RETREAT", "INVESTIGATE", "DEMAND",
          "DISAPPROVE", "REJECT", "THREATEN", "PROTEST", "MOBILIZE", "SANCTION", "COERCE", "ASSAULT", "FIGHT",
          "CRIME"]


def colour(event_type: str) -> str:
    i = PLOVER.index(event_type) if event_type in PLOVER else sum(map(ord, event_type))
    return PALETTE[i % len(PALETTE)]


def timeline_svg(data: dict, *, width: int = 900, height: int = 320) -> dict:
    """Stacked bars, one per period (left to right in time, as dates read even in an RTL page)."""
    periods, types = data["periods"], data["types"]
    counts = {(c["period"], c["type"]): c["count"] for c in data["counts"]}
    totals = [sum(counts.get((p, t), 0) for t in types) for p in periods]
    top = max(totals, default=0) or 1
    left, bottom, plot_h = 40, 60, height - 80
    step = (width - left - 10) / max(len(periods), 1)
    bar_w = max(min(step * 0.7, 60), 2)
    bars, labels = [], []
    for i, p in enumerate(periods):
        x = left + i * step + (step - bar_w) / 2
        y = 10 + plot_h
        for t in types:
            n = counts.get((p, t), 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            bars.append({"x": round(x, 1), "y": round(y, 1), "w": round(bar_w, 1), "h": round(h, 1),
                         "fill": colour(t), "title": f"{p} {t}: {n}", "period": p, "type": t, "n": n})
        labels.append({"x": round(x + bar_w / 2, 1), "y": 10 + plot_h + 16, "text": p})
    ticks = sorted({0, top, math.ceil(top / 2)})
    yticks = [{"y": round(10 + plot_h - plot_h * v / top, 1), "text": str(v)} for v in ticks]
    legend = [{"type": t, "fill": colour(t), "n": sum(counts.get((p, t), 0) for p in periods)} for t in types]
    return {"width": width, "height": height, "bars": bars, "labels": labels, "yticks": yticks,
            "legend": legend, "left": left, "base": 10 + plot_h}


def network_svg(graph: dict, *, width: int = 900, height: int = 600, max_nodes: int = 80) -> dict:
    """Positions for the heaviest ``max_nodes`` actors and the edges among them."""
    import networkx as nx

    nodes = sorted(graph["nodes"], key=lambda n: (-n["weight"], n["id"]))[:max_nodes]
    keep = {n["id"] for n in nodes}
    edges = [e for e in graph["edges"] if e["source"] in keep and e["target"] in keep]
    g = nx.DiGraph()
    g.add_nodes_from(sorted(keep))
    for e in edges:
        g.add_edge(e["source"], e["target"], weight=e["weight"])
    pos = nx.spring_layout(g, seed=7, k=1.6 / math.sqrt(max(len(g), 1))) if len(g) else {}
    pad = 70

    def xy(nid: str) -> tuple[float, float]:
        x, y = pos[nid]
        return (round(pad + (x + 1) / 2 * (width - 2 * pad), 1), round(pad + (y + 1) / 2 * (height - 2 * pad), 1))

    top_w = max((e["weight"] for e in edges), default=1)
    top_n = max((n["weight"] for n in nodes), default=1)
    out_nodes = []
    for n in nodes:
        x, y = xy(n["id"])
        out_nodes.append({**n, "x": x, "y": y, "r": round(6 + 14 * math.sqrt(n["weight"] / top_n), 1)})
    radius = {n["id"]: n["r"] for n in out_nodes}
    out_edges = []
    for e in edges:
        (x1, y1), (x2, y2) = xy(e["source"]), xy(e["target"])
        d = math.hypot(x2 - x1, y2 - y1) or 1
        r = radius[e["target"]] + 3  # stop the arrow at the target's rim
        main = max(e["types"].items(), key=lambda kv: kv[1])[0] if e["types"] else ""
        out_edges.append({**e, "x1": x1, "y1": y1, "x2": round(x2 - (x2 - x1) * r / d, 1),
                          "y2": round(y2 - (y2 - y1) * r / d, 1), "stroke": colour(main) if main else "#999",
                          "w": round(1 + 5 * e["weight"] / top_w, 1),
                          "title": ", ".join(f"{t}×{n}" for t, n in sorted(e["types"].items()))})
    used = sorted({t for e in edges for t in e["types"]})
    return {"width": width, "height": height, "nodes": out_nodes, "edges": out_edges,
            "legend": [{"type": t, "fill": colour(t)} for t in used]}
