"""What the pages need beyond ``store/queries.py``: turning form fields into its filters and its answers into
what the templates and charts draw. No query lives here: every read goes through ``store.queries`` (the
API's read layer), so a page and the API answer the same question the same way, visibility included.
"""
from __future__ import annotations

import calendar
import re
from collections import Counter
from typing import Any

from marsad.store import queries
from marsad.store.access import Viewer

# the search form's facets, in the order they are shown
FACETS = ("type", "actor", "place", "country", "month", "outlet", "source_kind")
MONTHS_SHOWN = 24


def display_title(title: str | None, text: str | None) -> str | None:
    """A document's title, or (many articles come without one) its first words."""
    if title:
        return title
    words = (text or "").split()
    return " ".join(words[:10]) + (" …" if len(words) > 10 else "") if words else None


def period_end(value: str | None) -> str | None:
    """A ``date_to`` typed as a period (2012, 2012-05) → its last day, so the period is included:
    ``queries`` compares an end date as a string, where "2012-05-13" > "2012-05"."""
    if not value:
        return value
    if re.fullmatch(r"\d{4}", value):
        return f"{value}-12-31"
    m = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if m and 1 <= int(m[2]) <= 12:
        return f"{value}-{calendar.monthrange(int(m[1]), int(m[2]))[1]:02d}"
    return value


def search_filters(filters: dict[str, str | None]) -> dict[str, str | None]:
    """The search form's fields → ``queries.search`` keywords: the month facet (YYYY-MM) becomes a date
    range (intersected with date_from/date_to when both are set). ValueError names a bad month."""
    out = {k: v for k, v in filters.items() if k != "month" and v}
    month = filters.get("month")
    if month:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise ValueError(f"month={month!r} is not a month (YYYY-MM)")
        lo, hi = f"{month}-01", period_end(month)
        out["date_from"] = max(lo, out.get("date_from") or lo)
        out["date_to"] = min(hi, period_end(out.get("date_to")) or hi)  # type: ignore[type-var]
    if out.get("date_to"):
        out["date_to"] = period_end(out["date_to"])
    return out


def page_facets(facets: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """``queries.search`` facets in the form's order, each value with a label; months newest first; values a
    filter cannot ask for (no source kind) left out."""
    out: dict[str, list[dict]] = {}
    for name in FACETS:
        values = [{**v, "label": v.get("label") or v["value"]} for v in facets.get(name, []) if v["value"]]
        if name == "month":
            values = sorted(values, key=lambda v: v["value"], reverse=True)[:MONTHS_SHOWN]
        out[name] = values
    return out


def name_untitled(store: Any, viewer: Viewer, items: list[dict], *, id_key: str = "id",
                  title: Any = lambda it: it.get("title")) -> dict[str, str | None]:
    """Document id → the title a page shows (its title, else its opening words) for ``items``."""
    untitled = [it[id_key] for it in items if not title(it)]
    heads = queries.document_openings(store, viewer, untitled) if untitled else {}
    return {it[id_key]: display_title(title(it), heads.get(it[id_key])) for it in items}


def event_day(e: dict) -> str | None:
    """An event's date as the tables show it: its own value, else its article's publication date."""
    own = (e.get("date") or {}).get("value")
    return own if own and own[:1].isdigit() else (e.get("document") or {}).get("published")


def timeline_chart(tl: dict) -> dict:
    """``queries.timeline`` (by month) → the chart's periods × types: a month stays a month; a year, a season
    (2012-SU) or a week is counted in its year."""
    counts: Counter = Counter()
    for it in tl["items"]:
        p = it["period"]
        period = p if re.fullmatch(r"\d{4}-\d{2}", p) else p[:4] if re.match(r"\d{4}", p) else None
        if period:
            counts[(period, it["type"])] += it["count"]
    return {"periods": sorted({p for p, _ in counts}), "types": sorted({t for _, t in counts}),
            "counts": [{"period": p, "type": t, "count": n} for (p, t), n in sorted(counts.items())]}


def network_graph(net: dict) -> dict:
    """``queries.network`` → nodes labelled and weighted by the events on their edges (the drawing's size)."""
    degree: Counter = Counter()
    for e in net["edges"]:
        degree[e["source"]] += e["weight"]
        degree[e["target"]] += e["weight"]
    nodes = [{**n, "label": n.get("name") or n["id"], "weight": degree[n["id"]]} for n in net["nodes"]]
    return {"nodes": nodes, "edges": net["edges"]}


def every(list_fn: Any, store: Any, viewer: Viewer, *, cap: int = 10_000, **kw: Any) -> list[dict]:
    """All items of a paged ``queries`` list (up to ``cap``), page after page."""
    items: list[dict] = []
    while len(items) < cap:
        page = list_fn(store, viewer, limit=queries.MAX_LIMIT, offset=len(items), **kw)
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            break
    return items[:cap]


__all__ = ["FACETS", "display_title", "event_day", "every", "name_untitled", "network_graph", "page_facets",
           "period_end", "search_filters", "timeline_chart"]
