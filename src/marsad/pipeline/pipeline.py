"""The ordered stages that turn a Document's text into annotations.

Stages are built once (they load lexicons and gazetteers) and then applied to many documents.
A stage is any object with a ``name`` and ``__call__(doc) -> doc`` that only adds annotations.
"""
from __future__ import annotations

import gc
from typing import Protocol

from marsad import PIPELINE_VERSION
from marsad.document import Document
from marsad.memory import gc_paused


class Stage(Protocol):
    name: str

    def __call__(self, doc: Document) -> Document: ...


class Pipeline:
    def __init__(self, stages: list[Stage], version: str = PIPELINE_VERSION) -> None:
        self.stages = stages
        self.version = version

    def __call__(self, doc: Document) -> Document:
        with gc_paused():
            for stage in self.stages:
                doc = stage(doc)
        doc.pipeline_version = self.version
        return doc

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def with_link_overrides(self, overrides) -> "Pipeline":  # noqa: ANN001
        """The same stages, with the linking stage applying a user's entity decisions (from the store)."""
        from marsad.pipeline.link import LinkStage

        if not (overrides.aliases or overrides.redirects or overrides.splits or overrides.confirmed):
            return self
        stages = [LinkStage(kb=s.kb, overrides=overrides) if isinstance(s, LinkStage) else s for s in self.stages]
        return Pipeline(stages, self.version)


_DEFAULT: Pipeline | None = None


def default_pipeline() -> Pipeline:
    """segment → glued words → mentions (gazetteers/rules) → model mentions (CRF) → linking (KB
    entities, geocoding) → dates → quantities → claims → events, built once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        from marsad.pipeline.claims import ClaimStage
        from marsad.pipeline.dates import DateStage
        from marsad.pipeline.events import EventStage
        from marsad.pipeline.quantities import QuantityStage
        from marsad.pipeline.link import LinkStage
        from marsad.pipeline.mentions import MentionStage
        from marsad.pipeline.ner import ModelMentionStage
        from marsad.pipeline.segment import GluedStage, SegmentStage

        _DEFAULT = Pipeline([SegmentStage(), GluedStage(), MentionStage(), ModelMentionStage(), LinkStage(), DateStage(),
                              QuantityStage(), ClaimStage(), EventStage()])
        # the lexicons, gazetteers, KB and model are built once and live as long as the process: out
        # of the collector's sight (gc.freeze) they cost nothing at each collection
        gc.collect()
        gc.freeze()
    return _DEFAULT
