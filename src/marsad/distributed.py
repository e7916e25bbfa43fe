"""Ingest on Dask: the pipeline runs on the workers over partitions of the input; the client reads,
de-duplicates and writes.

Why the client writes (SQLite and PostgreSQL alike): near-duplicate marking, story clustering and
event grouping depend on the order in which documents arrive. The client hands every analysed item
to the same ``Ingester._handle`` the single-process run uses, in input order, so a Dask run stores
exactly what a single-process run stores (tests/test_dask.py) with the same bad-input handling
(failures recorded, the batch goes on), one transaction per document and the same idempotency
(a re-run stores nothing twice). The expensive part (the pipeline, ~20 ms an article, and the story
vector) runs on the workers; the client's share is reading, MinHash queries and the insert.

Workers need the same marsad version as the client: each partition returns its pipeline version and
a mismatch stops the run with a message naming the worker.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import pickle
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from marsad.ingest import Failure, Item, NearDuplicateIndex
from marsad.jobs import Analysed, Ingester, IngestCounts, OnItem, _one_line
from marsad.pipeline.pipeline import Pipeline, default_pipeline

PARTITION = 16  # items per task: ~0.3 s of work, so scheduling overhead stays small
IN_FLIGHT = 4  # partitions queued per worker, so no worker waits while the client writes

_PIPELINES: dict[str, Pipeline] = {}  # per worker process, by the digest of the entity decisions


def _worker_pipeline(overrides: bytes) -> Pipeline:
    key = hashlib.sha256(overrides).hexdigest()
    if key not in _PIPELINES:
        _PIPELINES[key] = default_pipeline().with_link_overrides(pickle.loads(overrides))
    return _PIPELINES[key]


def analyse_partition(items: list[Item], overrides: bytes, crossdoc: bool) -> tuple[str, str, list[Analysed]]:
    """Runs on a worker: (worker address, pipeline version, one Analysed per item, in order)."""
    from marsad.crossdoc.stories import story_vector

    try:
        from distributed import get_worker
        where = get_worker().address
    except Exception:  # called outside a worker (tests)
        where = "local"
    pipeline = _worker_pipeline(overrides)
    near = NearDuplicateIndex()
    out: list[Analysed] = []
    for it in items:
        try:
            sig = near.signature(it.text)
            doc = pipeline(it.to_document())
        except Exception as exc:  # worded as Ingester._handle words it
            out.append(Analysed(error=f"analysis failed: {_one_line(exc)}"))
            continue
        doc.tokens, doc.glued = [], []  # not stored; they are most of the bytes sent back
        vec = None
        if crossdoc:
            try:
                vec = story_vector(doc)
            except Exception:  # the client's grouping then goes on without the vector signal
                vec = None
        out.append(Analysed(signature=sig, document=doc, story_vector=vec))
    return where, pipeline.version, out


class PipelineMismatch(RuntimeError):
    pass


class _ClientPipeline:
    """The client's own pipeline, built only when an item must be analysed on the client (a repeat
    whose first copy failed): the client of a Dask run needs neither the models' memory nor their load
    time."""

    def __init__(self, overrides: Any = None) -> None:
        from marsad import PIPELINE_VERSION

        self.version = PIPELINE_VERSION
        self._overrides = overrides
        self._built: Pipeline | None = None

    def with_link_overrides(self, overrides: Any) -> _ClientPipeline:
        return _ClientPipeline(overrides)

    def __call__(self, doc):  # noqa: ANN001, ANN204
        if self._built is None:
            p = default_pipeline()
            self._built = p.with_link_overrides(self._overrides) if self._overrides is not None else p
        return self._built(doc)


class DaskIngester(Ingester):
    """An Ingester whose pipeline runs on a Dask cluster; storing is inherited unchanged."""

    def __init__(self, store, client, *, partition: int = PARTITION, **kwargs: Any) -> None:  # noqa: ANN001
        kwargs.setdefault("pipeline", _ClientPipeline())
        super().__init__(store, **kwargs)
        self.client = client
        self.partition = partition
        self._overrides = pickle.dumps(store.link_overrides())
        self._results: dict[int, Analysed] = {}
        self.client_busy_s = 0.0  # time spent storing (de-duplication, insert, grouping): the client's capacity

    def run(self, items: Iterable[Item | Failure], command: str) -> IngestCounts:
        return super().run(self._analysed(items), command)

    def _handle(self, obj: Item | Failure, run_id: int, counts: IngestCounts,
                analysed: Analysed | None = None) -> None:
        # an item not sent to a worker (already stored, or repeated in this input) has no result and
        # takes the single-process path: usually "duplicate", analysed here if its first copy failed
        t0 = time.perf_counter()
        super()._handle(obj, run_id, counts, self._results.pop(id(obj), None))
        self.client_busy_s += time.perf_counter() - t0

    def _analysed(self, items: Iterable[Item | Failure]) -> Iterator[Item | Failure]:
        """The items in input order, each yielded once its partition's results are in ``_results``."""
        n_workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        window: deque = deque()
        batch: list[Item | Failure] = []
        send: list[Item] = []
        seen: set[str] = set()

        def flush() -> None:
            fut = None
            if send:
                light = [dataclasses.replace(it, raw="") for it in send]  # raw is stored by the client
                fut = self.client.submit(analyse_partition, light, self._overrides, self.with_crossdoc, pure=False)
            window.append((list(batch), list(send), fut))
            batch.clear()
            send.clear()

        def drain() -> Iterator[Item | Failure]:
            objs, sent, fut = window.popleft()
            if fut is not None:
                try:
                    where, version, results = fut.result()
                except Exception as exc:  # a worker lost or killed: the partition's items fail, the run goes on
                    results = [Analysed(error=f"analysis failed: Dask worker failed: {_one_line(exc)}")] * len(sent)
                    version = self.pipeline.version
                    where = "?"
                if version != self.pipeline.version:
                    raise PipelineMismatch(f"Dask worker {where} runs pipeline {version}, this client "
                                           f"{self.pipeline.version}: install the same marsad on every worker")
                for it, res in zip(sent, results):
                    self._results[id(it)] = res
            yield from objs

        for obj in items:
            if isinstance(obj, Item):
                h = obj.content_hash
                if h not in seen and not self.store.find_by_hash(h):
                    send.append(obj)
                seen.add(h)
            batch.append(obj)
            if len(send) >= self.partition or len(batch) >= 8 * self.partition:
                flush()
                while len(window) > IN_FLIGHT * n_workers:
                    yield from drain()
        flush()
        while window:
            yield from drain()

    def worker_memory(self) -> dict[str, float]:
        """Peak resident memory of each worker process, MiB."""
        import resource

        peaks = self.client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        return {w: round(kb / 1024, 1) for w, kb in peaks.items()}


class DaskUnavailable(RuntimeError):
    pass


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client on ``scheduler`` (an existing cluster) or on a LocalCluster of ``workers``
    processes, one thread each (the pipeline is pure Python: threads would share one GIL)."""
    from distributed import Client, LocalCluster

    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        where = f"the Dask scheduler {scheduler}" if scheduler else f"a local Dask cluster of {workers} workers"
        raise DaskUnavailable(f"cannot reach {where}: {_one_line(exc)}") from exc
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def dask_ingest_paths(store, paths: list[str], *, client, published=None, outlet: str | None = None,  # noqa: ANN001
                      url: str | None = None, fmt: str | None = None, on_item: OnItem | None = None,
                      command: str = "ingest", sharing=None) -> IngestCounts:  # noqa: ANN001
    """``jobs.ingest_paths`` with the pipeline on ``client``'s workers."""
    import sys

    from marsad.ingest import read_sources

    stdin = sys.stdin.buffer if "-" in paths else None
    items = read_sources(paths, published=published, outlet=outlet, url=url, stdin=stdin, fmt=fmt)
    kwargs = {"sharing": sharing} if sharing is not None else {}
    return DaskIngester(store, client, on_item=on_item, **kwargs).run(items, command + " [dask]")
