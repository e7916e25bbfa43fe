"""Linking: every entity mention → a knowledge-base entity (or a provisional ``new:…`` one), places
geocoded, and the document's focus location.

Order of work in a document:
1. **Candidates by name.** The mention's normalised name is looked up among the names and aliases of
   the KB (kb/entities.py). One candidate: linked. Several (طرابلس: Libya or Lebanon; عمان: Oman or
   Amman; الجزائر: the country, its capital or the wilaya): scored by a prior of the candidate's kind
   and size, the share of the document's *other* unambiguous country votes its country has, and a cue
   word before the mention (مدينة، ولاية، بلدية، دولة …; kb/data/link_rules.json).
2. **Short forms within the document.** A one-word person name (حفتر، بلمختار) links to the person
   whose fuller name the document uses (خليفة حفتر), before any KB alias of that word.
3. **Role phrases and epithets.** A phrase that names an office holder without naming them (رئيس
   الجمهورية، الرئيس الجزائري) resolves through the KB's offices over time: the office's country (the
   phrase's own, or the document's main country) and the publication date pick the holder. Without a
   publication date nothing is resolved: unknown stays unknown.
4. **Provisional entities.** Names the KB does not know get ``new:TYPE:key`` ids, the same for the same
   normalised name in every document, so they gather across documents until a user merges, splits or
   aliases them (the store keeps those decisions; ``LinkOverrides`` applies them here on re-runs).
5. **Geocoding.** Place mentions get the entity's coordinates and ACLED geo_precision (1 town/site,
   2 region/district, 3 country); a region without coordinates falls back to its country's, with
   precision 3. The focus is the most named place of the most named country.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from marsad.document import Document, Mention
from marsad.kb.entities import DATA, PRECISION_COUNTRY, KBEntity, KnowledgeBase, family, load as load_kb, romanize
from marsad.text.normalize import normalize_key
from marsad.text.tokens import name_start

LINKED_TYPES = ("PER", "ORG", "GPE", "LOC", "FAC", "NORP")


def _family(mention_type: str) -> str:
    """A mention's entity family; a nationality (NORP) links to a country, so it is a place."""
    return "place" if mention_type == "NORP" else family(mention_type)


@lru_cache(maxsize=1)
def link_rules() -> dict:
    raw = json.loads((DATA / "link_rules.json").read_text(encoding="utf-8"))
    return {k: (frozenset(normalize_key(w) for w in v) if isinstance(v, list) else v)
            for k, v in raw.items() if not k.startswith("_")}


@dataclass
class LinkOverrides:
    """A user's decisions, applied on every run: ``aliases`` name key → entity id (checked before the
    KB), ``redirects`` merged id → surviving id, ``splits`` (entity id, document id) → new id."""
    aliases: dict[tuple[str, ...], str] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    splits: dict[tuple[str, str], str] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # user entity id -> (type, canonical)
    confirmed: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # id -> (name, latin)

    def resolve(self, entity_id: str, doc_id: str) -> str:
        seen = set()
        while entity_id in self.redirects and entity_id not in seen:
            seen.add(entity_id)
            entity_id = self.redirects[entity_id]
        return self.splits.get((entity_id, doc_id), entity_id)


_QUOTES = str.maketrans({c: " " for c in "«»\"'“”„‘’"})
_DIRECTIONS = frozenset(normalize_key(w) for w in ("شمال", "جنوب", "شرق", "غرب", "وسط", "شمالي", "جنوبي", "شرقي",
                                                    "غربي", "أقصى", "جنوب شرق", "شمال غرب"))


def key_of(text: str) -> tuple[str, ...]:
    """The lookup key of a mention: normalised words, quotes dropped (قناة "النهار" → قناة النهار)."""
    return tuple(normalize_key(text.translate(_QUOTES)).split())


def provisional_id(typ: str, key: tuple[str, ...]) -> str:
    return f"new:{typ}:{'_'.join(key)}"


def _prior(e: KBEntity) -> float:
    """How likely a bare name means this candidate before context: countries, curated sites and
    actors first; GeoNames places by population; Algerian wilayas, then communes and daïras."""
    if e.id.startswith("country:"):
        return 1.0
    if e.id.startswith("place:") and e.population:
        return 0.3 + 0.1 * min(7.0, math.log10(e.population + 1))
    if e.id.startswith("dz:"):
        return {"wilaya": 0.8, "commune": 0.6}.get(e.kind or "", 0.5)
    return 0.9


class LinkStage:
    name = "link"

    def __init__(self, kb: KnowledgeBase | None = None, overrides: LinkOverrides | None = None) -> None:
        self.kb = kb or load_kb()
        self.overrides = overrides or LinkOverrides()
        self.rules = link_rules()
        from marsad.kb.gazetteer import load as load_gazetteer

        self.heads = set(load_gazetteer().heads)
        # the stems (article off, as Token.norm has them) of the first words of office phrases and
        # epithets: only tokens with one of these are looked at for a phrase
        firsts = {p[0] for p in self.kb.roles_by_phrase} | {e.phrase[0] for e in self.kb.epithets}
        self.phrase_starts = frozenset({f[2:] if f.startswith("ال") else f for f in firsts} | firsts)

    # ------------------------------------------------------------------ helpers
    def _candidates(self, m: Mention, key: tuple[str, ...]) -> list[KBEntity]:
        fam = _family(m.type)
        out = [e for e in self.kb.candidates(key) if family(e.type) == fam]
        if not out and m.entity_id and self.kb.get(m.entity_id):
            out = [self.kb.entities[m.entity_id]]
        if not out and m.type == "ORG" and len(key) >= 2 and key[:1] in self.heads:
            # a head noun before the name the KB knows: صحيفة "الخبر", جماعة "داعش"
            out = [e for e in self.kb.candidates(key[1:]) if e.type == "ORG"]
        return out

    def _with_country(self, key: tuple[str, ...], country: str | None) -> list[KBEntity]:
        """An organisation named generically (الدرك الوطني، وزارة الخارجية) in a document about one
        country: the KB's organisation of that name with the country's adjective (… الجزائري/ة)."""
        if not country:
            return []
        c = self.kb.get(f"country:{country}")
        out: list[KBEntity] = []
        for stem in (c.nisba if c else ()):
            for form in ("ال" + stem, "ال" + stem + "ه"):
                out += [e for e in self.kb.candidates((*key, normalize_key(form))) if e.type == "ORG"
                        and e.country == country]
        return list({e.id: e for e in out}.values())

    def _cue(self, doc: Document, m: Mention) -> str | None:
        """The kind of place a word right before the mention asks for (city, wilaya, commune, country)."""
        before = doc.text[max(0, m.start - 20):m.start].split()
        if not before:
            return None
        w = normalize_key(before[-1])
        for kind in ("wilaya", "commune", "city", "country"):
            words = self.rules[f"{kind}_cues"]
            if w in words or (w[:1] in "وفبل" and w[1:] in words):
                return kind
        return None

    def _fill(self, m: Mention, e: KBEntity | None, entity_id: str, conf: float, method: str) -> None:
        m.entity_id = entity_id
        m.link_confidence = round(conf, 3)
        m.link_method = method
        if e is None:
            return
        m.canonical = e.name
        m.latin = e.display_latin
        m.country = e.country or m.country
        m.sector = e.sector or m.sector
        if family(e.type) == "place" and m.type != "NORP":
            m.type = e.type
            lat, lon, prec = e.lat, e.lon, e.precision
            if lat is None:  # a region without coordinates: its country's (or countries' mean), country precision
                cs = [c for c in (self.kb.get(f"country:{x}") for x in (e.countries or (e.country,)) if x)
                      if c is not None and c.lat is not None]
                if cs:
                    lat, lon = sum(c.lat for c in cs) / len(cs), sum(c.lon for c in cs) / len(cs)
                    prec = PRECISION_COUNTRY
            if lat is not None:
                m.lat, m.lon, m.geo_precision = lat, lon, prec

    # ------------------------------------------------------------------ stage
    def __call__(self, doc: Document) -> Document:
        ov = self.overrides
        ms = [m for m in doc.mentions if m.type in LINKED_TYPES]
        first_end = doc.sentences[0].end if doc.sentences else 0
        keys = {id(m): key_of(m.text) for m in ms}
        cands = {id(m): self._candidates(m, keys[id(m)]) for m in ms}

        # the document's country votes, from mentions whose candidates agree on one country
        votes: Counter[str] = Counter()
        for m in ms:
            cs = {e.country for e in cands[id(m)] if e.country}
            if len(cs) == 1:
                votes[cs.pop()] += (2 if m.start < first_end else 1) * (1 if _family(m.type) == "place" else 0.5)

        w_ctx, w_cue = self.rules["context_weight"], self.rules["cue_weight"]
        total = sum(votes.values()) or 1.0
        for m in ms:
            key = keys[id(m)]
            if key in ov.aliases:
                eid = ov.aliases[key]
                self._fill(m, self.kb.get(eid), eid, 1.0, "user")
                continue
            cs = cands[id(m)]
            if not cs and m.type == "ORG":
                cs = self._with_country(key, votes.most_common(1)[0][0] if votes else None)
                if len(cs) == 1:
                    self._fill(m, cs[0], cs[0].id, 0.7, "kb-context")
                    continue
            if not cs:
                self._directional(m, key)
                continue
            if len(cs) == 1:
                self._fill(m, cs[0], cs[0].id, 0.95 if len(key) > 1 or m.type != "PER" else 0.8, "kb")
                continue
            own = {e.country for e in cs}
            cue = self._cue(doc, m)
            scored = []
            for e in cs:
                s = _prior(e)
                if e.country and len(own) > 1:  # candidates in one country: context cannot choose, only the kind
                    s += w_ctx * votes.get(e.country, 0) / total
                if cue and (e.kind == cue or (cue == "city" and e.kind in ("city", "wilaya", "commune", "town"))):
                    s += w_cue
                scored.append((s, e))
            scored.sort(key=lambda x: -x[0])
            (s1, best), s2 = scored[0], scored[1][0]
            conf = 0.5 + 0.45 * min(1.0, (s1 - s2) / max(s1, 1e-9) * 2)
            self._fill(m, best, best.id, conf, "kb-context")

        self._coref(doc, ms, keys)
        self._roles(doc, votes)

        # provisional entities for the rest, then the user's merges and splits
        for m in doc.mentions:
            if m.type not in LINKED_TYPES or m.type == "NORP":
                continue
            if m.entity_id is None or (m.entity_id and not self.kb.get(m.entity_id)
                                       and not m.entity_id.startswith("new:") and m.entity_id not in ov.names):
                key = key_of(m.text)
                if not key:
                    continue
                self._fill(m, None, provisional_id(m.type, key), 0.5, "new")
            if m.entity_id and m.entity_id.startswith("new:") and m.canonical is None:
                m.canonical = " ".join(m.text.split())
                m.latin = romanize(m.canonical)
            if m.entity_id:
                new = ov.resolve(m.entity_id, doc.id)
                if new != m.entity_id:
                    e = self.kb.get(new)
                    self._fill(m, e, new, m.link_confidence or 0.5, "user")
                    if e is None and new in ov.names:
                        m.canonical = ov.names[new][1]
                        m.latin = romanize(m.canonical)
            if m.entity_id in ov.confirmed:  # a user confirmed this entity (and maybe named it)
                name, latin = ov.confirmed[m.entity_id]
                m.canonical = name or m.canonical
                m.latin = latin or (romanize(name) if name else m.latin)
                m.link_confidence, m.link_method = 1.0, "user"
        doc.focus = self._focus(doc)
        return doc

    def _directional(self, m: Mention, key: tuple[str, ...]) -> None:
        """"شمال مالي", "جنوب ليبيا": no entity of its own in the KB, but a place inside a known one;
        geocoded to the inner place, at no better than region precision (country if it is one)."""
        if _family(m.type) != "place" or len(key) < 2:
            return
        for n in (2, 1):
            if key[:n] and " ".join(key[:n]) in _DIRECTIONS and len(key) > n:
                inner = [e for e in self.kb.candidates(key[n:]) if family(e.type) == "place" and e.lat is not None]
                if inner:
                    e = max(inner, key=_prior)
                    m.lat, m.lon = e.lat, e.lon
                    m.geo_precision = max(e.precision or PRECISION_COUNTRY, 2)
                    m.country = e.country or m.country
                return

    def _coref(self, doc: Document, ms: list[Mention], keys: dict[int, tuple[str, ...]]) -> None:
        """One-word person names → the person whose fuller name the document uses (the nearest one
        before, else the first after)."""
        def words(k: tuple[str, ...]) -> tuple[str, ...]:
            return tuple("بن" if w == "ابن" else w for w in k)

        full = [m for m in ms if m.type == "PER" and len(keys[id(m)]) >= 2]
        for m in ms:
            k = words(keys[id(m)])
            if m.type != "PER" or not k or (len(k) > 1 and m.link_method == "kb"):
                continue
            match = [f for f in full if len(keys[id(f)]) > len(k) and (words(keys[id(f)])[-len(k):] == k
                                                                     or (len(k) == 1 and keys[id(f)][0] == k[0]))]
            if not match:
                continue
            before = [f for f in match if f.start < m.start]
            f = before[-1] if before else match[0]
            if f.entity_id is None:
                f_key = keys[id(f)]
                self._fill(f, None, provisional_id("PER", f_key), 0.5, "new")
            self._fill(m, self.kb.get(f.entity_id), f.entity_id, 0.85, "coref")
            if m.canonical is None:
                m.canonical = f.canonical or " ".join(f.text.split())
                m.latin = f.latin or romanize(m.canonical)

    def _roles(self, doc: Document, votes: Counter) -> None:
        """Office phrases and epithets not followed by a name → their holder at publication time."""
        kb = self.kb
        phrases = kb.roles_by_phrase
        epithets: dict[tuple[str, ...], list] = {}
        for ep in kb.epithets:
            epithets.setdefault(ep.phrase, []).append(ep)
        if not phrases and not epithets:
            return
        max_len = max((len(p) for p in [*phrases, *epithets]), default=0)
        starts = self.phrase_starts
        toks = [t for t in doc.tokens if t.kind == "word"]
        tkeys: dict[int, str] = {}

        def tkey(i: int) -> str:  # a token's key as written (article kept), computed on demand
            k = tkeys.get(i)
            if k is None:
                k = tkeys[i] = normalize_key(doc.text[toks[i].start:toks[i].end])
            return k
        taken = bytearray(len(doc.text) + 1)
        for m in doc.mentions:
            if m.type == "NORP":  # a nationality inside an office phrase (الرئيس الجزائري) does not block it
                continue
            a = m.start if m.title_start is None else min(m.start, m.title_start)
            taken[a:m.end] = b"\x01" * (m.end - a)
        top_country = votes.most_common(1)[0][0] if votes else None
        added: list[Mention] = []
        i = 0
        while i < len(toks):
            hit = None
            if toks[i].norm in starts:  # only words that can open an office phrase are looked at
                first = normalize_key(doc.text[name_start(toks[i]):toks[i].end])
                for L in range(min(max_len, len(toks) - i), 0, -1):
                    key = (first, *(tkey(j) for j in range(i + 1, i + L)))
                    if key in phrases or key in epithets:
                        hit = (L, key)
                        break
            if hit is None:
                i += 1
                continue
            L, key = hit
            start, end = name_start(toks[i]), toks[i + L - 1].end
            if any(taken[start:end]):
                i += L
                continue
            holder, conf, method = None, 0.0, "role"
            if key in phrases:
                countries = {r.country for r in phrases[key]}
                country = next(iter(countries)) if len(countries) == 1 else top_country
                found = kb.holder(key, country, doc.published)
                if found:
                    holder, conf = found[0].holder, (0.8 if len(found) == 1 else 0.5)
            else:
                eps = [e for e in epithets[key] if e.country in (None, top_country) and e.usable(doc.published)]
                if eps:
                    holder, conf, method = eps[0].entity_id, 0.75, "epithet"
            if holder is not None:
                m = Mention(start, end, doc.text[start:end], "PER", conf, method="role",
                            title=doc.text[start:end], title_start=start, title_end=end)
                self._fill(m, kb.get(holder), holder, conf, method)
                added.append(m)
            i += L
        if added:
            doc.mentions = sorted(doc.mentions + added, key=lambda m: (m.start, m.end))

    def _focus(self, doc: Document) -> dict | None:
        first_end = doc.sentences[0].end if doc.sentences else 0
        weight: Counter[str] = Counter()
        by_country: Counter[str] = Counter()
        info: dict[str, Mention] = {}
        for m in doc.mentions:
            if m.type not in ("GPE", "LOC", "FAC") or m.lat is None or not m.entity_id:
                continue
            w = 2.0 if m.start < first_end else 1.0
            weight[m.entity_id] += w
            info.setdefault(m.entity_id, m)
            if m.country:
                by_country[m.country] += w
        if not weight:
            return None
        top = by_country.most_common(1)[0][0] if by_country else None
        inside = [(w, eid) for eid, w in weight.items() if top is None or info[eid].country == top]
        precise = [(w, eid) for w, eid in inside if (info[eid].geo_precision or 3) < PRECISION_COUNTRY]
        w, eid = max(precise or inside, key=lambda x: (x[0], -(info[x[1]].geo_precision or 3)))
        m = info[eid]
        return {"entity_id": eid, "canonical": m.canonical, "latin": m.latin, "country": m.country, "lat": m.lat,
                "lon": m.lon, "geo_precision": m.geo_precision, "score": w}
