"""Model mentions: the trained CRF tagger (models/ner) over each sentence, merged with the
gazetteer/rule mentions already on the Document.

The rule layer runs first and wins where both found something (it knows canonical ids, titles,
countries); the model adds the names the gazetteers do not know (unseen persons, organisations).
"""
from __future__ import annotations

from marsad.document import Document, Mention, Token
from marsad.kb.gazetteer import load as load_gazetteer
from marsad.models.ner.evaluate import spans
from marsad.models.ner.tagger import NerTagger, load_tagger
from marsad.text.normalize import normalize_key
from marsad.text.tokens import name_start

# ANERcorp type -> marsad type (LOC becomes GPE/FAC when the knowledge base knows the name so)
MARSAD_TYPE = {"PERS": "PER", "ORG": "ORG", "LOC": "LOC", "MISC": "MISC"}


def model_mentions(doc: Document, tagger: NerTagger, keep_misc: bool = False) -> list[Mention]:
    """Mentions (method "model") of ``doc``, tagged sentence by sentence over ``doc.tokens``."""
    gz = load_gazetteer()
    toks = doc.tokens
    sents = [(s.start, s.end) for s in doc.sentences] or [(0, len(doc.text))]
    groups: list[list[Token]] = []
    ti = 0
    for s0, s1 in sents:
        words: list[Token] = []
        while ti < len(toks) and toks[ti].start < s1:
            if toks[ti].start >= s0:
                words.append(toks[ti])
            ti += 1
        if words:
            groups.append(words)
    # the whole document at once: the model reads each sentence with its neighbours as context
    tagged = tagger.tag_document_with_marginals([[w.text for w in ws] for ws in groups])
    out: list[Mention] = []
    for words, (tags, marg) in zip(groups, tagged):
        for a, b, t in sorted(spans(tags)):
            if t == "MISC" and not keep_misc:
                continue
            start, end = name_start(words[a]), words[b - 1].end
            if end <= start:
                continue
            typ = MARSAD_TYPE.get(t, t)
            text = doc.text[start:end]
            if typ == "LOC":
                e = gz.lookup(tuple(normalize_key(text).split()))
                if e is not None and e.type in ("GPE", "LOC", "FAC"):
                    typ = e.type
            conf = round(sum(marg[a:b]) / (b - a), 3)
            out.append(Mention(start, end, text, typ, conf, method="model"))
    return out


class ModelMentionStage:
    name = "ner-model"

    def __init__(self, tagger: NerTagger | None = None) -> None:
        self.tagger = tagger or load_tagger()

    def __call__(self, doc: Document) -> Document:
        taken = bytearray(len(doc.text) + 1)
        for m in doc.mentions:
            taken[m.start:m.end] = b"\x01" * (m.end - m.start)
        added = [m for m in model_mentions(doc, self.tagger) if not any(taken[m.start:m.end])]
        if added:
            doc.mentions = sorted(doc.mentions + added, key=lambda m: (m.start, m.end))
        return doc
