"""Event arguments: who did it (source) and to whom (target), chosen among the sentence's actors.

Kept apart from events.py so that detection (triggers, mode) and attachment (roles) evolve apart.
Word lists live in kb/data/event_roles.json (markers, verbs, stops) and event_lexicon.json (actor and
victim nouns).

- ``sentence_actors``: the sentence's candidate actors — PER/ORG/NORP/GPE mentions (a GPE named as a
  place, في بغداد، إلى ليبيا, is not an actor) and noun phrases headed by an actor noun (مسلحون مجهولون،
  عناصر من الشرطة، متظاهرون فلسطينيون): the head with its construct chain, partitive من and adjectives;
  a nationality mention right after such a noun is part of it (جنود إثيوبيين).
- ``pick_roles``: source and target of one trigger —
  1. the trigger names a participant: المتظاهرون (source), القتلى والجرحى (target);
  2. explicit markers: من قبل / على يد / بنيران X and هجوم شنه / نفذته X name the doer; ضد / على /
     استهدف X the one aimed at (any noun phrase: ضد الحكم، على ثكنة);
  3. a nominal trigger's genitive: the victim of مقتل / اغتيال / اعتقال X, the doer of هجوم / تظاهرة X;
  4. verbs: subject before (SVO, also through الذين / قد) or right after (VSO, a number between is
     allowed: قتل 4 جنود); a harm verb (قتل، أصيب، خطف …) with no object reads as passive, so its lone
     actor is the target (وقتل شخص، شخصا قتل، بوتو قتلت في هجوم);
  5. an ASSAULT without a target takes the sentence's victims (أسفر عن مقتل X، لقي X مصرعه);
  6. conjoined actors come along (ضابط شرطة وجنديا، فلسطينيين ودعاة سلام).
  Further: a support verb's subject is the doer of its attack noun (هي التي ارتكبت المجازر); a verb with no
  subject, or the harm of أسفر عن, takes the subject after the clause opener (إن قوة من الشرطة … واعتدت);
  protesters that are a verb's subject aim at its object (وهاجم المتظاهرون محافظ العاصمة); a protest's
  target may be anywhere in the sentence after a protest marker (ينددون بالحكومة، تطالب بطرد السفيرين)
  and markers joined by و add targets (احتجاجا على X وأيضا ضد Y).
  An actor that reports the event (أعلنت الشرطة مقتل …, بحسب أحد المسؤولين, or a claim's source) is neither.
"""
from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from marsad.document import Document
from marsad.kb.entities import DATA
from marsad.text.normalize import normalize_key
from marsad.text.tokens import name_start

ACTOR_TYPES = ("PER", "ORG", "NORP", "GPE")
Compiled = tuple[frozenset[str], dict[str, tuple[str, ...]]]
# places named as where something happened (في بغداد، إلى ليبيا) are not actors
LOCATIVE = ("في", "ب", "من", "إلى", "الى", "نحو", "قرب", "داخل", "شمال", "جنوب", "شرق", "غرب", "وسط")
NP_MAX = 6  # words in one actor phrase
HARM_TYPES = ("ASSAULT", "COERCE")


def _compile(words: list[str]) -> Compiled:
    """Exact words, and prefixes ("word*") indexed by their first two letters (a word is only compared with
    the prefixes that share its start). Shared with the trigger lexicon (events.py)."""
    exact, prefixes = set(), {}
    for w in words:
        k = normalize_key(w)
        if k.endswith("*"):
            prefixes.setdefault(k[:2], []).append(k[:-1])
        else:
            exact.add(k)
    return frozenset(exact), {a: tuple(sorted(v, key=len, reverse=True)) for a, v in prefixes.items()}


def _hit(word: str, compiled: Compiled) -> bool:
    exact, prefixes = compiled
    return word in exact or any(word.startswith(p) for p in prefixes.get(word[:2], ()))


@lru_cache(maxsize=1)
def roles_lexicon() -> dict:
    """kb/data/event_roles.json, compiled: one-word entries as (exact, prefixes), phrases as word tuples."""
    path = DATA / "event_roles.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise RuntimeError(f"cannot read the event-role word lists {path}: {err}") from err
    out: dict = {}
    for key, words in raw.items():
        if key.startswith("_"):
            continue
        out[key] = _compile([w for w in words if " " not in w])
        out[key + "_phrases"] = tuple(tuple(normalize_key(w).split()) for w in words if " " in w)
    return out


@dataclass(frozen=True)
class _W:
    """One token of the sentence as the role rules see it."""
    start: int  # where a phrase starting on it starts (after و/ب/ل, on the article)
    end: int
    keys: tuple[str, ...]  # the written word, its stem, the stem with the article
    definite: bool
    conj: bool  # begins with و/ف
    kind: str  # word | number | punct | latin
    prep: bool = False  # carries ب/ل/ك: a prepositional phrase (بجروح، للقوات)
    tok_start: int = -1  # where the written token starts (with its clitics)


def _words(doc: Document, s0: int, s1: int) -> list[_W]:
    toks = doc.tokens
    i = bisect_left(toks, s0, key=lambda t: t.start)
    out: list[_W] = []
    rl = roles_lexicon()
    while i < len(toks) and toks[i].start < s1:
        t = toks[i]
        i += 1
        if t.kind != "word":
            out.append(_W(t.start, t.end, (t.text,), False, False, t.kind, tok_start=t.start))
            continue
        raw = normalize_key(t.text)
        stem = t.norm or raw
        pre = [p[2] for p in t.prefixes]
        keys = [raw, stem]
        if "ال" in pre:
            keys.append("ال" + stem)
        left_on = raw[:1] in ("و", "ف") and len(raw) > 4 and not pre  # a conjunction the tokenizer left on
        if left_on:
            keys.append(raw[1:])
        # (not بالحكومة: ب + ال also makes raw[1:] the word with its article)
        conj = bool(pre) and pre[0] in ("و", "ف") or left_on and len(keys) > 2 and keys[-1] == raw[1:] or \
            raw[:1] == "و" and not pre and _hit(raw[1:], roles_lexicon()["undergoer_verbs"])  # قتل وجرح
        start, prep = name_start(t), any(p in ("ب", "ل", "ك") for p in pre)
        if pre in (["ب"], ["ل"]) and out and out[-1].kind == "word" and _is(out[-1], rl["prepositions"]):
            start, prep = t.start, False  # prepositions do not stack: ضد بقاء أولمرت is not ضد ب+قاء
        out.append(_W(start, t.end, tuple(dict.fromkeys(keys)), "ال" in pre, conj, "word", prep, t.start))
    return out


def _is(w: _W, compiled: Compiled) -> bool:
    return w.kind == "word" and any(_hit(k, compiled) for k in w.keys)


def _adjective_like(w: _W) -> bool:
    """A nisba (إسرائيلية، فلسطينيون) or a participle (مجهولون، المتطرف، مفخخة): may qualify a noun."""
    stem = w.keys[1] if len(w.keys) > 1 else w.keys[0]
    if stem.startswith("ال"):
        stem = stem[2:]
    if len(stem) < 4:
        return False
    return stem.endswith(("ي", "يه", "يون", "يين", "يان", "يا", "يات")) or stem.startswith(("م",)) and \
        not stem.startswith(("من", "مع"))


def _construct_head(w: _W) -> bool:
    """Can head a construct chain: a sound plural keeps its ن (مسلحون، مسلحين) and a tanween alif
    (شخصا) only outside one (مسلحو، مسلحي)."""
    k = w.keys[0]
    return not (len(k) > 4 and k.endswith(("ون", "ين")) or len(k) > 3 and k.endswith("ا") and not k.endswith("ءا"))


def _agrees(noun: _W, adj: _W) -> bool:
    """Number agreement, as the written endings show it: a sound plural takes a plural adjective
    (مسلحون مجهولون), a tanween-alif noun an alif adjective (جنديا أميركيا); not مسلحون مدير."""
    n, a = noun.keys[0], adj.keys[0]
    if len(n) > 4 and n.endswith(("ون", "ين")):
        return a.endswith(("ون", "ين"))
    if len(n) > 3 and n.endswith("ا"):
        return a.endswith("ا")
    return not a.endswith(("ون", "ين"))


def _np_end(ws: list[_W], h: int, rl: dict, txt: str, names: dict[int, int] | None = None) -> int:
    """Index of the last word of the noun phrase headed by ``ws[h]``: its construct chain (عناصر الشرطة),
    partitive من after a number or group noun (عدد من شبان العشائر) and adjectives (مسلحون مجهولون)
    agreeing in definiteness; ``names``: start -> end of the names around (a construct may end in one)."""
    k = h
    while k + 1 < len(ws) and k - h < NP_MAX:
        cur, nxt = ws[k], ws[k + 1]
        if names is not None and cur.definite and nxt.kind == "word" and nxt.prep and nxt.definite and \
                nxt.keys[0].startswith("لل") and not txt[cur.end:nxt.tok_start].strip() and not nxt.conj:
            k += 1  # a marker's definite phrase and its owner: الإصلاحات الاقتصادية للحكومة
            break
        if nxt.kind != "word" or nxt.conj or txt[cur.end:nxt.start].strip():
            break
        if _is(nxt, rl["np_stops"]):
            if nxt.keys[0] == "من" and _is(cur, rl["quantity_heads"]) and k + 2 < len(ws) \
                    and ws[k + 2].kind == "word" and not _is(ws[k + 2], rl["np_stops"]):
                k += 2
                continue
            break
        if names and nxt.start in names and (not cur.definite and _construct_head(cur) or
                                             any(_is(ws[x], rl["construct_heads"]) for x in range(h, k + 1))):
            k = max(j for j in range(k + 1, len(ws)) if ws[j].start < names[nxt.start])
            break  # a construct ending in a name: بقاء أولمرت، سفير بولندا; a title and its holder: وزير الخارجية عبد الله
        if _adjective_like(nxt) and cur.definite == nxt.definite and _agrees(cur, nxt):
            k += 1  # الجيش الاميركي، قبائل عربية منفلتة، جنديا أميركيا
        elif not cur.definite and _construct_head(cur) and \
                (nxt.definite or _is(cur, rl["quantity_heads"]) or _is(cur, rl["construct_heads"]) or
                 names is not None and _is(nxt, rl["construct_heads"]) and not nxt.prep):
            # (the last: a noun phrase named by a marker, ترشيح وزير الخارجية، طرد سفير)
            k += 1  # construct: قوات الأمن، أعضاء حزب الغد (not مسلحون مطران: -ون cannot head one)
        else:
            break
    return k


def _place_noun_before(txt: str, s0: int, pos: int, rl: dict) -> bool:
    """A place name right after a place noun is a place (مطار إسلام آباد، مدينة غوري), not an actor."""
    prev = txt[max(s0, pos - 12):pos].split()
    if not prev or not txt[pos - 1:pos].isspace():
        return False
    k = normalize_key(prev[-1])
    if k[:1] in ("و", "ب", "ل", "ف") and len(k) > 3 and not _hit(k, rl["place_nouns"]):
        k = k[1:]
    return _hit(k, rl["place_nouns"]) or _hit(k[2:] if k.startswith("ال") else k, rl["place_nouns"])


def sentence_actors(doc: Document, words: list, forms: list[tuple[str, ...]], idx: list[int], s0: int, s1: int,
                    lx: dict) -> list[dict]:
    """The sentence's actors (its tokens are ``idx``; ``lx``: events.lexicon()), found once for all its
    events. Each: text, start, end, entity_id, country, sector, type (a mention type or NOUN)."""
    rl = roles_lexicon()
    txt = doc.text
    mentions = [m for m in doc.mentions if m.type in ACTOR_TYPES and s0 <= m.start < s1
                and not (m.type == "GPE" and (txt[max(s0, m.start - 6):m.start].split() or [""])[-1] in LOCATIVE)
                and not (m.type == "GPE" and txt[m.start - 1:m.start] in ("ب", "ل"))
                and not (m.type == "GPE" and _place_noun_before(txt, s0, m.start, rl))]
    ws = _words(doc, s0, s1)
    nouns: list[dict] = []
    absorbed: set[int] = set()  # mentions that became part of a noun phrase
    k = 0
    while k < len(ws):
        w = ws[k]
        if w.kind != "word" or any(m.start <= w.start < m.end for m in mentions) or \
                not any(_hit(x, lx["actor_nouns"]) for x in w.keys):
            k += 1
            continue
        e = _np_end(ws, k, rl, txt)
        end = ws[e].end
        # a nationality or organisation named right after the noun belongs to it (جنود إثيوبيين، عناصر القاعدة)
        for mi, m in enumerate(mentions):
            if w.end <= m.start and (m.start < end or not txt[end:m.start].strip()) and m.type in ("NORP", "ORG"):
                if m.start < end or e == k:
                    absorbed.add(mi)
                    end = max(end, m.end)
        inside = [m for mi, m in enumerate(mentions) if mi in absorbed and w.start <= m.start < end]
        ent = next((m for m in inside if m.entity_id), inside[0] if inside else None)
        nouns.append({"text": txt[w.start:end], "start": w.start, "end": end,
                      "entity_id": ent.entity_id if ent else None, "country": ent.country if ent else None,
                      "sector": ent.sector if ent else None, "type": "NOUN"})
        while k < len(ws) and ws[k].start < end:
            k += 1
    acts = [{"text": m.text, "start": m.start, "end": m.end, "entity_id": m.entity_id, "country": m.country,
             "sector": m.sector, "type": m.type} for mi, m in enumerate(mentions)
            if mi not in absorbed and not any(n["start"] <= m.start < n["end"] for n in nouns)]
    acts.extend(nouns)
    acts.sort(key=lambda a: a["start"])
    return acts


def _phrase_at(ws: list[_W], i: int, phrases: tuple[tuple[str, ...], ...]) -> int:
    """Length of the marker phrase starting at ``ws[i]`` (0 when none)."""
    for p in phrases:
        if i + len(p) <= len(ws) and all(ws[i + j].kind == "word" and p[j] in ws[i + j].keys for j in range(len(p))):
            return len(p)
    return 0


def _np_actor(doc: Document, ws: list[_W], i: int, rl: dict, names: dict[int, int] | None = None) -> dict:
    """The noun phrase starting at ``ws[i]`` as an actor without an entity (ضد الحكم، على ثكنة للقوات)."""
    e = _np_end(ws, i, rl, doc.text, names)
    if names and any(ws[e].end == n1 for n1 in names.values()):
        # a name and its title after it: استقالة ثاباتيرو» رئيس الوزراء الإسباني
        k = e + 1
        while k < len(ws) and ws[k].kind == "punct" and ws[k].keys[0] in ('"', "»", ")", "،", ","):
            k += 1
        if k < len(ws) and k - e <= 2 and _is(ws[k], rl["construct_heads"]) and not ws[k].conj and not ws[k].prep:
            e = _np_end(ws, k, rl, doc.text, names)
    return {"text": doc.text[ws[i].start:ws[e].end], "start": ws[i].start, "end": ws[e].end, "entity_id": None,
            "country": None, "sector": None, "type": "NOUN"}


def pick_roles(doc: Document, etype: str, verb: bool, t0: int, t1: int, actors: list[dict], lx: dict,
               s0: int | None = None, s1: int | None = None) -> tuple[list[dict], list[dict]]:
    """(source, target) of the trigger at ``t0:t1`` (type ``etype``; ``verb``: a verb trigger) in the
    sentence ``s0:s1`` among its ``actors`` (sentence_actors)."""
    rl = roles_lexicon()
    txt = doc.text
    if s0 is None or s1 is None:
        s0 = min([t0] + [a["start"] for a in actors])
        s1 = max([t1] + [a["end"] for a in actors])
    ws = _words(doc, s0, s1)
    if not ws:
        return [], []
    starts = [w.start for w in ws]

    def wi(pos: int) -> int:  # index of the word that starts at or covers ``pos``
        j = bisect_left(starts, pos)
        if j < len(ws) and ws[j].start == pos:
            return j
        return max(0, j - 1)

    i0, i1 = wi(t0), wi(max(t0, t1 - 1))
    if verb and txt[max(s0, t0 - 1):t0] in ("ب", "ل") and not txt[max(s0, t0 - 2):t0 - 1].strip():
        verb = False  # قام مسلحون بخطف …: a verbal noun after a preposition
    if verb and i0 > 0 and ws[i0 - 1].kind == "word" and _is(ws[i0 - 1], rl["prepositions"]) and \
            ws[i0 - 1].keys[0] not in ("ب", "ل"):
        verb = False  # نجح الجيش في قتل العشرات: a verb does not follow a preposition
    by_start = {wi(a["start"]): a for a in actors}

    def gap(a: int, b: int) -> list[_W]:  # the words strictly between indices a and b
        return ws[a + 1:b]

    def reporter(a: dict) -> bool:
        j = wi(a["start"])
        if j > 0 and _is(ws[j - 1], rl["reporting_verbs"]) and a["end"] <= t0:
            return True
        if any(_is(ws[x], rl["attribution_markers"]) for x in range(max(0, j - 2), j)):
            return True  # بحسب أحد المسؤولين، وفقا للشرطة
        return any(c.source_start is not None and c.source_start <= a["start"] < c.source_end and c.start <= t0 < c.end
                   for c in doc.claims)

    acts = [a for a in actors if not (t0 <= a["start"] < t1) and not reporter(a)]
    names = {a["start"]: a["end"] for a in actors if a["type"] != "NOUN"}
    act_at = {wi(a["start"]): a for a in acts}
    source: list[dict] = []
    target: list[dict] = []

    def actor_after(j: int, max_gap: int = 2) -> tuple[int, dict] | None:
        """The actor starting within ``max_gap`` number/quantity words after index ``j``."""
        for k in range(j + 1, min(len(ws), j + 2 + max_gap)):
            if k in act_at:
                return k, act_at[k]
            w = ws[k]
            if not (w.kind == "number" or _is(w, rl["quantity_heads"]) or _is(w, rl["skip_words"])
                    or w.keys[0] == "من"):
                return None
        return None

    def agent(a: dict) -> bool:  # an armed or organised actor (مسلحون، القوات، a named organisation)
        return a["type"] in ("ORG", "NORP") or _is(ws[wi(a["start"])], rl["agent_nouns"])

    def object_after(e: int) -> dict | None:
        """The object right after index ``e`` (the verb or its subject): an actor, or a noun phrase
        that is not a preposition, adverb or clause."""
        k = e + 1
        while k < len(ws) and ws[k].kind == "word" and _is(ws[k], rl["skip_words"]) and not \
                _is(ws[k], rl["quantity_heads"]):
            k += 1
        if k >= len(ws) or ws[k].kind not in ("word", "number") or ws[k].conj or ws[k].prep:
            return None
        if k in act_at:
            return act_at[k]
        if ws[k].kind == "word" and (_is(ws[k], rl["np_stops"]) or _is(ws[k], rl["reporting_verbs"])):
            return None
        h = k
        while h < len(ws) and (ws[h].kind == "number" or _is(ws[h], rl["quantity_heads"]) or ws[h].keys[0] == "من"):
            h += 1
        if h >= len(ws) or ws[h].kind != "word" or _is(ws[h], rl["np_stops"]):
            return None
        return act_at.get(h) or _np_actor(doc, ws, h, rl, names)

    def introduced(k: int) -> dict | None:
        """What the marker at ``k`` introduces: a governing word (تطالب، مناوئين، تنديدا) may take it
        through ب/ل/على (تطالب بـ«استقالة …»، مضادة لمحافظ), a preposition (ضد) takes it directly."""
        return _introduced(k)[0]

    def direct_object(k: int) -> bool:
        """The marker at ``k`` is a verb or noun whose object follows with no preposition (تطالب السلطة)."""
        return not _is(ws[k], rl["prepositions"]) and k + 1 < len(ws) and ws[k + 1].kind == "word" and \
            not ws[k + 1].prep and ws[k + 1].keys[0] not in ("ب", "ل", "على", "ضد", "عن")

    def _introduced(k: int) -> tuple[dict | None, int]:
        j = k + 1
        if j < len(ws) and ws[j].kind == "word" and not _is(ws[k], rl["prepositions"]) and \
                ws[j].keys[0] in ("ب", "ل", "على", "ضد", "عن"):
            j += 1  # بـ written apart
        while j < len(ws) and ws[j].kind == "punct" and ws[j].keys[0] in ('"', "«", "(", "'"):
            j += 1
        if j >= len(ws) or ws[j].kind != "word" or ws[j].conj or _is(ws[j], rl["np_stops"]) or \
                _is(ws[j], rl["not_targets"]) or ws[j].prep and _is(ws[k], rl["prepositions"]):
            return None, j
        if j in act_at:
            return act_at[j], j
        return _np_actor(doc, ws, j, rl, names), j

    # 1. the trigger names its participant
    head = ws[i0]
    own: list[dict] = []
    if _is(head, rl["patient_triggers"]):
        e = i1
        while e + 1 < len(ws) and ws[e + 1].conj and _is(ws[e + 1], rl["patient_triggers"]):
            e += 1  # القتلى والجرحى
        target = [{"text": txt[t0:ws[e].end], "start": t0, "end": ws[e].end, "entity_id": None, "country": None,
                   "sector": None, "type": "NOUN"}]
    else:
        own = [a for a in actors if a["type"] == "NOUN" and wi(a["start"]) == i0]
        if own:
            source = [own[0]]  # المتظاهرون، متظاهرون فلسطينيون
    marked = False  # the doer was named by a marker (من قبل، على يد): a verb is then passive
    # 2. explicit markers after the trigger (up to 12 tokens, within the sentence); an actor a marker
    # introduces beats a plain noun phrase an earlier one does (مطالبين بوضوح برحيل السلطات العسكرية)
    np_target, np_rank, np_k = None, -1, -1
    t_marker = -1  # the marker that named the target
    for k in range(i1 + 1, min(len(ws), i1 + 13)):
        if ws[k].kind == "punct" and ws[k].keys[0] in (".", ":", "؛", "!", "؟"):
            break
        n = _phrase_at(ws, k, rl["agent_markers_phrases"]) or (1 if _is(ws[k], rl["agent_markers"]) else 0)
        if not n and k - i1 <= 3 and _is(ws[k], rl["agent_relatives"]):
            n = 1  # هجوم شنه مسلحون
        if n and not source:
            got = actor_after(k + n - 1, 1)
            if got:
                source = [got[1]]
                marked = True
                continue
        if not target and ws[k].kind == "word" and (_is(ws[k], rl["target_markers"]) or ws[k].keys[0] == "مع") \
                and not _phrase_at(ws, k, rl["agent_markers_phrases"]):
            nxt = ws[k + 1] if k + 1 < len(ws) else None
            if nxt is None or nxt.kind == "word" and _is(nxt, rl["not_targets"]):
                continue
            got = actor_after(k, 1)
            got_np = introduced(k) if ws[k].keys[0] != "مع" else None  # ضد الحكم، تطالب بطرد السفيرين
            if not got and got_np in acts:
                got = (k, got_np)  # تطالب بـ«استقالة ثاباتيرو»
            if got and got[1] not in source and (not verb or k - i1 <= 3):
                target, t_marker = [got[1]], k
            elif got_np and got_np not in source and k - i1 <= (3 if verb else 8):
                # a verb's own object comes first (قتلوا خمسة مسلحين … على مصنع)
                if direct_object(k):
                    target, t_marker = [got_np], k  # تطالب السلطة بوقف …
                elif (rank := int(etype == "PROTEST" and _is(ws[k], rl["protest_target_markers"]))) > np_rank:
                    np_target, np_rank, np_k = got_np, rank, k  # (تطالب بـ«استقالة …» over على هتافات)
    if not target and np_target:
        target, t_marker = [np_target], np_k
    # 3a. an attack noun taken by a support verb (ارتكبت المجازر، شنت القوات هجوما، نفذ تفجيرا): the
    # verb's subject is the doer, between them (VSO) or before the verb (هي التي ارتكبت، الذين نفذوا)
    supported = not verb and i0 > 0 and ws[i0 - 1].kind == "word" and _is(ws[i0 - 1], rl["support_verbs"])
    if not verb and not source and i0 > 1:
        j = i0 - 1
        between = next((a for a in acts if a["end"] <= t0 and wi(a["end"] - 1) == j), None)
        if between and j > 0:
            s_at = wi(between["start"]) - 1
            if s_at >= 0 and ws[s_at].kind == "word" and _is(ws[s_at], rl["support_verbs"]):
                source = [between]  # شنت القوات الأمريكية هجوما
        if supported and not source:
            j -= 1
            while j >= 0 and (ws[j].keys[0] in ("التي", "الذي", "الذين", "هي", "هو", "هم", "قد", "،", ",", '"', "»")):
                j -= 1
            # (its last word may be an adjective the phrase did not take: «قبائل عربية منفلتة»)
            before_v = next((a for a in acts if a["end"] <= t0 and wi(a["end"] - 1) in (j, j - 1)), None)
            if before_v and before_v not in target:
                source = [before_v]  # قبائل عربية منفلتة، هي التي ارتكبت المجازر
    # 3. a nominal trigger's genitive
    if not verb and not (source and target):
        patient = _is(head, rl["patient_nominals"]) or _phrase_at(ws, i0, rl["patient_nominals_phrases"])
        got = actor_after(i1, 4 if patient else 1)
        if patient and not target:
            # مقتل ثلاثة من عناصر قوات الصحوة، اغتيال جاسم الذهبي، بخطف نائب رئيس البلدية
            o = got[1] if got else object_after(i1)
            if o and o not in source:
                target = [o]
        elif got and not patient and not source and got[1] not in target:
            source = [got[1]]  # هجمات المسلحين، تظاهرة الطلاب
    # 4. subject and object of a verb
    if verb:
        before = None
        j = i0 - 1
        while j >= 0 and ws[j].keys[0] in ("قد", "وقد", "الذين", "الذي", "التي", "لقد", "،", ","):
            j -= 1  # المتظاهرين الذين تظاهروا، بوتو، قد قتلت
        for a in acts:  # the actor that ends right before the trigger (SVO; المتظاهرين الذين تظاهروا)
            if j >= 0 and a["end"] <= t0 and wi(a["end"] - 1) == j:
                before = a
        got = actor_after(i1, 4)
        if got and ws[got[0]].prep:
            got = None  # ينددون بالحكومة: a prepositional phrase is neither subject nor object
        after = got[1] if got else None
        obj = None
        if got:
            obj = object_after(wi(after["end"] - 1))
        harm = _is(head, rl["undergoer_verbs"])
        counted = bool(got) and got[0] > i1 + 1  # قتل ثلاثة مسلحين: a count, so victims
        plural = head.keys[0].endswith("وا")  # قتلوا، خطفوا: the subject is the suffix or came before
        if harm and etype in HARM_TYPES:
            direct = object_after(i1) if not after else after
            if before and marked:  # اختطفا … على يد مسلحين: passive, the one before suffered it
                target = target or [before]
            elif before and direct:
                source = source or [before]
                target = target or [direct]  # الجيش قتل 3 إرهابيين، مسلحين اغتالوا العميد …
            elif before:  # no object: passive, unless the one before is an armed actor
                if agent(before):
                    source = source or [before]  # المسلحين خطفوا ما مجموعه 14 شخصا
                else:
                    target = target or [before]  # شخصا قتل في …، بوتو قتلت في هجوم
            elif after and plural:
                target = target or [after]  # قتلوا خمسة مسلحين
            elif after and (obj or agent(after) and not counted):
                source = source or [after]  # خطف مسلحون مطران الكلدان، خطفت الجبهة الشعبية ثلاث طائرات
                if obj:
                    target = target or [obj]
            elif after:
                target = target or [after]  # وقتل 4 جنود في هجوم
            elif direct and not marked:
                target = target or [direct]  # أصيب سفير بولندا (no actor noun: passive reading)
        else:
            subj = before or after
            if subj and not source and subj not in target:
                source = [subj]
            if not target:
                cand = obj if subj is after else (after or object_after(i1))  # مسلحين هاجموا مسجدا سنيا
                if cand and cand not in source:
                    target = [cand]
    # 4b. the trigger names the doers and is the subject of the verb before it (وهاجم المتظاهرون محافظ
    # العاصمة، وسلم المتظاهرون السفير …): the verb's object, when it is an actor or a titled person
    if own and source == own[:1] and not target:
        p = wi(own[0]["start"]) - 1
        while p >= 0 and (ws[p].kind == "number" or _is(ws[p], rl["quantity_heads"]) or ws[p].keys[0] == "من"):
            p -= 1  # أعاق الآلاف من المتظاهرين
        w = ws[p] if p >= 0 else None
        if w is not None and w.kind == "word" and not w.definite and not w.prep and \
                not _is(w, rl["np_stops"]) and not _is(w, rl["prepositions"]) and not any(_hit(x, lx["actor_nouns"]) for x in w.keys) \
                and (p == 0 or w.conj or ws[p - 1].kind == "punct"):
            o = object_after(wi(own[0]["end"] - 1))
            if o and (o in acts or _is(ws[wi(o["start"])], rl["construct_heads"])):
                target = [o]
    # 5a. what a protest is against, said anywhere in the sentence (… احتشدوا امام المحكمة ينددون بالحكومة):
    # the nearest protest marker, either side of the trigger
    if not target and etype == "PROTEST":
        cands = []
        for k, w in enumerate(ws):
            n = _phrase_at(ws, k, rl["protest_target_markers_phrases"]) or \
                (1 if w.kind == "word" and _is(w, rl["protest_target_markers"]) else 0)
            if n and not (i0 <= k <= i1):
                got_np = introduced(k + n - 1)  # احتجاجا على X: X follows the على
                if got_np and got_np not in source and not (got_np["start"] <= t0 < got_np["end"]):
                    cands.append((abs(k - i0), got_np, k + n - 1))
        if cands:
            best = min(cands, key=lambda c: c[0])
            target, t_marker = [best[1]], best[2]
    # 5b. markers joined to the one that named the target name targets too (احتجاجا على مقتل صبي … وأيضا
    # ضد الإصلاحات، لمطالبة الأمين العام بالتدخل ومطالبة الحكومة الصينية بوقف القمع)
    if target and t_marker >= 0 and not (_is(ws[t_marker], rl["prepositions"]) and not (
            t_marker > 0 and _phrase_at(ws, t_marker - 1, rl["protest_target_markers_phrases"]))):
        # (not after a bare على: علقوا على المعبد لافتة … وأيضا ضد …)
        for k in range(t_marker + 1, len(ws)):
            w = ws[k]
            if w.kind == "punct" and w.keys[0] in (".", ":", "؛", "!", "؟"):
                break
            if w.kind != "word" or w.keys[0] == "مع" or target[-1]["end"] > w.start or \
                    not (w.conj or k > 0 and ws[k - 1].conj and _is(ws[k - 1], rl["also_words"])):
                continue
            if _is(w, rl["target_markers"]) or etype == "PROTEST" and _is(w, rl["protest_target_markers"]):
                got_np = introduced(k)
                if got_np and got_np not in source and got_np not in target:
                    target.append(got_np)
    # 5. the victims of an attack told in the sentence (أسفر عن مقتل X، لقي X مصرعه)
    if not target and etype in HARM_TYPES:
        victims = []
        for k, w in enumerate(ws):
            if _is(w, rl["result_nouns"]) and not (i0 <= k <= i1):
                got = actor_after(k)
                if got and got[1] not in source:
                    victims.append((abs(k - i0), got[1]))
        if victims:
            target = [min(victims, key=lambda v: v[0])[1]]
    if not target and etype in HARM_TYPES:
        # the counted noun of a number right after the trigger: قتل 3 أشخاص
        for q in doc.quantities:
            if t1 <= q.start <= t1 + 3 and q.unit:
                u0 = q.end - len(q.unit)
                target = [{"text": q.unit, "start": u0, "end": q.end, "entity_id": None, "country": None,
                           "sector": None, "type": "NOUN"}]
                break
    def clause_subject() -> dict | None:
        """The subject of the trigger's clause: the actor right after the nearest clause opener before it
        (إن قوة من الشرطة قامت بمداهمة الجامع … واعتدت على المصلين، وكانت مجموعة من الطلاب قد اقتحمت
        عيادة … وخطفت تسعة أشخاص، بأن رجلا … أراد تنفيذ عملية انتحارية)."""
        for k in range(i0 - 1, -1, -1):
            w = ws[k]
            if w.kind == "punct" and w.keys[0] in (".", ":", "؛", "!", "؟"):
                return None
            if w.kind == "word" and _is(w, rl["clause_openers"]):
                got = actor_after(k, 4)
                return got[1] if got and got[1]["end"] <= t0 and got[1] not in target else None
        return None

    # the harm an attack caused (أسفرت عن مقتل): its doer is the clause's subject, not the nearest actor
    # (إن القوات الأجنبية أمرت بضربات جوية على مركز الشرطة أسفرت عن مقتل …)
    resulting = not verb and i0 > 0 and (_is(ws[i0 - 1], rl["result_verbs"]) or i0 > 1 and ws[i0 - 1].keys[0] in
                                         ("عن", "إلى", "الى") and _is(ws[i0 - 2], rl["result_verbs"]))
    if not source and resulting and etype in HARM_TYPES:
        subj = clause_subject()
        source = [subj] if subj else []
    # fallback doer: the nearest actor before, within the clause (8 words, no full stop between)
    if not source:
        prior = [a for a in acts if a["end"] <= t0 and a not in target and i0 - wi(a["end"] - 1) <= 8
                 and (verb or etype not in HARM_TYPES or agent(a))  # not the victim before الهجوم
                 and not any(w.kind == "punct" and w.keys[0] in (".", ":", "؛") for w in gap(wi(a["end"] - 1), i0))]
        if prior:
            source = [prior[-1]]
    # a verb with no subject of its own, or an attack noun a support verb takes: the clause's subject
    if not source and (verb or supported):
        subj = clause_subject()
        source = [subj] if subj else []
    return _conjoined(source, actors, txt), _conjoined([a for a in target if a not in source], actors, txt)


def _conjoined(chosen: list[dict], actors: list[dict], txt: str) -> list[dict]:
    """The chosen actor with the actors joined to it by و (ضابط شرطة وجنديا، فلسطينيين ودعاة سلام)."""
    out = list(chosen)
    while out:
        last = out[-1]
        nxt = next((a for a in actors if a["start"] >= last["end"] and a not in out), None)
        if nxt is None:
            break
        between = txt[last["end"]:nxt["start"]].split()
        if not between or not between[0].startswith("و") or len(between) > 3 or \
                (len(between) > 1 and between[-1] != "من") or len(between) == 1 and between[0] != "و" and \
                not txt[nxt["start"] - 1:nxt["start"]] == "و":
            break
        out.append(nxt)
    return out


__all__ = ["ACTOR_TYPES", "pick_roles", "roles_lexicon", "sentence_actors"]
