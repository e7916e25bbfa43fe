"""Across documents, after storage: story clustering (articles about one happening) and event
de-duplication (one real event reported by many articles). ``stories`` and ``event_groups`` decide in
memory (no SQL); ``repo`` reads and writes their tables; ``CrossDoc`` joins them for the Ingester."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data") / "crossdoc.json"


@lru_cache(maxsize=1)
def params() -> dict[str, Any]:
    """The thresholds (data/crossdoc.json)."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def __getattr__(name: str):  # noqa: ANN202  (lazy: importing the package must not load numpy/USE)
    if name == "CrossDoc":
        from marsad.crossdoc.assign import CrossDoc

        return CrossDoc
    raise AttributeError(name)
