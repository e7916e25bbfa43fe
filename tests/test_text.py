"""Text layer: matching normalisation, sentences, tokens with clitics, glued words."""
from __future__ import annotations

from pathlib import Path

import pytest

from marsad.text.glued import find_glued
from marsad.text.normalize import normalize, normalize_key, normalize_with_map
from marsad.text.sentences import split_sentences
from marsad.text.tokens import search_terms, tokenize

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "marsad" / "samples"


def sample(prefix: str) -> str:
    return next(SAMPLES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.mark.parametrize("raw,expected", [
    ("أحمد إبراهيم آمر", "احمد ابراهيم امر"),           # hamza/madda alef forms
    ("مصطفى", "مصطفي"),                                 # alef maqsura
    ("الجمهورية", "الجمهوريه"),                          # ta marbuta
    ("مـــصـر", "مصر"),                                  # tatweel
    ("حذّر الإرهابَ", "حذر الارهاب"),                     # diacritics
    ("٢٠١٥ و۱۲", "2015 و12"),                            # Eastern Arabic and Persian digits
    ("ڤايد ڨالمة گروپ", "فايد قالمه كروب"),              # Maghrebi/Persian letters
    ("«داعش»، لماذا؟", '"داعش", لماذا?'),               # Arabic punctuation and quotes
    ("مسؤول رئيس", "مسوول رييس"),                        # hamza on waw / ya
])
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_map_points_back_into_original() -> None:
    raw = "الفريق أحمد ڤايد صالح حذّر"
    norm, index = normalize_with_map(raw)
    assert len(norm) == len(index)
    i = norm.index("فايد")
    assert raw[index[i]:index[i + 3] + 1] == "ڤايد"
    j = norm.index("حذر")
    assert raw[index[j]:index[j + 2] + 1] == "حذّر"


def test_normalize_key_collapses_space() -> None:
    assert normalize_key("  تنظيم   الدولة\nالإسلامية ") == "تنظيم الدوله الاسلاميه"


def test_sentences_headline_paragraphs_and_offsets() -> None:
    text = sample("001")
    sents = split_sentences(text)
    assert sents[0].kind == "headline"
    assert text[sents[0].start:sents[0].end] == "مبادرة لإيجاد تعاون بين دول عربية وغربية"
    bodies = [s for s in sents if s.kind == "sentence"]
    assert text[bodies[0].start:bodies[0].end].startswith("قال مصدر أمني مسؤول إن الجزائر")
    assert text[bodies[0].end - 1] == "."
    # every sentence is trimmed, non-empty and in order
    for a, b in zip(sents, sents[1:]):
        assert a.end <= b.start
    for s in sents:
        chunk = text[s.start:s.end]
        assert chunk and chunk == chunk.strip()
    assert 15 <= len(bodies) <= 20


def test_sentence_stray_period_before_year_does_not_split() -> None:
    text = "ثم اتخذ القرار في الساعات الأولى من يوم 29 أوت .2011 وقد جرت اتصالات ماراطونية."
    sents = split_sentences(text)
    assert len(sents) == 1


def _tok(text: str, surface: str):
    return next(t for t in tokenize(text) if t.text == surface)


@pytest.mark.parametrize("word,prefixes,stem", [
    ("والجزائر", ["و", "ال"], "جزائر"),
    ("للجزائر", ["ل", "ال"], "جزائر"),
    ("بالقاهرة", ["ب", "ال"], "قاهرة"),
    ("وحمّل", ["و"], "حمّل"),
    ("لصحيفة", ["ل"], "صحيفة"),
    ("وزير", [], "وزير"),          # و is part of the word
    ("وكالة", [], "وكالة"),
    ("بريطانيا", [], "بريطانيا"),  # ب is part of the word
    ("لبنان", [], "لبنان"),
    ("إلى", [], "إلى"),            # not article + one letter
])
def test_clitics(word: str, prefixes: list[str], stem: str) -> None:
    text = f"قال {word} أمس"
    t = _tok(text, word)
    assert [p[2] for p in t.prefixes] == prefixes
    assert text[t.stem_start:t.end] == stem
    for a, b, form in t.prefixes:
        assert normalize(text[a:b]) in (form, "ا" + form[-1:]) or form == "ال" and text[a:b] == "ل"


def test_token_offsets_cover_the_text() -> None:
    text = sample("004")
    toks = tokenize(text)
    for t in toks:
        assert text[t.start:t.end] == t.text
    assert "".join(text[t.start:t.end] for t in toks) == "".join(text.split())
    kinds = {t.text: t.kind for t in toks}
    assert kinds["200"] == "number" and kinds["«"] if "«" in kinds else kinds["200"] == "number"


def test_search_terms_strip_clitics_and_normalise() -> None:
    assert search_terms("بالقاهرة") == search_terms("القاهرة") == ["قاهره"]
    assert search_terms("وأكدت") == search_terms("أكدت")


def test_glued_words_in_samples() -> None:
    from marsad.pipeline.segment import SegmentStage  # loads the KB names into the lexicon

    SegmentStage()
    found = {}
    for p in ("000", "001", "002", "003", "004"):
        text = sample(p)
        for g in find_glued(tokenize(text)):
            found[g.text] = [x[2] for x in g.parts]
            assert text[g.start:g.end] == g.text
            assert "".join(x[2] for x in g.parts) == g.text
    assert found.get("طرابلسوالجزائر") == ["طرابلس", "والجزائر"]
    assert found.get("أبوبكرالبغدادي") == ["أبوبكر", "البغدادي"]
    assert len(found) == 2, found  # nothing else in the samples is a glued pair
