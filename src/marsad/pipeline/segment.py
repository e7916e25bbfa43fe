"""Segmentation stages: sentences and tokens (with clitics), then glued-word splits."""
from __future__ import annotations

from marsad.document import Document
from marsad.text.glued import find_glued
from marsad.text.sentences import split_sentences
from marsad.text.tokens import tokenize


class SegmentStage:
    name = "segment"

    def __call__(self, doc: Document) -> Document:
        doc.sentences = split_sentences(doc.text)
        doc.tokens = tokenize(doc.text)
        return doc


class GluedStage:
    name = "glued"

    def __call__(self, doc: Document) -> Document:
        doc.glued = find_glued(doc.tokens)
        return doc
