"""Article metadata: ISO date parsing, ``NAME.meta.json`` sidecars, and precedence
(keyword override > sidecar > what the file itself says)."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from typing import Any

FIELDS = ("title", "published", "url", "outlet", "external_id")
_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T\s_])")


def parse_date(value: Any) -> dt.date | None:
    """ISO date or datetime (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], 'YYYY-MM-DD HH:MM:SS'),
    a date/datetime object or a time.struct_time -> datetime.date. Raises ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, time.struct_time):
        return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    if not isinstance(value, str):
        raise ValueError(f"not an ISO date: {value!r}")
    s = value.strip()
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    m = _ISO_DAY.match(s)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))  # may raise ValueError (2015-13-40)
    raise ValueError(f"not an ISO date: {value!r}")


def set_published(fields: dict, value: Any, meta: dict, origin: str) -> None:
    """Parse ``value`` into fields["published"]; a bad date keeps None and is noted in meta."""
    try:
        d = parse_date(value)
    except (ValueError, OverflowError):
        meta.setdefault("warnings", []).append(f"unparsed published date from {origin}: {str(value)[:60]!r}")
        return
    if d is not None:
        fields["published"] = d


def sidecar_path(path: str) -> str | None:
    """``a.txt`` -> ``a.txt.meta.json`` or ``a.meta.json`` (first that exists)."""
    base, _ = os.path.splitext(path)
    for cand in (path + ".meta.json", base + ".meta.json"):
        if os.path.isfile(cand):
            return cand
    return None


def read_sidecar(path: str, meta: dict) -> dict:
    """Fields from the sidecar next to ``path`` (title, published, url, outlet, id, anything else
    goes into meta["sidecar"]). A broken sidecar is noted in meta["warnings"], never fatal."""
    sc = sidecar_path(path)
    if sc is None:
        return {}
    try:
        with open(sc, encoding="utf-8-sig") as f:
            data = json.load(f)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as e:
        meta.setdefault("warnings", []).append(f"sidecar {os.path.basename(sc)} ignored: {str(e).splitlines()[0][:120]}")
        return {}
    meta["sidecar"] = sc
    fields: dict = {}
    for k in ("title", "url", "outlet"):
        if data.get(k):
            fields[k] = str(data[k])
    if data.get("id") is not None:
        fields["external_id"] = str(data["id"])
    if data.get("published"):
        set_published(fields, data["published"], meta, "sidecar")
    extra = {k: v for k, v in data.items() if k not in ("title", "url", "outlet", "id", "published")}
    if extra:
        meta.setdefault("extra", {}).update(extra)
    return fields


def overrides(published: dt.date | str | None, outlet: str | None, url: str | None) -> dict:
    out: dict = {}
    if published is not None:
        out["published"] = parse_date(published)
    if outlet:
        out["outlet"] = outlet
    if url:
        out["url"] = url
    return out


def merge(*layers: dict) -> dict:
    """Later layers win; None values never overwrite."""
    out: dict = {}
    for layer in layers:
        for k, v in layer.items():
            if v is not None and v != "":
                out[k] = v
    return out


