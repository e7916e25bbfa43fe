"""The tagger that loads the shipped CRF model (src/marsad/models/ner/data/ner_crf.crfsuite)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from marsad.models.ner.evaluate import spans
from marsad.models.ner.features import Featurizer, kb_lexicons, name_index

MODEL = Path(__file__).resolve().parent / "data" / "ner_crf.crfsuite"


class NerTagger:
    def __init__(self, model: str | Path = MODEL, featurizer: Featurizer | None = None) -> None:
        import pycrfsuite

        self.path = Path(model)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(self.path))
        if featurizer is None:
            from marsad.models.ner.train import names_path, read_names

            np_ = names_path(self.path)
            names = name_index(read_names(np_)) if np_.exists() else None
            rules = None
            self.uses_rules = Path(str(self.path) + ".rules").exists()
            if self.uses_rules:
                from marsad.models.ner.features import RuleLayer

                rules = RuleLayer()
            featurizer = Featurizer(kb_lexicons(), names, rules=rules)
        self.fz = featurizer

    def tag(self, tokens: list[str]) -> list[str]:
        """BIO tags over PERS, LOC, ORG, MISC for one sentence of tokens."""
        if not tokens:
            return []
        return list(self._tagger.tag(self.fz.sentence(tokens)))

    def tag_with_marginals(self, tokens: list[str]) -> tuple[list[str], list[float]]:
        tags = self.tag(tokens)
        return tags, [self._tagger.marginal(t, i) for i, t in enumerate(tags)]


@lru_cache(maxsize=2)
def load_tagger(model: str | None = None) -> NerTagger:
    return NerTagger(model or MODEL)
