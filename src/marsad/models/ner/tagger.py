"""The tagger that loads the shipped CRF model (src/marsad/models/ner/data/ner_crf.crfsuite)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from marsad.memory import gc_paused
from marsad.models.ner.evaluate import spans
from marsad.models.ner.features import Featurizer, kb_lexicons, name_index

MODEL = Path(__file__).resolve().parent / "data" / "ner_crf.crfsuite"


class NerTagger:
    def __init__(self, model: str | Path = MODEL, featurizer: Featurizer | None = None) -> None:
        import pycrfsuite

        self.path = Path(model)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(self.path))
        from marsad.models.ner.train import read_ctx

        # document-context window (0: the model was trained without document-context features)
        self.ctx, opts = read_ctx(self.path)
        if featurizer is None:
            from marsad.models.ner.train import names_path, read_names

            np_ = names_path(self.path)
            names = name_index(read_names(np_)) if np_.exists() else None
            rules = None
            self.uses_rules = Path(str(self.path) + ".rules").exists()
            if self.uses_rules:
                from marsad.models.ner.features import RuleLayer

                rules = RuleLayer()
            from marsad.models.ner.train import priors_path, read_priors

            priors = None
            if "priors" in opts:
                pp = priors_path(self.path)
                if not pp.exists():
                    raise FileNotFoundError(f"NER model {self.path} was trained with label priors but {pp} is "
                                            "missing: copy it beside the model or retrain (make train)")
                priors = read_priors(pp)
            featurizer = Featurizer(kb_lexicons(), names, rules=rules, name_parts="parts" in opts, priors=priors)
        self.fz = featurizer
        if featurizer.known is None:
            # attributes with a weight in the model (L1 keeps ~30k): the featurizer drops the rest
            featurizer.known = {a for a, _label in self._tagger.info().state_features}
        featurizer.ctx_names = "names" in opts

    def tag(self, tokens: list[str]) -> list[str]:
        """BIO tags over PERS, LOC, ORG, MISC for one sentence of tokens."""
        if not tokens:
            return []
        return list(self._tagger.tag(self.fz.sentence(tokens)))

    def tag_document(self, sentences: list[list[str]]) -> list[list[str]]:
        """BIO tags of every sentence of one document (in order). A model trained with document-context
        features sees each sentence's ±K neighbours; any other model tags sentence by sentence."""
        with gc_paused():
            if not self.ctx:
                return [self.tag(s) for s in sentences]
            return [list(self._tagger.tag(x)) if x else [] for x in self.fz.document(sentences, self.ctx)]

    def tag_with_marginals(self, tokens: list[str]) -> tuple[list[str], list[float]]:
        tags = self.tag(tokens)
        return tags, [self._tagger.marginal(t, i) for i, t in enumerate(tags)]

    def tag_document_with_marginals(self, sentences: list[list[str]]) -> list[tuple[list[str], list[float]]]:
        """(tags, marginals) of every sentence of one document, as ``tag_document`` tags them."""
        with gc_paused():
            if not self.ctx:
                return [self.tag_with_marginals(s) if s else ([], []) for s in sentences]
            out = []
            for x in self.fz.document(sentences, self.ctx):
                if not x:
                    out.append(([], []))
                    continue
                tags = list(self._tagger.tag(x))  # sets the instance the marginals are read from
                out.append((tags, [self._tagger.marginal(t, i) for i, t in enumerate(tags)]))
            return out


@lru_cache(maxsize=2)
def load_tagger(model: str | None = None) -> NerTagger:
    """The shipped tagger, or ``model``; MARSAD_NER_MODEL names another model file (to benchmark a
    candidate through the whole pipeline without replacing the shipped one)."""
    return NerTagger(model or os.environ.get("MARSAD_NER_MODEL") or MODEL)
