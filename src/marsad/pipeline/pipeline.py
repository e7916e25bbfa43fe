"""The ordered stages that turn a Document's text into annotations.

Stages are built once (they load lexicons and gazetteers) and then applied to many documents.
A stage is any object with a ``name`` and ``__call__(doc) -> doc`` that only adds annotations.
"""
from __future__ import annotations

from typing import Protocol

from marsad import PIPELINE_VERSION
from marsad.document import Document


class Stage(Protocol):
    name: str

    def __call__(self, doc: Document) -> Document: ...


class Pipeline:
    def __init__(self, stages: list[Stage], version: str = PIPELINE_VERSION) -> None:
        self.stages = stages
        self.version = version

    def __call__(self, doc: Document) -> Document:
        for stage in self.stages:
            doc = stage(doc)
        doc.pipeline_version = self.version
        return doc

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]


_DEFAULT: Pipeline | None = None


def default_pipeline() -> Pipeline:
    """segment → glued words → mentions (gazetteers/rules) → model mentions (CRF) → dates,
    built once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        from marsad.pipeline.dates import DateStage
        from marsad.pipeline.mentions import MentionStage
        from marsad.pipeline.ner import ModelMentionStage
        from marsad.pipeline.segment import GluedStage, SegmentStage

        _DEFAULT = Pipeline([SegmentStage(), GluedStage(), MentionStage(), ModelMentionStage(), DateStage()])
    return _DEFAULT
