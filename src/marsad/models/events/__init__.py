"""Sentence-level event gates: does a sentence report an event of a type, or only use its words."""
