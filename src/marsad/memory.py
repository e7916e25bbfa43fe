"""Process-level memory helpers shared by the pipeline and the taggers."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Analysing a document allocates many short-lived objects and makes no reference cycles; without
    this the cyclic collector keeps rescanning the large lexicons and per-word caches (~40% of tagging
    time). Collection resumes, and catches up, when the block ends. Nesting is harmless."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
