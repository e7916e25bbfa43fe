"""Contract 2: tag CoNLL token lines with ANERcorp's BIO scheme (PERS, LOC, ORG, MISC).

Tokens of a sentence are joined with single spaces into a Document, the entity stages run, and each
mention is mapped back to the tokens its characters cover. Today the stages are the gazetteer/rule
layer; a trained model plugs in behind the same function.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from marsad.document import Document
from marsad.pipeline.pipeline import Pipeline

# marsad type -> ANERcorp type (NORP adjectives and titles are not ANERcorp entities)
ANERCORP_TYPE = {"PER": "PERS", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG"}


def ner_pipeline() -> Pipeline:
    from marsad.pipeline.mentions import MentionStage
    from marsad.pipeline.segment import GluedStage, SegmentStage

    return Pipeline([SegmentStage(), GluedStage(), MentionStage()])


def _sentences(lines: Iterable[str]) -> Iterator[list[str]]:
    """Groups of lines separated by blank lines (a trailing group without a blank line included)."""
    cur: list[str] = []
    for line in lines:
        if line.strip():
            cur.append(line.rstrip("\n"))
        else:
            yield cur
            cur = []
    if cur:
        yield cur


def tag_sentence(tokens: list[str], pipeline: Pipeline) -> list[str]:
    starts, pos = [], 0
    for t in tokens:
        starts.append(pos)
        pos += len(t) + 1
    doc = pipeline(Document(id="conll", text=" ".join(tokens)))
    tags = ["O"] * len(tokens)
    for m in sorted(doc.mentions, key=lambda m: (m.start, -(m.end - m.start))):
        typ = ANERCORP_TYPE.get(m.type)
        if typ is None:
            continue
        covered = [i for i, s in enumerate(starts) if s < m.end and s + len(tokens[i]) > m.start]
        if not covered or any(tags[i] != "O" for i in covered):
            continue
        tags[covered[0]] = "B-" + typ
        for i in covered[1:]:
            tags[i] = "I-" + typ
    return tags


def tag_conll(lines: Iterable[str], pipeline: Pipeline | None = None) -> Iterator[str]:
    """``token<TAB>tag`` lines, with a blank line after each sentence (blank lines kept)."""
    pipeline = pipeline or ner_pipeline()
    for sent in _sentences(lines):
        tokens = [line.split()[0] for line in sent]
        if tokens:
            for tok, tag in zip(tokens, tag_sentence(tokens, pipeline)):
                yield f"{tok}\t{tag}"
        yield ""
