"""Article metadata: publication-date parsing, ``NAME.meta.json`` sidecars, and precedence
(keyword override > sidecar > what the file itself says)."""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import re
import time
from typing import Any

FIELDS = ("title", "published", "url", "outlet", "external_id")
_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T\s_])")
_YMD = re.compile(r"^\s*(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:$|[T\s_,])")
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:$|[T\s_,])")


class AmbiguousDate(ValueError):
    """A NN/NN/YYYY date where both numbers could be the month (05/08/2015)."""


def _rfc2822(s: str) -> dt.date | None:
    """'Fri, 04 Oct 2019 00:30:00 +0300' -> the date as written (local to its offset), or None."""
    try:
        return email.utils.parsedate_to_datetime(s).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_date(value: Any) -> dt.date | None:
    """A publication date as written -> datetime.date. Accepts ISO dates/datetimes (YYYY-MM-DD,
    YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], 'YYYY-MM-DD HH:MM:SS'), YYYY/MM/DD, DD/MM/YYYY when it can only
    be read one way (a number over 12, or day == month; else AmbiguousDate), RFC 2822 feed dates
    ('Fri, 04 Oct 2019 00:30 +0300' -> 2019-10-04: the local date, never shifted to UTC), Arabic-Indic
    digits, date/datetime objects and time.struct_time. Raises ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, time.struct_time):
        return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    s = value.strip()
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    m = _ISO_DAY.match(s) or _YMD.match(s)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))  # may raise ValueError (2015-13-40)
    m = _DMY.match(s)
    if m:
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if a > 12 or a == b:
            return dt.date(y, b, a)  # DD/MM/YYYY
        if b > 12:
            return dt.date(y, a, b)  # MM/DD/YYYY: the only valid reading
        raise AmbiguousDate(f"ambiguous date {value!r} (DD/MM or MM/DD)")
    d = _rfc2822(s)
    if d is not None:
        return d
    raise ValueError(f"not a date: {value!r}")


def date_warning(value: Any, origin: str, error: Exception | None = None) -> str:
    """The one-line warning for a publication date that could not be used."""
    shown = " ".join(str(value).split())[:60]
    what = "is ambiguous (DD/MM/YYYY or MM/DD/YYYY?)" if isinstance(error, AmbiguousDate) \
        else "is not a date (YYYY-MM-DD)"
    return f"published '{shown}' ({origin}) {what}; kept unknown"


def set_published(fields: dict, value: Any, meta: dict, origin: str) -> None:
    """Parse ``value`` into fields["published"]; a bad date keeps None and adds a one-line message
    to meta["warnings"] (Item.warnings)."""
    try:
        d = parse_date(value)
    except (ValueError, OverflowError) as e:
        meta.setdefault("warnings", []).append(date_warning(value, origin, e))
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


