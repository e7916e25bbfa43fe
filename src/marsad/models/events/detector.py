"""Sentence-level event detector: does this sentence *report* an ASSAULT (PROTEST) event, or does it only
use the words (الهجوم على الحريات، تبرير القتل، المتظاهرين in passing, a past event recalled, a plan)?

The lexicon (pipeline/events.py) proposes candidate events; for the types the model knows, a logistic
regression over lexical features of the sentence and its candidates gives a probability. Features
(``features``): the trigger words (clitics and article removed), verb or noun, their neighbouring words,
the sentence's words, negation/intention/claim, the other event types in the sentence, killed/injured/
size numbers, a date, a place, the kinds of actor named, a question mark, the sentence length, and
two PLOVER acts as conjunctions of word groups (a crowd gathering with a size or a purpose; casualties
with a weapon). Negated and intended events are never dropped (``detect``).

Trained with ``python -m marsad.models.events.train`` on the Arabic event GSR (dev part); the weights
are a small JSON in ``data/``. Nothing is downloaded; pure Python at run time (a dot product over a
few dozen string features), so it costs well under a millisecond per sentence, and linear in the
document (``SentenceIndex``: a sentence's tokens and annotations by bisection, not by a full scan).
"""
from __future__ import annotations

import json
import math
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

from marsad.document import Document, Event
from marsad.text.normalize import normalize_key

MODEL = Path(__file__).parent / "data" / "detector.json"
CUES = Path(__file__).parent / "data" / "detector_cues.json"
CONTEXT = 2  # words either side of a trigger taken as context features


def _stem(tok) -> str:
    """A token's matching form without its proclitics and article."""
    k = tok.norm or normalize_key(tok.text)
    return k[2:] if k.startswith("ال") and len(k) > 4 else k


@lru_cache(maxsize=1)
def cues() -> dict[str, tuple[frozenset[str], tuple[str, ...]]]:
    """group -> (exact words, prefixes) from data/detector_cues.json, normalised."""
    raw = json.loads(CUES.read_text(encoding="utf-8"))["groups"]
    out = {}
    for g, words in raw.items():
        keys = [normalize_key(w) for w in words]
        out[g] = (frozenset(k for k in keys if not k.endswith("*")),
                  tuple(k[:-1] for k in keys if k.endswith("*")))
    return out


def _groups(stems: list[str]) -> set[str]:
    found = set()
    for g, (exact, prefixes) in cues().items():
        if any(s in exact or s.startswith(prefixes) for s in stems):
            found.add("c:" + g)
    return found


def _len_bucket(n: int) -> str:
    return "len:" + ("s" if n < 15 else "m" if n < 30 else "l" if n < 50 else "xl")


class SentenceIndex:
    """A document's word tokens, mentions, dates and quantities sorted by offset, so that a sentence's
    share of each is two bisections away: features over all the sentences of a document are linear in
    its length (a scan of every token per sentence was quadratic)."""

    def __init__(self, doc: Document, tokens: list | None = None) -> None:
        words = [t for t in (tokens if tokens is not None else doc.tokens) if t.kind in ("word", "number")]
        self._parts = {}
        for name, items in (("words", words), ("mentions", doc.mentions), ("dates", doc.dates),
                            ("quantities", doc.quantities)):
            items = sorted(items, key=lambda x: x.start)
            self._parts[name] = (items, [x.start for x in items])

    def span(self, name: str, s0: int, s1: int) -> list:
        items, starts = self._parts[name]
        return items[bisect_left(starts, s0):bisect_left(starts, s1)]


def features(doc: Document, typ: str, s0: int, s1: int, events: list[Event],
             tokens: list | None = None, index: SentenceIndex | None = None) -> list[str]:
    """The features of sentence ``s0..s1`` as a reporter of a ``typ`` event; ``events`` are all the
    lexicon's events of that sentence (any type). ``index``: the document's SentenceIndex, shared
    between its sentences (built from ``tokens`` or the document when not given)."""
    ix = index if index is not None else SentenceIndex(doc, tokens)
    toks = ix.span("words", s0, s1)
    stems = [_stem(t) if t.kind == "word" else "#" for t in toks]
    starts = [t.start for t in toks]
    own = [e for e in events if e.type == typ]
    f: set[str] = {"bias", _len_bucket(len(toks))}
    f.update("w:" + s for s in stems if len(s) > 1)
    groups = _groups(stems)
    f.update(groups)
    # PLOVER's acts as conjunctions of cue groups, so that a few examples weigh them: a crowd that gathers
    # (marches, chants) with a size or a purpose is a protest; casualties with a weapon, a violent attack
    if "c:gathering" in groups and ("c:crowd_size" in groups or "c:purpose" in groups):
        f.add("act:gather")
    if "c:casualty" in groups and "c:weapon" in groups:
        f.add("act:violence")
    for e in own:
        # the trigger's tokens: those starting before its end and ending after its start
        a = max(0, bisect_left(starts, e.trigger_start) - 1)
        while a < len(toks) and toks[a].end <= e.trigger_start:
            a += 1
        b = a
        while b + 1 < len(toks) and toks[b + 1].start < e.trigger_end:
            b += 1
        if a >= len(toks) or toks[a].start >= e.trigger_end:
            continue
        f.update(_trigger_features(stems, toks, a, b, e))
        f.add("mode:" + (e.mode or "fact"))
        if e.claim is not None:
            f.add("claim")
        if e.dead is not None:
            f.add("dead")
        if e.injured is not None:
            f.add("injured")
        if e.size is not None:
            f.add("size")
    f.add("ntrig:" + str(min(len(own), 3)))
    f.update("o:" + e.type for e in events if e.type != typ)
    for d in ix.span("dates", s0, s1):
        f.add("date:" + d.kind)
    if ix.span("quantities", s0, s1):
        f.add("num")
    for m in ix.span("mentions", s0, s1):
        f.add("m:" + m.type)
        if m.sector:
            f.add("sec:" + m.sector)
    if "?" in doc.text[s0:s1] or "؟" in doc.text[s0:s1]:
        f.add("question")
    return sorted(f)


def _trigger_features(stems: list[str], toks: list, a: int, b: int, e: Event) -> set[str]:
    """The trigger (tokens ``a..b``): its words, verb or noun, its neighbours, its place in the sentence."""
    f = {"t:" + " ".join(stems[a:b + 1]),
         "tv" if toks[a].start == e.trigger_start and a == b and not stems[a].startswith(("ا", "ت")) else "tn"}
    for j in range(max(0, a - CONTEXT), a):
        f.add("l:" + stems[j])
    for j in range(b + 1, min(len(toks), b + 1 + CONTEXT)):
        f.add("r:" + stems[j])
    if a < 3:
        f.add("first")
    return f


@lru_cache(maxsize=1)
def model() -> dict:
    """type -> {"weights": {feature: w}, "bias": b, "threshold": t}; {} when no model is shipped."""
    if not MODEL.exists():
        return {}
    return json.loads(MODEL.read_text(encoding="utf-8"))["types"]


def probability(feats: list[str], m: dict) -> float:
    w = m["weights"]
    z = m["bias"] + sum(w.get(x, 0.0) for x in feats)
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    raw = json.loads(CUES.read_text(encoding="utf-8"))
    return (frozenset(normalize_key(w) for w in raw["outcome_triggers"]),
            frozenset(normalize_key(w) for w in raw["relative"]))


def _trigger_key(doc: Document, e: Event) -> str:
    k = normalize_key(e.trigger)
    return k[2:] if k.startswith("ال") else k


def same_event(doc: Document, events: list[Event]) -> list[Event]:
    """Drops triggers that restate another event of the same type in their sentence: an outcome noun
    (القتلى، الجرحى) next to the act (هجوم … خلف عشرات القتلى والجرحى), and a verb right after a relative
    pronoun that follows a trigger of the same type (الهجوم المسلح الذي استهدف …)."""
    outcome, relative = _lists()
    by_sent: dict[tuple[int, str], list[Event]] = {}
    for e in events:
        by_sent.setdefault((e.sentence_start, e.type), []).append(e)
    out = []
    for e in events:
        same = [x for x in by_sent[(e.sentence_start, e.type)] if x is not e]
        if same and _trigger_key(doc, e) in outcome and any(_trigger_key(doc, x) not in outcome for x in same):
            continue
        before = doc.text[max(e.sentence_start, e.trigger_start - 30):e.trigger_start].split()
        if before and normalize_key(before[-1]) in relative and \
                any(x.trigger_end <= e.trigger_start and x.trigger_end >= e.trigger_start - 30 for x in same):
            continue
        out.append(e)
    return out


MARKED = ("negated", "intended")


def detect(doc: Document, events: list[Event]) -> list[Event]:
    """Drops the events of a modelled type whose sentence the detector does not take as reporting one;
    the others get the probability as their confidence. Kept whatever the score: a negated or intended
    event (its mode says it did not happen — a reader must see the denial or the plan, and the negation
    scope in pipeline/events.py is narrow: a negator governing the trigger, a denial whose claim holds
    it), and a definite noun trigger (الهجوم) after a kept event of its type in the same document (it
    refers back to that event)."""
    models = model()
    if not models or not any(e.type in models for e in events):
        return events
    by_sent: dict[tuple[int, int], list[Event]] = {}
    for e in events:
        by_sent.setdefault((e.sentence_start, e.sentence_end), []).append(e)
    ix = SentenceIndex(doc)
    prob: dict[tuple[int, int, str], float] = {}
    for (s0, s1), evs in by_sent.items():
        for typ in {e.type for e in evs if e.type in models}:
            prob[(s0, s1, typ)] = probability(features(doc, typ, s0, s1, evs, index=ix), models[typ])
    out = []
    first_kept: dict[str, int] = {}
    for e in same_event(doc, events):  # features above saw all the triggers, as in training
        p = prob.get((e.sentence_start, e.sentence_end, e.type))
        if p is not None and e.mode not in MARKED:
            if p >= models[e.type]["threshold"]:
                e.confidence = round(min(0.95, max(e.confidence, p)), 2)
                first_kept.setdefault(e.type, e.trigger_start)
            elif not (normalize_key(e.trigger).startswith("ال") and " " not in e.trigger.strip()
                      and first_kept.get(e.type, len(doc.text)) < e.trigger_start):
                continue
        out.append(e)
    return out


__all__ = ["MARKED", "MODEL", "SentenceIndex", "detect", "features", "model", "probability", "same_event"]
