"""Dates stage: finds time expressions and normalises them to ISO 8601 (TIMEX3-style values).

All lexical knowledge (month names in MSA/Maghrebi/Levantine forms, hijri months, weekdays,
seasons, relative words, number words, units, modifiers) lives in ``kb/data/time_lexicon.json``;
this module only holds the grammar. Patterns are compiled once and run over the *normalised*
text (``normalize_with_map``); offsets are mapped back into ``doc.text``.

Span conventions (applied consistently):
* A one-letter proclitic glued to the first word (و ف ب ل ك, e.g. وفي / بعام / لشهر / والسبت)
  is NOT part of the span: ``بعام 2015`` gives the span ``عام 2015``.
* A plain preposition before an absolute or deictic date (في، منذ، حتى، إلى) is not part of the span:
  ``منذ يوم 20 أوت 2011`` gives ``يوم 20 أوت 2011``; ``في عام 2015`` gives ``عام 2015``.
* A preposition that carries the temporal meaning of a count is part of it: ``قبل يومين``,
  ``منذ عدة أسابيع``, ``في غضون شهرين``, ``خلال شهرين``.
* Modifier words (أوائل، منتصف، نهاية، أواخر، حوالي، قبل/بعد before an absolute date) and day parts
  (صباح، مساء، الساعات الأولى من) join the span and set ``mod`` / a time-of-day value.

Resolution: relative expressions are resolved against ``published``; with ``published=None`` they
are reported with value None, anchor None, kind "relative" (never guessed). Vague references
(مؤخرا، قبل أيام، في الأيام الأخيرة، الآن) always have value None; vague durations (منذ عدة أسابيع)
get an X value (``PXW``). A hijri year or month without a day has no single Gregorian value: it is
given as an ISO 8601 interval of its first and last Gregorian days (``1436 هـ`` →
``2014-10-25/2015-10-13``, ``رمضان 1436`` → ``2015-06-18/2015-07-16``). A bare year after a cue
(في 2015) is only taken when the next word cannot be a counted noun (``_year_follow_ok``). Bare counts of hours/days without a cue (بـ10 ساعات) are not reported.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Iterator

from marsad.document import Document, TimeExpression
from marsad.text.normalize import normalize_key, normalize_with_map

_DATA = "time_lexicon.json"
_UNIT_GRAN = {"D": "day", "W": "week", "M": "month", "Y": "year", "H": "day", "MIN": "day",
              "DE": "decade", "CE": "century", "P": "day"}
_EVENT_REL = re.compile(r"\s*(?:من|علي)(?!\w)")
_NEXT_WORD = re.compile(r"[^\S\n]*(\w*)")
_ARABIC_WORD = re.compile(r"[\u0621-\u064a]+")
_UNIT_ISO = {"D": "D", "W": "W", "M": "M", "Y": "Y", "H": "H", "MIN": "M", "DE": "DE", "CE": "CE"}


def _load() -> dict:
    with resources.files("marsad.kb").joinpath("data", _DATA).open(encoding="utf-8") as fh:
        return json.load(fh)


def _alt(words) -> str:
    """Regex alternation of normalised words, longest first; spaces match any whitespace."""
    keys = sorted({normalize_key(w) for w in words if w}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in keys) + ")"


def _index(mapping: dict) -> dict[str, str]:
    return {normalize_key(w): k for k, ws in mapping.items() for w in ws}


def _key(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


# ---------------------------------------------------------------- calendar helpers

def _add_months(d: dt.date, n: int) -> tuple[int, int]:
    m = d.year * 12 + (d.month - 1) + n
    return m // 12, m % 12 + 1


def _iso_week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _valid(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
        return True
    except ValueError:
        return False


def _nearest_year(pub: dt.date, month: int, day: int | None = None) -> int:
    """Year that puts month(/day) closest to the publication date."""
    best, best_gap = pub.year, None
    for y in (pub.year - 1, pub.year, pub.year + 1):
        dd = day if day and _valid(y, month, day) else 1
        if not _valid(y, month, dd):
            continue
        gap = abs((dt.date(y, month, dd) - pub).days)
        if best_gap is None or gap < best_gap:
            best, best_gap = y, gap
    return best


@dataclass
class _Hit:
    start: int  # offsets into the normalised text
    end: int
    value: str | None
    granularity: str
    kind: str
    calendar: str = "gregorian"
    mod: str | None = None
    confidence: float = 0.9
    relative: bool = False  # anchored on the publication date


class DateFinder:
    """Compiled grammar over the lexicon. Build once, call ``find`` per text."""

    def __init__(self, lex: dict | None = None) -> None:
        lex = lex or _load()
        self.month_of = _index(lex["months"])
        self.month_ambig = {normalize_key(w) for w in lex["months_ambiguous"]}
        self.hijri_of = _index(lex["hijri_months"])
        self.wd_of = _index(lex["weekdays"])
        self.season_of = _index(lex["seasons"])
        self.season_months = lex["season_months"]
        self.rel_of = _index(lex["relative_modifiers"])
        self.unit_of: dict[str, str] = {}
        self.unit_form: dict[str, str] = {}
        for u, forms in lex["units"].items():
            for form, ws in forms.items():
                for w in ws:
                    self.unit_of[normalize_key(w)] = u
                    self.unit_form[normalize_key(w)] = form
        self.relunit_of = _index(lex["relative_units"])
        self.deictic_of = _index(lex["deictic_days"])
        self.vague_plural_of = _index(lex["vague_unit_plurals"])
        self.vague_adj_of = _index(lex["vague_unit_adjectives"])
        self.num_of = _index(lex["numbers"])
        self.qual_of = _index(lex["count_qualifiers"])
        self.prep_of = _index(lex["relative_preps"])
        self.mod_of = _index(lex["mods"])
        self.daypart_of = _index(lex["day_parts"])
        self.decade_of = _index(lex["decades"])
        self.century_of = _index(lex["centuries"])
        self.century_rel_of = _index(lex["century_relative"])
        # words that may follow a bare year after a cue (في 2015، قال ...); see _year_follow_ok
        self.year_next_ok = {normalize_key(w) for k in ("year_function_words", "year_calendar_words", "year_verbs")
                             for w in lex[k]}
        self.year_next_ok |= {normalize_key(w).split()[0] for ws in lex["months"].values() for w in ws}

        MON = _alt(lex["months"][k][i] for k in lex["months"] for i in range(len(lex["months"][k])))
        HMON = _alt(w for ws in lex["hijri_months"].values() for w in ws)
        WD = _alt(w for ws in lex["weekdays"].values() for w in ws)
        SEAS = _alt(w for ws in lex["seasons"].values() for w in ws)
        REL = _alt(w for ws in lex["relative_modifiers"].values() for w in ws)
        DEM = _alt(lex["demonstratives_current"])
        RUNIT = _alt(w for ws in lex["relative_units"].values() for w in ws)
        DEIC = _alt(w for ws in lex["deictic_days"].values() for w in ws)
        TBLOCK = _alt(lex["today_blockers"])
        VAGUE = _alt(lex["vague_words"])
        VPL = _alt(w for ws in lex["vague_unit_plurals"].values() for w in ws)
        VADJ = _alt(w for ws in lex["vague_unit_adjectives"].values() for w in ws)
        U_SG = _alt(w for f in lex["units"].values() for w in f["sg"])
        U_PL = _alt(w for f in lex["units"].values() for w in f["pl"])
        U_DU = _alt(w for f in lex["units"].values() for w in f["dual"])
        U_ANY = _alt(w for f in lex["units"].values() for ws in f.values() for w in ws)
        NUMW = _alt(w for ws in lex["numbers"].values() for w in ws)
        VQB = _alt(lex["vague_quantifiers_before"])
        VQA = _alt(lex["vague_quantifiers_after"])
        QUAL = _alt(w for ws in lex["count_qualifiers"].values() for w in ws)
        PREP = _alt(w for ws in lex["relative_preps"].values() for w in ws)
        HSUF = _alt(lex["hijri_suffix"])
        GSUF = _alt(lex["gregorian_suffix"])
        YCUE = _alt(lex["year_cues"])
        YNOUN = _alt(lex["year_nouns"])
        CNOUN = _alt(lex["count_nouns"])
        DEC = _alt(w for ws in lex["decades"].values() for w in ws)
        DSUF = _alt(lex["decade_suffixes"])
        CENT = _alt(w for ws in lex["centuries"].values() for w in ws)
        CREL = _alt(w for ws in lex["century_relative"].values() for w in ws)
        MODS = _alt(w for ws in lex["mods"].values() for w in ws)
        DPART = _alt(w for ws in lex["day_parts"].values() for w in ws)

        L = r"(?<!\w)(?:[وف]?[بلك]|[وف])??"  # optional proclitic(s); kept out of the span
        R = r"(?!\w)"
        YEAR = r"(?<!\d)(?<!\d[.,/])(?:1[89]\d\d|20\d\d)(?![\d.,/]\d)(?!\d)"
        HYEAR = r"(?<!\d)(?<!\d[.,/])1[34]\d\d(?!\d)"
        GS = rf"(?:\s*{GSUF}{R})?"
        YR = rf"(?:\s*[,.]?\s*(?:من\s+)?(?:{YNOUN}\s+)?(?P<y>{YEAR}){GS})"
        NUM = rf"(?:\d{{1,3}}|{NUMW})"

        self.patterns: list[tuple[re.Pattern, Callable[[re.Match], Iterator[_Hit]]]] = []
        # Prefilter: each pattern carries "needs", groups of literals (normalised); the pattern only
        # runs when, for every group, one of its literals occurs in the text. A literal must be a
        # substring of every possible match, so skipping never loses a hit. A compiled regex may
        # stand for a group (searched once per text, result cached per regex).
        self.needs: list[tuple] = []

        def words(*alts) -> tuple[str, ...]:
            """For each lexicon entry, its longest word: a substring of any match of that entry."""
            out = set()
            for ws in alts:
                for w in ws:
                    k = normalize_key(w)
                    if k:
                        out.add(max(k.split(), key=len))
            return tuple(sorted(out))

        def add(pat: str, fn, *needs) -> None:
            self.patterns.append((re.compile(pat), fn))
            self.needs.append(needs)

        all_of = lambda mapping: [w for ws in mapping.values() for w in ws]  # noqa: E731
        K_MON = words(all_of(lex["months"]))
        K_HMON = words(all_of(lex["hijri_months"]))
        K_WD = words(all_of(lex["weekdays"]))
        K_SEAS = words(all_of(lex["seasons"]))
        K_YNOUN = words(lex["year_nouns"])
        K_RUNIT = words(all_of(lex["relative_units"]))
        K_DEIC = words(all_of(lex["deictic_days"]))
        K_PREP = words(all_of(lex["relative_preps"]))
        K_UNIT = words([w for f in lex["units"].values() for ws in f.values() for w in ws])
        K_VPL = words(all_of(lex["vague_unit_plurals"]))
        K_VADJ = words(all_of(lex["vague_unit_adjectives"]))
        K_VAGUE = words(lex["vague_words"])
        K_DEC = words(all_of(lex["decades"]))
        R_NUMDATE = re.compile(r"\d[/.\-][01]?\d[/.\-]\d")
        R_YEAR = re.compile(r"(?:1[89]|20)\d\d")
        R_HYEAR = re.compile(r"1[34]\d\d")
        R_DIGIT = re.compile(r"\d")

        # 29/08/2011, 29-08-2011, 29.08.2011 (day first), 2011-08-29, 2011/08/29
        add(rf"(?<![\d/.\-])(?P<core>(?P<d>[0-3]?\d)[/.\-](?P<m>[01]?\d)[/.\-](?P<y>(?:19|20)\d\d))(?![\d/\-]|\.\d)", self._numeric, R_NUMDATE)
        add(rf"(?<![\d/.\-])(?P<core>(?P<y>(?:19|20)\d\d)[/\-](?P<m>[01]?\d)[/\-](?P<d>[0-3]?\d))(?![\d/\-]|\.\d)", self._numeric, R_NUMDATE)
        # (يوم) (الأحد) (الموافق) 29 (من) (شهر) أوت (من عام) 2011 (م)
        add(rf"{L}(?P<core>(?:يوم\s+)?(?:(?P<wd>{WD})\s*,?\s*)?(?:الموافق\s+(?:ل\s*)?)?(?P<d>[0-3]?\d)\s*(?:من\s+)?(?:شهر\s+)?(?P<m>{MON}){R}(?:{YR}|\s+(?P<rel>{REL}){R})?)", self._dmy, K_MON, R_DIGIT)
        # (شهر) ماي (من عام) 2012
        add(rf"{L}(?P<core>(?:شهر\s+)?(?P<m>{MON}){R}{YR})", self._my, K_MON, R_YEAR)
        # (شهر) ماي الماضي / هذا الشهر
        add(rf"{L}(?P<core>(?:شهر\s+)?(?P<m>{MON})\s+(?P<rel>{REL}){R})", self._mrel, K_MON)
        # شهر ماي ; في سبتمبر (unambiguous names only)
        add(rf"{L}(?P<core>شهر\s+(?P<m>{MON})){R}", self._mbare, K_MON, ("شهر",))
        add(rf"{L}(?:في|منذ|حتي|خلال|الي)\s+(?P<core>(?P<m>{MON})){R}(?!\s*\d)", self._mbare_cue, K_MON)
        # hijri: (26) (من) (شهر) شوال (عام) 1436 (هـ)
        add(rf"{L}(?P<core>(?:(?P<d>[0-3]?\d)\s+(?:من\s+)?)?(?:شهر\s+)?(?P<hm>{HMON}){R}\s*,?\s*(?:(?:من\s+)?(?:{YNOUN})\s+)?(?P<y>{HYEAR})(?:\s*{HSUF}{R})?)", self._hijri, K_HMON, R_HYEAR)
        add(rf"{L}(?P<core>(?:(?:{YNOUN})\s+)?(?P<y>{HYEAR})\s*{HSUF}{R})", self._hijri_year, R_HYEAR)
        # years: عام 2015 / العام 2015 / 2015م / في 2015
        add(rf"{L}(?P<core>{YNOUN}\s+(?P<y>{YEAR}){GS})", self._year, K_YNOUN, R_YEAR)
        add(rf"(?P<core>(?P<y>{YEAR})\s*{GSUF}){R}", self._year, R_YEAR)
        add(rf"{L}(?:{YCUE})\s+(?P<core>(?P<y>{YEAR})(?P<y2>\s*(?:-|و|الي|حتي)\s*{YEAR})?)(?!\s*(?:[%٪]|{CNOUN}{R}))", self._year_cue, R_YEAR)
        # seasons: صيف (عام) 2012 ; الصيف الماضي ; هذا الصيف
        add(rf"{L}(?P<core>(?:فصل\s+)?(?P<s>{SEAS})\s*(?:(?:من\s+)?{YNOUN}\s+)?(?P<y>{YEAR}))", self._season, K_SEAS, R_YEAR)
        add(rf"{L}(?P<core>(?:(?P<dem>{DEM})\s+)?(?:فصل\s+)?(?P<s>{SEAS})(?:\s+(?P<rel>{REL}))?){R}", self._season_rel, K_SEAS)
        # decades / centuries
        add(rf"{L}(?P<core>(?:ال)?(?P<dec>{DEC})(?:ي)?{DSUF}(?:\s+(?:من\s+)?القرن\s+(?P<c>{CENT}|{CREL}|\d{{2}}))?){R}", self._decade, K_DEC)
        add(rf"{L}(?P<core>القرن\s+(?:ال)?(?P<c>{CENT}|{CREL}|\d{{2}})){R}", self._century, ("القرن",))
        # deictic days: (يوم) أمس (الخميس), اليوم الجمعة, أول أمس, غدا
        add(rf"{L}(?P<core>(?:يوم\s+)?(?P<deic>{DEIC})(?:\s*,?\s*(?P<wd>{WD}))?){R}(?!\s+{TBLOCK}{R})", self._deictic, K_DEIC)
        # weekdays: السبت الماضي ; يوم الخميس ; في الأحد
        add(rf"{L}(?P<core>(?:يوم\s+)?(?P<wd>{WD})\s+(?P<rel>{REL})){R}", self._weekday_rel, K_WD)
        add(rf"{L}(?P<core>يوم\s+(?P<wd>{WD})){R}", self._weekday_bare, K_WD, ("يوم",))
        # الأسبوع الماضي ; هذا العام ; العام الجاري
        add(rf"{L}(?P<core>(?:(?P<dem>{DEM})\s+)?(?P<u>{RUNIT})(?:\s+(?P<rel>{REL}))?){R}", self._unit_rel, K_RUNIT)
        # قبل يومين / منذ ثلاثة أيام / بعد أسبوع / في غضون شهرين / قبل أيام / منذ عدة أسابيع / قبل أسابيع عديدة
        add(rf"{L}(?P<core>(?P<prep>{PREP})\s+(?:ال)?(?:(?P<qual>{QUAL})\s+)?"
            rf"(?:(?P<n>{NUM})\s+(?P<nu>{U_ANY})|(?P<du>{U_DU})|(?P<vq>{VQB})\s+(?P<vqu>{U_PL})"
            rf"|(?P<vu>{U_PL})(?:\s+(?P<va>{VQA}))?|(?P<su>{U_SG})){R})"
            rf"(?!\s*(?:\d|{MON}{R}|{HMON}{R}|{WD}{R}|ال(?!ي{R})\w))", self._count, K_PREP, K_UNIT)
        # الأيام الأخيرة, الفترة الأخيرة, الأسابيع الماضية ; مؤخرا, الآن
        add(rf"{L}(?P<core>(?P<vp>{VPL})\s+(?P<vadj>{VADJ})){R}", self._vague_period, K_VPL, K_VADJ)
        add(rf"{L}(?P<core>{VAGUE}){R}", self._vague_word, K_VAGUE)

        self.mod_re = re.compile(rf"(?:^|(?<!\w))(?:[وف]?[بلك]|[وف])??(?P<mod>{MODS})\s+(?:من\s+)?$")
        self.dpart_re = re.compile(rf"(?:^|(?<!\w))(?:[وف]?[بلك]|[وف])??(?P<dp>{DPART})\s+(?:من\s+)?(?:يوم\s+)?$")

    # ------------------------------------------------------------ handlers (match → hits)
    # Each returns _Hit with offsets of group "core" (normalised text); the caller resolves.

    def _span(self, m: re.Match, **kw) -> _Hit:
        return _Hit(m.start("core"), m.end("core"), **kw)

    def _numeric(self, m, pub):
        y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
        if _valid(y, mo, d):
            yield self._span(m, value=f"{y:04d}-{mo:02d}-{d:02d}", granularity="day", kind="absolute", confidence=0.9)

    def _dmy(self, m, pub):
        mo = int(self.month_of[_key(m["m"])])
        d = int(m["d"])
        if not 1 <= d <= 31:
            return
        if m["y"]:
            y = int(m["y"])
            if _valid(y, mo, d):
                yield self._span(m, value=f"{y:04d}-{mo:02d}-{d:02d}", granularity="day", kind="absolute", confidence=0.95)
            return
        # day + month without a year: year from the publication date
        if pub is None:
            yield self._span(m, value=None, granularity="day", kind="relative", confidence=0.8, relative=True)
            return
        if m["rel"]:
            step = int(self.rel_of[_key(m["rel"])])
            if step < 0 and (mo, d) > (pub.month, pub.day):
                y = pub.year - 1
            elif step > 0 and (mo, d) < (pub.month, pub.day):
                y = pub.year + 1
            else:
                y = pub.year
        else:
            y = _nearest_year(pub, mo, d)
        if _valid(y, mo, d):
            yield self._span(m, value=f"{y:04d}-{mo:02d}-{d:02d}", granularity="day", kind="relative", confidence=0.8, relative=True)

    def _my(self, m, pub):
        mo = int(self.month_of[_key(m["m"])])
        yield self._span(m, value=f"{int(m['y']):04d}-{mo:02d}", granularity="month", kind="absolute", confidence=0.95)

    def _month_rel_value(self, pub, mo, step):
        if step < 0:
            y = pub.year if mo < pub.month else pub.year - 1
        elif step > 0:
            y = pub.year if mo > pub.month else pub.year + 1
        else:
            y = pub.year
        return f"{y:04d}-{mo:02d}"

    def _mrel(self, m, pub):
        mo = int(self.month_of[_key(m["m"])])
        step = int(self.rel_of[_key(m["rel"])])
        val = self._month_rel_value(pub, mo, step) if pub else None
        yield self._span(m, value=val, granularity="month", kind="relative", confidence=0.85, relative=True)

    def _mbare(self, m, pub):
        mo = int(self.month_of[_key(m["m"])])
        val = f"{_nearest_year(pub, mo):04d}-{mo:02d}" if pub else None
        yield self._span(m, value=val, granularity="month", kind="relative", confidence=0.7, relative=True)

    def _mbare_cue(self, m, pub):
        if _key(m["m"]) in self.month_ambig:
            return
        yield from self._mbare(m, pub)

    def _hijri(self, m, pub):
        from hijridate import Hijri

        hm = int(self.hijri_of[_key(m["hm"])])
        y = int(m["y"])
        d = int(m["d"]) if m["d"] else None
        try:
            if d:
                val = Hijri(y, hm, d).to_gregorian().isoformat()
            else:  # a hijri month straddles two Gregorian months: the interval first/last day
                first = Hijri(y, hm, 1)
                val = f"{first.to_gregorian().isoformat()}/{Hijri(y, hm, first.month_length()).to_gregorian().isoformat()}"
        except (ValueError, OverflowError):
            return
        yield self._span(m, value=val, granularity="day" if d else "month", kind="absolute",
                         calendar="hijri", confidence=0.9)

    def _hijri_year(self, m, pub):
        from hijridate import Hijri

        y = int(m["y"])
        try:  # 1 Muharram to the last day of Dhu al-Hijja: 1436 هـ = 2014-10-25/2015-10-13
            first = Hijri(y, 1, 1).to_gregorian()
            last = Hijri(y, 12, Hijri(y, 12, 1).month_length()).to_gregorian()
        except (ValueError, OverflowError):
            return
        yield self._span(m, value=f"{first.isoformat()}/{last.isoformat()}", granularity="year", kind="absolute",
                         calendar="hijri", confidence=0.85)

    def _year(self, m, pub):
        yield self._span(m, value=m["y"], granularity="year", kind="absolute", confidence=0.95)

    def _year_follow_ok(self, text: str, pos: int) -> bool:
        """Is the word after a bare year (at ``pos``) compatible with a year rather than a count?

        في 2015، / في 2015 قال / منذ 2011 والبلاد / في 2015 بالجزائر: yes;
        إلى 1950 لاجئا / في 2000 موقع / في 1999 نقطة تفتيش (an indefinite noun): no.
        """
        w = _NEXT_WORD.match(text, pos).group(1)
        if not w:  # end of text, end of line, punctuation
            return True
        return self._year_word_ok(w)

    def _year_word_ok(self, w: str, depth: int = 0) -> bool:
        if not _ARABIC_WORD.fullmatch(w):
            return False  # digits (في 2015 12 قتيلا) or Latin: not taken
        if w in self.year_next_ok or w.startswith(("ال", "لل")):
            return True
        if w in ("و", "ف"):
            return True
        if w[0] in "بلك" and w[1:].startswith("ال"):  # بالجزائر، كالعادة
            return True
        if depth == 1 and w[0] in "بك" and len(w) > 2:  # وبصفة عامة، وكذلك
            return True
        if w[0] in "وف" and depth == 0 and len(w) > 1:  # وقال، والبلاد، وبالتالي، وفي (not وحدة)
            return self._year_word_ok(w[1:], 1)
        return False

    def _year_cue(self, m, pub):
        if not self._year_follow_ok(m.string, m.end()):
            return
        y = m["y"]
        if m["y2"]:
            y2 = re.search(r"\d{4}", m["y2"])
            s2 = m.start("y2") + y2.start()
            if int(y2.group()) > int(y):  # a range 2011-2015 / 2011 و2015: two years
                yield _Hit(m.start("y"), m.end("y"), y, "year", "absolute", confidence=0.85)
                yield _Hit(s2, s2 + 4, y2.group(), "year", "absolute", confidence=0.85)
            return
        yield self._span(m, value=y, granularity="year", kind="absolute", confidence=0.8)

    def _season(self, m, pub):
        s = self.season_of[_key(m["s"])]
        yield self._span(m, value=f"{m['y']}-{s}", granularity="season", kind="absolute", confidence=0.9)

    def _season_rel(self, m, pub):
        if not (m["dem"] or m["rel"]):
            return
        s = self.season_of[_key(m["s"])]
        step = 0 if m["dem"] else int(self.rel_of[_key(m["rel"])])
        val = None
        if pub:
            first, last = self.season_months[s]
            y = pub.year
            if step < 0:
                ended = pub.month > last if first <= last else (pub.month > last and pub.month < first)
                y = pub.year if ended else pub.year - 1
                if s == "WI":  # winter is named by the year of its December
                    y = pub.year - 1 if pub.month > last else pub.year - 2
            elif step > 0:
                y = pub.year if pub.month < first else pub.year + 1
            elif s == "WI" and pub.month <= last:
                y = pub.year - 1
            val = f"{y:04d}-{s}"
        yield self._span(m, value=val, granularity="season", kind="relative", confidence=0.8, relative=True)

    def _decade(self, m, pub):
        dec = self.decade_of[_key(m["dec"])]
        cent = "19"
        if m["c"]:
            c = _key(m["c"])
            if c in self.century_of:
                cent = self.century_of[c]
            elif c.isdigit():
                cent = str(int(c) - 1)
            elif c in self.century_rel_of:
                if pub is None:
                    yield self._span(m, value=None, granularity="decade", kind="relative", confidence=0.7, relative=True)
                    return
                cent = str(pub.year // 100 + int(self.century_rel_of[c]))
        yield self._span(m, value=f"{cent}{dec}", granularity="decade", kind="absolute", confidence=0.85)

    def _century(self, m, pub):
        c = _key(m["c"])
        if c in self.century_of:
            yield self._span(m, value=self.century_of[c], granularity="century", kind="absolute", confidence=0.9)
        elif c.isdigit():
            yield self._span(m, value=f"{int(c) - 1:02d}", granularity="century", kind="absolute", confidence=0.9)
        else:
            val = f"{pub.year // 100 + int(self.century_rel_of[c]):02d}" if pub else None
            yield self._span(m, value=val, granularity="century", kind="relative", confidence=0.85, relative=True)

    def _deictic(self, m, pub):
        off = int(self.deictic_of[_key(m["deic"])])
        val = (pub + dt.timedelta(days=off)).isoformat() if pub else None
        yield self._span(m, value=val, granularity="day", kind="relative", confidence=0.9, relative=True)

    def _weekday_rel(self, m, pub):
        wd = int(self.wd_of[_key(m["wd"])])
        step = int(self.rel_of[_key(m["rel"])])
        val = None
        if pub:
            if step < 0:  # most recent such weekday strictly before publication
                delta = (pub.weekday() - wd) % 7 or 7
                val = (pub - dt.timedelta(days=delta)).isoformat()
            elif step > 0:  # next such weekday strictly after publication
                delta = (wd - pub.weekday()) % 7 or 7
                val = (pub + dt.timedelta(days=delta)).isoformat()
            else:
                val = (pub + dt.timedelta(days=(wd - pub.weekday()) % 7)).isoformat()
        yield self._span(m, value=val, granularity="day", kind="relative", confidence=0.9, relative=True)

    def _weekday_bare(self, m, pub):
        # "يوم الخميس" in news reports the most recent such day (publication day included)
        wd = int(self.wd_of[_key(m["wd"])])
        val = (pub - dt.timedelta(days=(pub.weekday() - wd) % 7)).isoformat() if pub else None
        yield self._span(m, value=val, granularity="day", kind="relative", confidence=0.7, relative=True)

    def _unit_rel(self, m, pub):
        if not (m["dem"] or m["rel"]):
            return
        u = self.relunit_of[_key(m["u"])]
        step = 0 if m["dem"] else int(self.rel_of[_key(m["rel"])])
        yield self._span(m, value=self._shift(pub, u, step), granularity=_UNIT_GRAN[u], kind="relative",
                         confidence=0.9, relative=True)

    def _shift(self, pub, u, n) -> str | None:
        if pub is None:
            return None
        if u == "D":
            return (pub + dt.timedelta(days=n)).isoformat()
        if u == "W":
            return _iso_week(pub + dt.timedelta(weeks=n))
        if u == "M":
            y, mo = _add_months(pub, n)
            return f"{y:04d}-{mo:02d}"
        if u == "Y":
            return f"{pub.year + n:04d}"
        if u in ("H", "MIN"):
            return pub.isoformat()
        if u == "DE":
            return f"{(pub.year + 10 * n) // 10:03d}"
        if u == "CE":
            return f"{(pub.year + 100 * n) // 100:02d}"
        return None

    def _count(self, m, pub):
        prep = self.prep_of[_key(m["prep"])]
        if prep != "duration" and _EVENT_REL.match(m.string, m.end()):
            return  # قبل يومين من الهجوم: relative to an event, not to publication
        mod = self.qual_of.get(_key(m["qual"])) if m["qual"] else None
        n: int | None = None
        if m["nu"]:
            u = self.unit_of[_key(m["nu"])]
            t = _key(m["n"])
            n = int(t) if t.isdigit() else int(self.num_of[t])
            if n == 0:
                return
        elif m["du"]:
            u, n = self.unit_of[_key(m["du"])], 2
        elif m["su"]:
            u, n = self.unit_of[_key(m["su"])], 1
        else:
            u = self.unit_of[_key(m["vqu"] or m["vu"])]
        if prep == "duration" or (prep == "since" and n is None):
            iso = _UNIT_ISO[u]
            num = "X" if n is None else str(n)
            val = f"PT{num}{iso}" if u in ("H", "MIN") else f"P{num}{iso}"
            yield self._span(m, value=val, granularity="duration", kind="duration", mod=mod,
                             confidence=0.85 if n else 0.6)
            return
        if n is None:  # قبل أيام, قبل أسابيع عديدة: vague, never guessed
            yield self._span(m, value=None, granularity=_UNIT_GRAN[u], kind="relative", mod="APPROX",
                             confidence=0.6, relative=True)
            return
        sign = 1 if prep == "after" else -1
        yield self._span(m, value=self._shift(pub, u, sign * n), granularity=_UNIT_GRAN[u], kind="relative",
                         mod=mod, confidence=0.85 if prep != "after" else 0.6, relative=True)

    def _vague_period(self, m, pub):
        u = self.vague_plural_of[_key(m["vp"])]
        yield self._span(m, value=None, granularity=_UNIT_GRAN[u], kind="relative", confidence=0.6, relative=True)

    def _vague_word(self, m, pub):
        yield self._span(m, value=None, granularity="day", kind="relative", confidence=0.5, relative=True)

    # ------------------------------------------------------------ driver

    def find(self, text: str, published: dt.date | None) -> list[TimeExpression]:
        norm, index = normalize_with_map(text)
        if not norm:
            return []
        hits: list[_Hit] = []
        seen: dict = {}  # prefilter results per literal group / regex, for this text

        def present(group) -> bool:
            r = seen.get(id(group))
            if r is None:
                r = seen[id(group)] = (group.search(norm) is not None if isinstance(group, re.Pattern)
                                       else any(k in norm for k in group))
            return r

        for (rx, fn), needs in zip(self.patterns, self.needs):
            if not all(present(g) for g in needs):
                continue
            for m in rx.finditer(norm):
                hits.extend(fn(m, published))
        # keep the longest, then earliest, non-overlapping hits
        hits.sort(key=lambda h: (-(h.end - h.start), h.start))
        taken: list[_Hit] = []
        used = bytearray(len(norm) + 1)
        for h in hits:
            if h.end <= h.start or any(used[h.start:h.end]):
                continue
            used[h.start:h.end] = b"\x01" * (h.end - h.start)
            taken.append(h)
        taken.sort(key=lambda h: h.start)
        out: list[TimeExpression] = []
        prev_end = 0
        for h in taken:
            self._extend(norm, h, prev_end, published)
            prev_end = h.end
            # the end takes in dropped marks after the last letter (tanwin in حالياً, tatweel in هـ)
            s, e = index[h.start], (index[h.end] if h.end < len(index) else len(text))
            while e > s and text[e - 1].isspace():
                e -= 1
            rel = h.relative
            out.append(TimeExpression(
                start=s, end=e, text=text[s:e], value=h.value, granularity=h.granularity,
                kind=h.kind, anchor=published.isoformat() if (rel and published) else None,
                calendar=h.calendar, mod=h.mod, confidence=h.confidence,
            ))
        return out

    def _extend(self, norm: str, h: _Hit, floor: int, pub) -> None:
        """Attach a day part (صباح، الساعات الأولى من) and a modifier (نهاية، أوائل، قبل) before h."""
        lo = max(floor, h.start - 40)
        if h.granularity == "day" and h.kind != "duration":
            m = self.dpart_re.search(norm, lo, h.start)
            if m and m.end() == h.start:
                code = self.daypart_of[_key(m["dp"])]
                h.start = m.start("dp")
                if code in ("START", "END"):
                    h.mod = code
                elif h.value:
                    h.value = f"{h.value}T{code}"
                    h.granularity = "time"
        if h.kind == "duration" or h.mod:
            return
        lo = max(floor, h.start - 40)
        m = self.mod_re.search(norm, lo, h.start)
        if m and m.end() == h.start:
            mod = self.mod_of[_key(m["mod"])]
            if mod in ("BEFORE", "AFTER") and h.kind != "absolute":
                return
            h.start = m.start("mod")
            h.mod = mod


_FINDER: DateFinder | None = None


def _finder() -> DateFinder:
    global _FINDER
    if _FINDER is None:
        _FINDER = DateFinder()
    return _FINDER


def find_dates(text: str, published: dt.date | None = None) -> list[TimeExpression]:
    """Time expressions in ``text`` (offsets into it), relative ones resolved on ``published``."""
    return _finder().find(text, published)


class DateStage:
    name = "dates"

    def __init__(self) -> None:
        self.finder = _finder()

    def __call__(self, doc: Document) -> Document:
        pub = doc.published
        if isinstance(pub, dt.datetime):
            pub = pub.date()
        doc.dates.extend(self.finder.find(doc.text, pub))
        return doc
