"""PLOVER events: a trigger word or phrase (kb/data/event_lexicon.json), its source and target actors,
location, date, magnitude, mode (negated / intended) and the claim it rests on.

Sentence by sentence:
- **Triggers** are matched on each word with its conjunction/preposition clitics removed (with and
  without the article), longest phrase first; `*` entries match any ending (هاجم* → هاجموا، هاجمته).
- **Mode**: a negator right before the trigger, or before up to three bridge words (لم يقتل، لم يتم تنفيذ
  هجوم، نفى وقوع هجوم), or a denying claim holding it → "negated"; an intention word up to 4 words
  before in the same clause (يعتزم، من المقرر، يسعى، سوف …) → "intended". Such events are kept by the
  detector whatever its score (shown as denied/planned, not dropped). A trigger of a governing type (رفض، طالب، هدد …)
  swallows a trigger up to 6 words after it: "رفض المشاركة في عملية عسكرية" is REJECT, not FIGHT.
- **Typing**: an ASSAULT by a state force on an armed group is FIGHT (PLOVER; الجيش قتل 3 إرهابيين).
- **Actors** (pipeline/event_roles.py): the entity mentions of the sentence and noun phrases headed by
  actor nouns (مسلحون مجهولون، عناصر الشرطة); source and target from word order (VSO/SVO, a harm verb
  without object read as passive), markers (من قبل، على يد، شنه / ضد، على) and the sentence's victims.
- **Where/when**: the first place in the sentence, else the document's focus; the first date in the
  sentence, else the publication date (marked as such). Magnitude from the sentence's quantities whose
  counted noun or neighbouring words say killed / wounded / how many took part.
- **Claim**: the index of the attributed statement whose content span holds the trigger.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from marsad.document import Document, Event
from marsad.kb.entities import DATA
from marsad.pipeline import event_roles
from marsad.pipeline.event_roles import _compile, _hit  # one word-list matcher for triggers and roles
from marsad.text.normalize import normalize_key
from marsad.text.tokens import name_start

ACTOR_TYPES = ("PER", "ORG", "NORP", "GPE")
_CLAUSE_END = frozenset(",،;؛:.!?؟()«»\"")


@dataclass(frozen=True)
class _Entry:
    type: str
    words: tuple[str, ...]
    prefix: bool  # last word matches any ending
    verb: bool


@lru_cache(maxsize=1)
def lexicon() -> dict:
    raw = json.loads((DATA / "event_lexicon.json").read_text(encoding="utf-8"))
    entries: dict[str, list[_Entry]] = {}  # first word (or prefix) -> entries
    prefix_entries: list[_Entry] = []
    for typ, kinds in raw["types"].items():
        for kind, words in kinds.items():
            for w in words:
                k = normalize_key(w)
                prefix = k.endswith("*")
                parts = tuple(k.rstrip("*").split())
                e = _Entry(typ, parts, prefix, kind == "v")
                if prefix and len(parts) == 1:
                    prefix_entries.append(e)
                else:
                    entries.setdefault(parts[0], []).append(e)
    prefix_entries.sort(key=lambda e: -len(e.words[0]))
    by_start: dict[str, list[_Entry]] = {}
    for e in prefix_entries:
        by_start.setdefault(e.words[0][:2], []).append(e)
    out = {"entries": entries, "prefix_entries": by_start,
           "negators": frozenset(normalize_key(w) for w in raw["negators"]),
           "intent": frozenset(normalize_key(w) for w in raw["intent"]),
           "bridges": frozenset(normalize_key(w) for w in raw.get("negation_bridges", ())),
           "embedding": frozenset(raw["embedding"]),
           "denials": frozenset(normalize_key(w) for w in raw.get("denials", ()))}
    for name in ("actor_nouns", "dead_units", "dead_words", "injured_words", "size_units", "victim_nouns"):
        out[name] = _compile(raw[name])
    for name in ("state_forces", "armed_groups"):
        out[name] = _compile(raw.get("fight_retype", {}).get(name, []))
    return out


_key = lru_cache(maxsize=65536)(normalize_key)  # words repeat: normalise each distinct one once


@lru_cache(maxsize=65536)
def _word_forms(text: str, norm: str | None, whole: str = "") -> tuple[str, ...]:
    """The forms a word token is matched under: from where a name would start (normalised), its stem
    without clitics (``norm``), without a conjunction the tokenizer left on, and each without the
    article; then the whole word as written when the tokenizer took a root letter for a clitic (فتحت →
    تحت) and without a fused لل (للاحتجاج → احتجاج)."""
    k = normalize_key(text)
    stem = norm or k
    forms = [k]
    if stem != k:
        forms.append(stem)
    if k[:1] in ("و", "ف") and len(k) > 4:  # a conjunction the tokenizer left on (وهاجم، فقتل)
        forms.append(k[1:])
    w = normalize_key(whole) if whole else k
    if w != k and w != "و" + k:  # و is always the conjunction; ف may be a root letter (فتح)
        forms.append(w)
    for f in (k, w):
        if f.startswith("لل") and len(f) > 5:
            forms.append(f[2:])
    for f in list(forms):
        if f.startswith("ال"):
            forms.append(f[2:])
    return tuple(dict.fromkeys(forms))


class EventStage:
    name = "events"

    def __init__(self, detect: bool = True) -> None:
        """``detect``: pass the lexicon's ASSAULT and PROTEST events through the sentence-level detector
        (models/events/detector.py), which drops those whose sentence only uses the words (الهجوم على
        الحريات، المتظاهرين in passing); off gives the raw lexicon events (to train the detector)."""
        self.lx = lexicon()
        self.detect = detect
        self._prefix_cache: dict[str, _Entry | None] = {}

    # ------------------------------------------------------------------ triggers
    def _forms(self, doc: Document, tok) -> tuple[str, ...]:
        return _word_forms(doc.text[name_start(tok):tok.end], tok.norm, doc.text[tok.start:tok.end])

    def _match(self, forms: list[tuple[str, ...]], raw: list[str], i: int) -> tuple[_Entry, int] | None:
        lx = self.lx
        best = None
        for f in forms[i]:
            for e in lx["entries"].get(f, ()):
                n = len(e.words)
                if i + n > len(forms):
                    continue
                ok = all(raw[i + j] == e.words[j] or e.words[j] in forms[i + j] or
                         (e.prefix and j == n - 1 and any(x.startswith(e.words[j]) for x in forms[i + j]))
                         for j in range(1, n))
                if ok and (best is None or n > best[1]):
                    best = (e, n)
        if best is None:
            for f in forms[i]:
                e = self._prefix(f)
                if e is not None:
                    return (e, 1)
        return best

    def _prefix(self, f: str) -> _Entry | None:
        """The longest one-word prefix entry (هاجم*) that ``f`` starts with; memoised per word form,
        since news vocabulary repeats (the scan over the entries sharing its first letters is the cost)."""
        cache = self._prefix_cache
        if f in cache:
            return cache[f]
        if len(cache) > 200_000:  # a long-running process: keep memory bounded
            cache.clear()
        hit = next((e for e in self.lx["prefix_entries"].get(f[:2], ()) if f.startswith(e.words[0])), None)
        cache[f] = hit
        return hit

    # ------------------------------------------------------------------ stage
    def __call__(self, doc: Document) -> Document:
        lx = self.lx
        words = [t for t in doc.tokens if t.kind in ("word", "number")]
        txt = doc.text
        raw = [_key(txt[t.start:t.end]) for t in words]
        # _forms inlined: one call per token is a measurable share of this stage on long articles
        forms = [_word_forms(txt[name_start(t):t.end], t.norm, txt[t.start:t.end]) if t.kind == "word"
                 else (t.text,) for t in words]
        sents = [(s.start, s.end) for s in doc.sentences] or [(0, len(doc.text))]
        events: list[Event] = []
        wi = 0
        for s0, s1 in sents:
            idx = []
            while wi < len(words) and words[wi].start < s1:
                if words[wi].start >= s0:
                    idx.append(wi)
                wi += 1
            if not idx:
                continue
            found: list[tuple[int, int, _Entry]] = []  # (first token, n tokens, entry)
            k = 0
            while k < len(idx):
                m = self._match(forms, raw, idx[k])
                if m is None:
                    k += 1
                    continue
                e, n = m
                found.append((idx[k], n, e))
                k += n
            swallowed: set[int] = set()
            for a, (i, n, e) in enumerate(found):
                if e.type in lx["embedding"]:
                    for j2, n2, e2 in found[a + 1:]:
                        if j2 - (i + n) <= 6 and e2.type != e.type:
                            swallowed.add(j2)
            acts = self._actors(doc, words, forms, idx, s0, s1) if found else []
            for i, n, e in found:
                if i in swallowed:
                    continue
                events.append(self._event(doc, words, forms, i, n, e, s0, s1, acts))
        doc.events = self._detect(doc, events) if self.detect else events
        return doc

    def _detect(self, doc: Document, events: list[Event]) -> list[Event]:
        """Keeps an event of a modelled type (ASSAULT, PROTEST) only when the detector takes its sentence
        as reporting one; the probability raises the event's confidence (models/events/detector.py)."""
        from marsad.models.events.detector import detect

        return detect(doc, events)

    # ------------------------------------------------------------------ one event
    def _actors(self, doc: Document, words, forms, idx: list[int], s0: int, s1: int) -> list[dict]:
        """The sentence's actors (its tokens are ``idx``), found once for all its events (event_roles)."""
        return event_roles.sentence_actors(doc, words, forms, idx, s0, s1, self.lx)

    def _mode(self, doc_text: str, words, forms, i: int, s0: int) -> str | None:
        """"negated" when a negator governs the trigger at ``i``: right before it, or before at most three
        bridge words (لم يقتل، لم يتم تنفيذ هجوم، نفى وقوع هجوم) — a negator further away negates another
        verb ("لا يزال المسلحون يهاجمون" is no denial); "intended" when an intention word is up to 4
        words before in the same clause (يعتزم، من المقرر أن …)."""
        lx = self.lx
        j, bridged = i - 1, 0
        while j >= 0 and words[j].start >= s0 and bridged < 3 and any(x in lx["bridges"] for x in forms[j]):
            j, bridged = j - 1, bridged + 1
        if j >= 0 and words[j].start >= s0 and any(x in lx["negators"] or (x[:1] in ("و", "ف") and x[1:] in lx["negators"])
                                                   for x in forms[j]):  # ولم، فلن: the short word keeps its و
            return "negated"
        for j in range(i - 1, max(-1, i - 5), -1):
            if words[j].start < s0 or any(c in _CLAUSE_END for c in doc_text[words[j].end:words[j + 1].start]):
                break  # an intention word governs its own clause only
            if any(x in lx["intent"] for x in forms[j]):
                return "intended"
        return None

    def _retype(self, typ: str, source: list[dict], target: list[dict]) -> str:
        """PLOVER: a state's forces fighting an armed group is FIGHT, not ASSAULT ("الجيش قتل 3 إرهابيين");
        the word lists are event_lexicon.json's fight_retype."""
        if typ != "ASSAULT" or not source or not target:
            return typ
        lx = self.lx

        def head(a: dict) -> str:
            w = normalize_key(a["text"].split()[0]) if a["text"].split() else ""
            return w[1:] if w[:1] in ("و", "ف") and len(w) > 4 else w

        if any(_hit(head(a), lx["state_forces"]) for a in source) and \
                any(_hit(head(a), lx["armed_groups"]) for a in target):
            return "FIGHT"
        return typ

    def _event(self, doc: Document, words, forms, i: int, n: int, e: _Entry, s0: int, s1: int,
               actors: list[dict]) -> Event:
        lx = self.lx
        t0, t1 = name_start(words[i]), words[i + n - 1].end
        if t0 > words[i].start and not _key(doc.text[t0:words[i].end]).startswith(e.words[0]) and \
                _key(doc.text[words[i].start:words[i].end]).startswith(e.words[0]):
            t0 = words[i].start  # matched as written: the "clitic" was a root letter (فتحت النار)
        mode = self._mode(doc.text, words, forms, i, s0)
        source, target = event_roles.pick_roles(doc, e.type, e.verb, t0, t1, actors, lx, s0, s1)  # who to whom
        typ = self._retype(e.type, source, target)
        txt = doc.text
        location = None
        for m in doc.mentions:
            if m.type in ("GPE", "LOC", "FAC") and s0 <= m.start < s1:
                location = {"text": m.text, "start": m.start, "end": m.end, "entity_id": m.entity_id,
                            "country": m.country, "lat": m.lat, "lon": m.lon, "geo_precision": m.geo_precision,
                            "from": "sentence"}
                break
        if location is None and doc.focus:
            location = {**doc.focus, "from": "document"}
        date = None
        for d in doc.dates:
            if s0 <= d.start < s1:
                date = {"text": d.text, "start": d.start, "end": d.end, "value": d.value, "from": "sentence"}
                break
        if date is None and doc.published:
            date = {"value": doc.published.isoformat(), "from": "published"}
        dead = injured = size = None
        for q in doc.quantities:
            if not (s0 <= q.start < s1):
                continue
            num = q.value if q.value is not None else q.low
            if num is None:
                continue
            ctx = [normalize_key(w) for w in txt[max(s0, q.start - 25):min(s1, q.end + 25)].split()]
            unit = normalize_key(q.unit or "")
            if any(_hit(w, lx["injured_words"]) for w in ctx) and not any(_hit(w, lx["dead_words"]) for w in ctx[:3]):
                injured = injured if injured is not None else num
            elif any(_hit(w, lx["dead_words"]) for w in ctx):
                if not unit or _hit(unit, lx["dead_units"]) or _hit(unit, lx["dead_words"]):
                    dead = dead if dead is not None else num
            elif e.type in ("PROTEST", "MOBILIZE") and unit and _hit(unit, lx["size_units"]):
                size = size if size is not None else num
        claim = None
        for ci, c in enumerate(doc.claims):
            if c.start <= t0 < c.end:
                claim = ci
                cue = normalize_key(c.cue)
                if cue in lx["denials"] or (cue[:1] in "وف" and cue[1:] in lx["denials"]):
                    mode = "negated"  # reported only as denied
                break
        conf = 0.7 if (source or target) else 0.55
        if mode:
            conf -= 0.1
        return Event(type=typ, trigger=txt[t0:t1], trigger_start=t0, trigger_end=t1, sentence_start=s0,
                     sentence_end=s1, mode=mode, source=[_clean(a) for a in source],
                     target=[_clean(a) for a in target], location=location, date=date, dead=dead,
                     injured=injured, size=size, claim=claim, confidence=round(conf, 2))


def _clean(a: dict) -> dict:
    return {k: a[k] for k in ("text", "start", "end", "entity_id", "country", "sector")}


__all__ = ["EventStage", "lexicon"]
