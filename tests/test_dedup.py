"""Content hash and near-duplicate detection on the sample articles."""
from __future__ import annotations

from pathlib import Path

import marsad
from marsad.ingest import NearDuplicateIndex, content_hash, read_sources

SAMPLES = Path(marsad.__file__).parent / "samples"


def text_of(prefix: str) -> str:
    item, = read_sources([str(next(SAMPLES.glob(prefix + "_*.txt")))])
    return item.text


def test_hash_ignores_whitespace_diacritics_and_hamza_forms():
    t = text_of("003")
    variant = ("  " + t.replace(" ", "  ").replace("\n", "\n\n")
               .replace("أمني", "أَمْنِيّ").replace("إلى", "الى").replace("ـ", "") + "\n")
    assert variant != t
    assert content_hash(variant) == content_hash(t)
    assert content_hash(t.replace("ليبيا", "تونس", 1)) != content_hash(t)


def test_same_file_twice_gives_the_same_hash(tmp_path):
    src = next(SAMPLES.glob("002_*.txt"))
    (tmp_path / "copy.txt").write_bytes(src.read_bytes().replace(b"\n", b"\r\n"))
    a, b = read_sources([str(src), str(tmp_path / "copy.txt")])
    assert a.content_hash == b.content_hash and a.to_document().id == b.to_document().id


def test_near_duplicate_found_and_different_article_not():
    idx = NearDuplicateIndex()
    texts = {p: text_of(p) for p in ("000", "001", "002", "003", "004")}
    for p in ("000", "001", "002", "004"):
        idx.add(p, idx.signature(texts[p]))
    # 001 with one sentence rewritten is found as a near-duplicate of 001
    t = texts["001"]
    changed = t.replace("وتتعاون الجزائر وتونس ومصر على تحليل معلومات أمنية بشكل يومي",
                        "وتنسق الجزائر مع جيرانها يوميا في تحليل المعلومات الأمنية")
    assert changed != t
    assert idx.query(idx.signature(changed)) == "001"
    # 003 is about the same topic but a different article
    assert idx.query(idx.signature(texts["003"])) is None
    assert len(idx) == 4 and "001" in idx


def test_signature_is_bytes_and_round_trips():
    idx = NearDuplicateIndex()
    t = text_of("002")
    sig = idx.signature(t)
    assert isinstance(sig, bytes)
    other = NearDuplicateIndex()  # a fresh index (e.g. after a restart) loads stored signatures
    other.add("stored", sig)
    assert other.query(NearDuplicateIndex().signature(t)) == "stored"
    assert idx.similarity(sig, idx.signature(text_of("004"))) < 0.2
    assert idx.query(idx.signature("")) is None
