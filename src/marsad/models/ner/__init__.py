"""Named-entity tagger trained on ANERcorp (PERS, LOC, ORG, MISC in BIO), with KB gazetteer features."""
from marsad.models.ner.tagger import NerTagger, load_tagger

__all__ = ["NerTagger", "load_tagger"]
