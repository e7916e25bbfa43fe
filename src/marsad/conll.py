"""Contract 2: tag CoNLL token lines with ANERcorp's BIO scheme (PERS, LOC, ORG, MISC).

The trained CRF (models/ner) tags the tokens as given — it was trained on ANERcorp's tokens and is
scored on them. ``tag_sentence_rules`` keeps the older path through the gazetteer/rule stages
(tokens joined into a Document, mentions mapped back to tokens) for comparison.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from marsad.document import Document
from marsad.pipeline.pipeline import Pipeline

# marsad type -> ANERcorp type (NORP adjectives and titles are not ANERcorp entities)
ANERCORP_TYPE = {"PER": "PERS", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG"}


def _repair_bio(tags: list[str]) -> list[str]:
    """An I- that does not continue an entity of its type starts one (as conlleval reads it)."""
    for i, t in enumerate(tags):
        if t.startswith("I-") and (i == 0 or tags[i - 1][2:] != t[2:]):
            tags[i] = "B-" + t[2:]
    return tags


def tag_tokens(tokens: list[str]) -> list[str]:
    """One sentence on its own, without document context."""
    from marsad.models.ner.tagger import load_tagger

    return _repair_bio(load_tagger().tag(tokens))


def tag_document(sentences: list[list[str]]) -> list[list[str]]:
    """Every sentence of one document; the model reads each with its neighbours as context."""
    from marsad.models.ner.tagger import load_tagger

    return [_repair_bio(t) for t in load_tagger().tag_document(sentences)]


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


def tag_sentence_rules(tokens: list[str], pipeline: Pipeline) -> list[str]:
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


def tag_conll(lines: Iterable[str], rules: bool = False) -> Iterator[str]:
    """``token<TAB>tag`` lines, with a blank line after each sentence (blank lines kept).
    The file is one document: the model tags all its sentences together (context features).
    ``rules=True`` tags with the gazetteer/rule layer instead of the trained model."""
    sents = [[line.split()[0] for line in sent] for sent in _sentences(lines)]
    if rules:
        pipeline = ner_pipeline()
        tagged = [tag_sentence_rules(tokens, pipeline) if tokens else [] for tokens in sents]
    else:
        tagged = tag_document(sents)
    for tokens, tags in zip(sents, tagged):
        for tok, tag in zip(tokens, tags):
            yield f"{tok}\t{tag}"
        yield ""
