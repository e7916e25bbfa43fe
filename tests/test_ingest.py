"""Ingest layer: formats, encodings, metadata precedence, failures, stdin, retry by key."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
from pathlib import Path

import pytest

import marsad
from marsad.ingest import FORMATS, Failure, Item, count_sources, parse_date, read_one, read_sources
from marsad.ingest.model import FAILURE_RAW_CAP

SAMPLES = Path(marsad.__file__).parent / "samples"
FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
S000 = SAMPLES / "000_a918cecbe976a78a.txt"
S001 = SAMPLES / "001_34d80cdb50855320.txt"
S002 = SAMPLES / "002_3f1dbae69eb59a09.txt"
S003 = SAMPLES / "003_2a47d67380bc8a8f.txt"
S004 = SAMPLES / "004_d938f254692a6191.txt"


def read(*paths, **kw) -> list:
    return list(read_sources([str(p) for p in paths], **kw))


def one_item(*paths, **kw) -> Item:
    out = read(*paths, **kw)
    assert len(out) == 1 and isinstance(out[0], Item), out
    return out[0]


def one_failure(*paths, **kw) -> Failure:
    out = read(*paths, **kw)
    assert len(out) == 1 and isinstance(out[0], Failure), out
    f = out[0]
    assert "\n" not in f.reason
    return f


def utf8_text(path: Path) -> str:
    return one_item(path).text


# ---------------------------------------------------------------------------- txt + samples
def test_bundled_samples_folder_reads_five_items_and_skips_sidecars():
    out = read(SAMPLES)
    assert [type(x).__name__ for x in out] == ["Item"] * 5
    assert all(not x.key.endswith(".meta.json") for x in out)
    by_name = {Path(x.key).name: x for x in out}
    # sidecar 000_….meta.json names the outlet; 001's sidecar has outlet null
    assert by_name[S000.name].outlet == "الخبر"
    assert by_name[S001.name].outlet is None
    assert by_name[S001.name].title == "مبادرة لإيجاد تعاون بين دول عربية وغربية"
    assert by_name[S001.name].meta["title_from"] == "first line"
    assert by_name[S000.name].title is None  # one long paragraph: no headline to take
    assert by_name[S003.name].text.startswith("تنسيق أمني جزائري مصري تونسي")


def test_item_to_document():
    item = one_item(S003)
    doc = item.to_document()
    assert doc.id == "d" + item.content_hash[:16]
    assert doc.source == str(S003)
    assert doc.text == item.text
    assert doc.meta["content_hash"] == item.content_hash
    assert doc.title == "تنسيق أمني جزائري مصري تونسي لمواجهة «داعش» في ليبيا"


# ---------------------------------------------------------------------------- encodings
@pytest.mark.parametrize("sample", [S000, S002, S003, S004])
@pytest.mark.parametrize("encoding,label", [
    ("cp1256", "cp1256"),
    ("utf-16", "utf-16-le (BOM)"),
    ("utf-8-sig", "utf-8 (BOM)"),
])
def test_encodings_give_the_same_text(tmp_path, sample, encoding, label):
    original = sample.read_text(encoding="utf-8")
    p = tmp_path / "a.txt"
    p.write_bytes(original.encode(encoding))
    item = one_item(p)
    assert item.text == utf8_text(sample)
    assert item.raw == original
    assert item.meta["encoding"] == label


def test_utf16_big_endian_and_without_bom(tmp_path):
    original = S003.read_text(encoding="utf-8")
    (tmp_path / "be.txt").write_bytes(b"\xfe\xff" + original.encode("utf-16-be"))
    (tmp_path / "nobom.txt").write_bytes(original.encode("utf-16-le"))
    be, nobom = read(tmp_path / "be.txt", tmp_path / "nobom.txt")
    assert be.text == nobom.text == utf8_text(S003)
    assert nobom.meta["encoding"] == "utf-16 (no BOM)"


def test_cp1256_short_text_is_detected(tmp_path):
    p = tmp_path / "short.txt"
    p.write_bytes("قال مصدر أمني مسؤول إن الجزائر تسعى لإيجاد إطار للتعاون.".encode("cp1256"))
    item = one_item(p)
    assert item.text == "قال مصدر أمني مسؤول إن الجزائر تسعى لإيجاد إطار للتعاون."
    assert item.meta["encoding"] == "cp1256"


def test_truncated_utf8_is_read_without_the_cut_character(tmp_path):
    original = S002.read_text(encoding="utf-8")
    data = original.rstrip().encode("utf-8")
    assert data.endswith("ي.".encode("utf-8"))
    p = tmp_path / "cut.txt"
    p.write_bytes(data[:-2])  # drops "." and the second byte of the final "ي"
    item = one_item(p)
    assert "truncated_utf8" in item.meta
    assert item.raw == original.rstrip()[:-2]
    assert "بريدك" not in item.text  # the cut litter line is still litter
    assert item.text.endswith("اقتضاء الضرورة القصوى لذلك.")


def test_truncated_utf8_in_last_real_sentence(tmp_path):
    data = "الجزائر ترفض المشاركة في عملية عسكرية مع مصر".encode("utf-8")
    p = tmp_path / "cut.txt"
    p.write_bytes(data[:-1])  # "ر" is two bytes: its first byte stays, cut
    item = one_item(p)
    assert item.text == "الجزائر ترفض المشاركة في عملية عسكرية مع مص"
    assert item.meta["truncated_utf8"].startswith("dropped 1 byte")


# ---------------------------------------------------------------------------- failures
def test_binary_file_fails(tmp_path):
    p = tmp_path / "image.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    f = one_failure(p)
    assert f.key == str(p)
    assert f.reason.startswith("binary file")
    assert f.location == str(p) and f.raw is None


@pytest.mark.parametrize("content,word", [(b"", "0 bytes"), (b"  \n\t\r\n  ", "whitespace"), ("\u00a0\n".encode(), "whitespace")])
def test_empty_files_fail(tmp_path, content, word):
    p = tmp_path / "empty.txt"
    p.write_bytes(content)
    f = one_failure(p)
    assert f.reason.startswith("empty") and word in f.reason


def test_huge_file_fails_without_being_read(tmp_path):
    p = tmp_path / "huge.txt"
    with open(p, "wb") as fh:
        fh.write("قال مصدر أمني ".encode("utf-8"))
        fh.truncate(50 * 1024 * 1024)  # sparse 50 MB
    f = one_failure(p)
    assert f.reason.startswith("too large (50 MB > 20 MB limit")


def test_article_text_limit(tmp_path):
    p = tmp_path / "long.txt"
    p.write_text("قال مصدر أمني مسؤول إن الجزائر تسعى لإيجاد إطار للتعاون.\n" * 100, encoding="utf-8")
    f = one_failure(p, max_text_chars=1000)
    assert "article text too long" in f.reason and "1,000 limit" in f.reason
    assert isinstance(one_item(p), Item)  # the default limit lets it through


def test_missing_path_and_empty_folder(tmp_path):
    (tmp_path / "empty_dir").mkdir()
    missing, empty_dir = read(tmp_path / "nope.txt", tmp_path / "empty_dir")
    assert isinstance(missing, Failure) and missing.reason == "no such file or folder"
    assert isinstance(empty_dir, Failure) and empty_dir.reason.startswith("no article files in folder")


def test_mixed_folder(tmp_path):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / ".hidden").mkdir()
    (d / ".hidden" / "x.txt").write_text("نص مخفي لا يقرأ أبدا", encoding="utf-8")
    (d / ".secret.txt").write_text("نص مخفي", encoding="utf-8")
    (d / "a_good.txt").write_text(S003.read_text(encoding="utf-8"), encoding="utf-8")
    (d / "a_good.meta.json").write_text('{"outlet": "الشروق", "published": "2015-02-17"}', encoding="utf-8")
    (d / "b_binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (d / "c_empty.txt").write_bytes(b"")
    with open(d / "d_huge.txt", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    (d / "e_cut.txt").write_bytes("الجزائر ترفض المشاركة في عملية عسكرية مع مصر".encode("utf-8")[:-1])
    (d / "f_cp1256.txt").write_bytes(S002.read_text(encoding="utf-8").encode("cp1256"))
    (d / "g_malformed.html").write_text("<html><body><div><p>قال مصدر أمني مسؤول إن الجزائر تسعى <b>لإيجاد إطار للتعاون", encoding="utf-8")
    (d / "h_script_only.html").write_text("<html><head><script>var a=1;</script></head><body><script>x()</script></body></html>", encoding="utf-8")
    (d / "sub" / "i_broken.rss").write_text("<rss><channel> & <item", encoding="utf-8")
    (d / "sub" / "j_broken.xml").write_text("<?xml version='1.0'?><rss version='2.0'><channel><<<>>> & غير صالح", encoding="utf-8")
    lines = [json.dumps({"id": "n1", "text": "قال مصدر أمني مسؤول إن الجزائر تسعى لإيجاد إطار للتعاون."}, ensure_ascii=False),
             "{this is not json",
             json.dumps({"id": "n3", "text": "كشف مصدر أمني جزائري عن اجتماع مسؤولين من المخابرات.", "published": "2015-02-18"}, ensure_ascii=False)]
    (d / "sub" / "k.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (d / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")

    out = read(d)
    got = {os.path.relpath(x.key, d): x for x in out}
    items = {k for k, v in got.items() if isinstance(v, Item)}
    fails = {k: v.reason for k, v in got.items() if isinstance(v, Failure)}
    assert items == {"a_good.txt", "e_cut.txt", "f_cp1256.txt", "g_malformed.html", "sub/k.jsonl:1", "sub/k.jsonl:3"}
    assert set(fails) == {"b_binary.txt", "c_empty.txt", "d_huge.txt", "h_script_only.html",
                          "sub/i_broken.rss", "sub/j_broken.xml", "sub/k.jsonl:2"}
    assert fails["b_binary.txt"].startswith("binary file")
    assert fails["c_empty.txt"].startswith("empty")
    assert fails["d_huge.txt"].startswith("too large (50 MB")
    assert fails["h_script_only.html"] == "no article text found in HTML"
    assert fails["sub/i_broken.rss"].startswith("broken feed: SAXParseException")
    assert fails["sub/j_broken.xml"].startswith("broken feed")
    assert fails["sub/k.jsonl:2"].startswith("line 2: not valid JSON")
    assert all("\n" not in r for r in fails.values())
    good = got["a_good.txt"]
    assert good.outlet == "الشروق" and good.published == dt.date(2015, 2, 17)
    assert got["f_cp1256.txt"].text == utf8_text(S002)
    assert "لإيجاد إطار للتعاون" in got["g_malformed.html"].text
    assert got["sub/k.jsonl:3"].external_id == "n3" and got["sub/k.jsonl:3"].published == dt.date(2015, 2, 18)
    assert count_sources([str(d)]) == len(out)  # jsonl: 3 lines; each other file counts 1


# ---------------------------------------------------------------------------- html
def test_html_article_text_and_metadata():
    item = one_item(FIXTURES / "article.html")
    assert item.title == "تنسيق أمني جزائري مصري تونسي لمواجهة «داعش» في ليبيا"
    assert item.published == dt.date(2015, 2, 17)
    assert item.url == "https://example.org/news/2015/02/tansiq"
    assert item.outlet == "صحيفة المثال"
    assert "وكشف مصدر أمني رفيع للصحيفة" in item.text
    assert "سارت على المنوال نفسه." in item.text
    for litter in ("الرئيسية", "لا تظهر هذه الجملة", "جميع الحقوق محفوظة", "اقرأ أيضا", "color: red"):
        assert litter not in item.text
    assert item.raw.startswith("<!DOCTYPE html>")
    assert item.meta["format"] == "html"


def test_tiny_html_falls_back_to_lxml_text(tmp_path):
    p = tmp_path / "tiny.htm"
    p.write_text("<html><head><title>خبر قصير</title></head><body><p>قال مصدر أمني إن الجزائر تسعى للتعاون.</p></body></html>",
                 encoding="utf-8")
    item = one_item(p)
    assert item.text == "قال مصدر أمني إن الجزائر تسعى للتعاون."
    assert item.title == "خبر قصير"


def test_html_sniffed_without_extension(tmp_path):
    p = tmp_path / "page"
    p.write_text("<!doctype html><html><body><p>قال مصدر أمني إن الجزائر تسعى للتعاون.</p></body></html>", encoding="utf-8")
    item = one_item(p)
    assert item.meta["format"] == "html" and "الجزائر تسعى للتعاون" in item.text


# ---------------------------------------------------------------------------- feeds
def test_rss_feed_entries():
    out = read(FIXTURES / "feed.rss")
    assert [x.key.rsplit("#", 1)[1] for x in out] == ["1", "2", "3"]
    e1, e2, e3 = out
    assert e1.title == "الجزائر ترفض المشاركة في عملية عسكرية مع مصر"
    assert e1.published == dt.date(2015, 2, 17) and e1.url == "https://example.org/news/1"
    assert e1.outlet == "أخبار المثال"
    assert "<p>" not in e1.text and "<b>" not in e1.text
    assert "وقال المصدر لـ “الخبر” إن السلطات المصرية" in e1.text
    assert e2.text == "قال مصدر أمني مسؤول إن الجزائر تسعى، منذ عدة أسابيع، لإيجاد إطار للتعاون بين دول عربية وغربية."
    assert e2.meta["text_from"] == "summary" and e2.published == dt.date(2015, 2, 18)
    assert isinstance(e3, Failure) and e3.reason == "feed entry 3 has no content or summary text"
    assert "<item>" in e1.raw and "مبادرة" not in e1.raw  # raw is the entry's own XML
    assert count_sources([str(FIXTURES / "feed.rss")]) == 3


def test_atom_feed_entry():
    item = one_item(FIXTURES / "feed.atom")
    assert item.key.endswith("feed.atom#1")
    assert item.published == dt.date(2015, 2, 19)
    assert item.url == "https://example.org/atom/1" and item.outlet == "وكالة المثال"
    assert item.text.startswith("كشف مصدر أمني جزائري")


# ---------------------------------------------------------------------------- jsonl
def test_jsonl_fields_bad_lines_and_saudinewsnet_style(tmp_path):
    p = tmp_path / "a.jsonl"
    rows = [
        {"id": "x1", "text": "قال مصدر أمني إن الجزائر تسعى للتعاون.", "title": "عنوان", "published": "2015-02-17T10:00:00Z",
         "url": "https://example.org/1", "outlet": "الخبر"},
        {"source": "aawsat", "url": "https://example.org/2", "date_extracted": "2015-07-21 02:51:33",
         "author": "لندن: «الشرق الأوسط»", "content": "أصدر الرئيس قرارا جمهوريا بتعيين محافظ جديد."},
        {"id": "x3", "title": "بلا نص"},
        ["not", "an", "object"],
        {"id": "x5", "text": "نص مع تاريخ سيئ.", "published": "أمس"},
        {"id": "x6", "text": "   "},
    ]
    text = "\ufeff" + "\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:3]) + "\n\n{broken\n" + \
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows[3:]) + "\n"
    p.write_text(text, encoding="utf-8")
    out = {x.key.rsplit(":", 1)[1]: x for x in read(p)}
    assert list(out) == ["1", "2", "3", "5", "6", "7", "8"]  # line 4 is blank: skipped
    a = out["1"]
    assert (a.external_id, a.title, a.published, a.url, a.outlet) == ("x1", "عنوان", dt.date(2015, 2, 17), "https://example.org/1", "الخبر")
    assert a.to_document().id == "x1"
    b = out["2"]
    assert b.text == "أصدر الرئيس قرارا جمهوريا بتعيين محافظ جديد."
    # date_extracted is when it was crawled, not published: kept in meta, never used as the date
    assert (b.outlet, b.published, b.external_id) == ("aawsat", None, None)
    assert b.meta["crawled"] == "2015-07-21 02:51:33" and b.meta["crawled_from"] == "date_extracted"
    assert "published_from" not in b.meta and "extra" not in b.meta
    assert b.meta["author"] == "لندن: «الشرق الأوسط»"
    assert out["3"].reason.startswith('line 3: no "text" (or "content") field')
    assert out["5"].reason.startswith("line 5: not valid JSON")
    assert out["5"].raw == b"{broken\n" and out["5"].location == str(p)
    assert out["6"].reason == "line 6: expected a JSON object, got list"
    assert out["7"].published is None
    assert out["7"].warnings == ["published 'أمس' (field \"published\") is not a date (YYYY-MM-DD); kept unknown"]
    assert out["8"].reason == 'line 8: empty "text" field'
    # retry one line by its key
    again = read_one(f"{p}:2")
    assert len(again) == 1 and again[0].text == b.text and again[0].key == b.key
    assert read_one(f"{p}:5")[0].reason.startswith("line 5: not valid JSON")


def test_jsonl_text_field_option_gzip_and_utf16(tmp_path):
    row = {"id": "g1", "body_ar": "كشف مصدر أمني جزائري عن اجتماع مسؤولين."}
    gz = tmp_path / "a.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    item = one_item(gz, text_field="body_ar")
    assert item.text == row["body_ar"] and item.key == f"{gz}:1"
    assert one_failure(gz).reason.startswith('line 1: no "text" (or "content") field')
    u16 = tmp_path / "b.jsonl"
    u16.write_bytes(json.dumps({"id": "u", "text": "نص بترميز يو تي إف ١٦."}, ensure_ascii=False).encode("utf-16") + "\n".encode("utf-16-le"))
    assert one_item(u16).text == "نص بترميز يو تي إف ١٦."


def test_json_array_file(tmp_path):
    p = tmp_path / "a.json"
    p.write_text(json.dumps([{"id": "a", "text": "قال مصدر أمني إن الجزائر تسعى للتعاون."}, {"id": "b"}], ensure_ascii=False), encoding="utf-8")
    a, b = read(p)
    assert a.key == f"{p}#1" and a.external_id == "a"
    assert isinstance(b, Failure) and b.key == f"{p}#2" and b.reason.startswith("element 2: no \"text\"")


# ---------------------------------------------------------------------------- metadata
def test_sidecar_and_override_precedence(tmp_path):
    a = tmp_path / "a.html"
    a.write_text((FIXTURES / "article.html").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps({"outlet": "الشروق", "published": "2015-03-01", "id": "side-1",
                                                       "section": "دولي"}, ensure_ascii=False), encoding="utf-8")
    item = one_item(a)
    # sidecar beats the file; the file still gives what the sidecar does not say
    assert item.outlet == "الشروق" and item.published == dt.date(2015, 3, 1)
    assert item.url == "https://example.org/news/2015/02/tansiq"
    assert item.external_id == "side-1" and item.meta["extra"] == {"section": "دولي"}
    # keyword overrides beat the sidecar
    item = one_item(a, published=dt.date(2016, 1, 2), outlet="النهار", url="https://override.example/x")
    assert (item.published, item.outlet, item.url) == (dt.date(2016, 1, 2), "النهار", "https://override.example/x")
    assert item.title == "تنسيق أمني جزائري مصري تونسي لمواجهة «داعش» في ليبيا"


def test_sidecar_full_name_and_bad_values(tmp_path):
    t = tmp_path / "b.txt"
    t.write_text(S003.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.txt.meta.json").write_text('{"published": "2015-13-45", "title": "عنوان من الملف الجانبي"}', encoding="utf-8")
    item = one_item(t)
    assert item.title == "عنوان من الملف الجانبي"
    assert item.published is None
    assert item.warnings == ["published '2015-13-45' (sidecar) is not a date (YYYY-MM-DD); kept unknown"]
    (tmp_path / "b.txt.meta.json").write_text("{not json", encoding="utf-8")
    item = one_item(t)
    assert item.title.startswith("تنسيق أمني") and "sidecar b.txt.meta.json ignored" in item.warnings[0]


def test_override_published_as_string():
    item = one_item(S001, published="2015-11-14")
    assert item.published == dt.date(2015, 11, 14)


# ---------------------------------------------------------------------------- stdin and retry
def test_stdin_txt_jsonl_and_retry_from_raw():
    data = S001.read_bytes()
    item, = read_sources(["-"], stdin=io.BytesIO(data))
    assert item.key == "<stdin>:" + hashlib.sha256(data).hexdigest()[:12] and item.text == utf8_text(S001)
    jl = ('{"id": "s1", "text": "قال مصدر أمني إن الجزائر تسعى للتعاون."}\nnot json\n').encode("utf-8")
    a, b = read_sources(["-"], stdin=io.BytesIO(jl))
    line1 = jl.split(b"\n")[0]
    assert a.key == f"<stdin>:{hashlib.sha256(line1).hexdigest()[:12]}:1" and a.external_id == "s1"
    bkey = f"<stdin>:{hashlib.sha256(b'not json').hexdigest()[:12]}:2"
    assert isinstance(b, Failure) and b.key == bkey and b.raw == b"not json\n" and b.location is None
    assert read_one(bkey)[0].reason.startswith("cannot re-read standard input")
    fixed, = read_one(bkey, raw='{"text": "نص مصحح."}'.encode("utf-8"))
    assert isinstance(fixed, Item) and fixed.text == "نص مصحح." and fixed.key == bkey
    # keys from before content hashes (<stdin>, <stdin>:LINE) still retry
    assert read_one("<stdin>:2", raw=b'{"text": "\xd9\x86\xd8\xb5."}')[0].text == "نص."
    assert read_one("<stdin>", raw=data)[0].text == utf8_text(S001)
    bad, = read_sources(["-"], stdin=io.BytesIO(b"\x00\x01" * (FAILURE_RAW_CAP)))
    assert bad.reason.startswith("binary file") and len(bad.raw) == FAILURE_RAW_CAP


def test_read_one_feed_entry_and_file():
    entry, = read_one(str(FIXTURES / "feed.rss") + "#2")
    assert entry.title == "مبادرة لإيجاد تعاون بين دول عربية وغربية"
    whole = read_one(str(S004))
    assert len(whole) == 1 and whole[0].text == utf8_text(S004)
    gone, = read_one("/no/such/file.txt")
    assert isinstance(gone, Failure) and gone.key == "/no/such/file.txt"
    assert gone.reason == "cannot re-read: file /no/such/file.txt is gone (no such file) and no raw bytes were kept"


def test_stdin_html_is_sniffed_and_fmt_forces_a_format():
    page = (FIXTURES / "article.html").read_bytes()
    item, = read_sources(["-"], stdin=io.BytesIO(page))
    assert item.meta["format"] == "html" and item.outlet == "صحيفة المثال"
    forced, = read_sources(["-"], stdin=io.BytesIO(page), fmt="txt")
    assert forced.meta["format"] == "txt" and "<p>" in forced.text


def test_a_file_of_litter_only_fails(tmp_path):
    p = tmp_path / "litter.txt"
    p.write_text("اترك تعليقاً\n\nلن يتم نشر عنوان بريدك الإلكتروني.\nشارك\n", encoding="utf-8")
    f = one_failure(p)
    assert f.reason.startswith("no article text left after removing web litter")


# ---------------------------------------------------------------------------- review fixes
def test_file_keys_are_absolute_real_paths_and_retry_from_anywhere(tmp_path, monkeypatch):
    d = tmp_path / "rv"
    d.mkdir()
    p = d / "bom.jsonl"
    p.write_text('{"id": "k1", "text": "قال مصدر أمني إن الجزائر تسعى للتعاون."}\n{broken\n', encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to(p)
    real = os.path.realpath(p)
    monkeypatch.chdir(d)
    keys = [[x.key for x in read_sources([arg])] for arg in ("bom.jsonl", "./bom.jsonl", str(p), "../rv/bom.jsonl",
                                                              str(tmp_path / "link.jsonl"))]
    assert keys == [[f"{real}:1", f"{real}:2"]] * 5
    bad = list(read_sources(["bom.jsonl"]))[1]
    assert bad.location == real and bad.raw == b"{broken\n"
    folder = read_sources(["."])
    assert [x.key for x in folder] == [f"{real}:1", f"{real}:2"]
    # `cd / && marsad failures --retry`: the absolute key still finds the file
    monkeypatch.chdir("/")
    again, = read_one(f"{real}:2")
    assert isinstance(again, Failure) and again.reason.startswith("line 2: not valid JSON")
    # a missing path is one Failure, keyed absolutely, and the other paths are still read
    missing, item = read_sources(["nope.txt", str(S001)])
    assert isinstance(missing, Failure) and missing.reason == "no such file or folder" and missing.key == "/nope.txt"
    assert isinstance(item, Item) and item.key == os.path.realpath(S001)


def test_read_one_when_the_file_is_gone_uses_the_kept_raw_bytes(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"id": "g1", "text": "نص أول."}\n{"id": "g2", "txt": "حقل خاطئ"}\n', encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"outlet": "الشروق"}', encoding="utf-8")
    _, bad = read(p)
    assert isinstance(bad, Failure) and bad.raw
    t = tmp_path / "b.txt"
    t.write_text(S003.read_text(encoding="utf-8"), encoding="utf-8")
    t_raw = t.read_bytes()
    feed = tmp_path / "f.rss"
    feed.write_bytes((FIXTURES / "feed.rss").read_bytes())
    feed_raw = feed.read_bytes()
    p.unlink(), t.unlink(), feed.unlink()
    # a jsonl line: the kept (here corrected) line, keyed as asked, with the sidecar still next to it
    fixed, = read_one(bad.key, raw='{"id": "g2", "text": "حقل صحيح الآن."}'.encode("utf-8"))
    assert isinstance(fixed, Item) and fixed.key == bad.key and fixed.text == "حقل صحيح الآن." and fixed.outlet == "الشروق"
    still, = read_one(bad.key, raw=bad.raw)
    assert isinstance(still, Failure) and still.reason.startswith('line 2: no "text"') and still.raw == bad.raw
    # a whole text file, read as .txt from its extension
    whole, = read_one(str(t), raw=t_raw)
    assert isinstance(whole, Item) and whole.key == str(t) and whole.text == utf8_text(S003)
    # a feed entry, picked out of the kept feed
    entry, = read_one(f"{feed}#2", raw=feed_raw)
    assert entry.key == f"{feed}#2" and entry.title == "مبادرة لإيجاد تعاون بين دول عربية وغربية"
    # neither file nor raw bytes: says the file is gone
    gone, = read_one(f"{p}:2")
    assert isinstance(gone, Failure) and gone.reason.startswith(f"cannot re-read: file {p} is gone")


def test_stdin_keys_carry_a_content_hash():
    good = "قال مصدر أمني مسؤول إن الجزائر تسعى لإيجاد إطار للتعاون.".encode("utf-8")
    binary = b"\x00\x01\x02\x03" * 64
    bad, = read_sources(["-"], stdin=io.BytesIO(binary))
    item, = read_sources(["-"], stdin=io.BytesIO(good))
    assert isinstance(bad, Failure) and bad.raw == binary
    assert bad.key == "<stdin>:" + hashlib.sha256(binary).hexdigest()[:12]
    assert item.key == "<stdin>:" + hashlib.sha256(good).hexdigest()[:12]
    assert bad.key != item.key  # a good stdin item never resolves the failed one
    # the same input again gets the same key (re-ingest is idempotent)
    assert next(read_sources(["-"], stdin=io.BytesIO(good))).key == item.key
    # retry from the kept bytes keeps the failure's key
    assert read_one(bad.key, raw=bad.raw)[0].reason.startswith("binary file")
    assert read_one(bad.key, raw=good)[0].key == bad.key
    # a feed on stdin: <stdin>:HASH#N, retried from the whole kept feed
    feed = (FIXTURES / "feed.rss").read_bytes()
    e1, e2, e3 = read_sources(["-"], stdin=io.BytesIO(feed))
    h = hashlib.sha256(feed).hexdigest()[:12]
    assert [e1.key, e2.key, e3.key] == [f"<stdin>:{h}#1", f"<stdin>:{h}#2", f"<stdin>:{h}#3"]
    assert isinstance(e3, Failure) and e3.raw == feed
    assert read_one(e2.key, raw=feed)[0].text == e2.text
    # JSON lines: the same line at the same place in two streams is the same item; others differ
    one = '{"text": "نص أول."}\n'.encode("utf-8")
    a1, = read_sources(["-"], stdin=io.BytesIO(one))
    x, a2 = read_sources(["-"], stdin=io.BytesIO('{"text": "نص آخر."}\n'.encode("utf-8") + one))
    assert a1.key.endswith(":1") and a2.key.endswith(":2") and a1.key.rsplit(":", 1)[0] == a2.key.rsplit(":", 1)[0]
    assert x.key != a1.key


def test_rss_and_atom_dates_are_the_local_date_as_written(tmp_path):
    rss = tmp_path / "late.rss"
    rss.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>أخبار المثال</title>
<item><title>خبر بعد منتصف الليل</title><link>https://example.org/n/1</link>
<pubDate>Fri, 04 Oct 2019 00:30:00 +0300</pubDate>
<description>أعلنت وزارة الداخلية الجزائرية عن تعديل حكومي جزئي.</description></item>
<item><title>خبر بتاريخ سيئ</title><pubDate>أمس</pubDate>
<description>قال مصدر أمني إن الجزائر تسعى للتعاون.</description></item>
</channel></rss>""", encoding="utf-8")
    late, vague = read(rss)
    assert late.published == dt.date(2019, 10, 4)  # feedparser's UTC struct would say Oct 3
    assert vague.published is None
    assert vague.warnings == ["published 'أمس' (feed published) is not a date (YYYY-MM-DD); kept unknown"]
    atom = tmp_path / "late.atom"
    atom.write_text("""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>وكالة المثال</title>
<entry><title>خبر</title><id>urn:x:1</id><updated>2019-10-04T00:30:00+03:00</updated>
<summary>كشف مصدر أمني جزائري عن اجتماع مسؤولين من المخابرات.</summary></entry></feed>""", encoding="utf-8")
    item = one_item(atom)
    assert item.published == dt.date(2019, 10, 4) and item.meta["published_from"] == "updated"


def test_only_publication_fields_give_published(tmp_path):
    p = tmp_path / "a.jsonl"
    rows = [
        {"text": "أعلنت الحكومة عن خطة جديدة.", "pubDate": "Fri, 04 Oct 2019 00:30:00 +0300", "date_extracted": "2019-10-05"},
        {"text": "أعلنت الحكومة عن خطة جديدة ثانية.", "publication_date": "2015-02-17", "crawled_at": "2020-01-01T00:00:00Z"},
        {"text": "أعلنت الحكومة عن خطة ثالثة.", "scraped_at": "2020-01-01"},
    ]
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    a, b, c = read(p)
    assert a.published == dt.date(2019, 10, 4) and a.meta["published_from"] == "pubDate" and a.meta["crawled"] == "2019-10-05"
    assert b.published == dt.date(2015, 2, 17) and b.meta["crawled"] == "2020-01-01T00:00:00Z"
    assert c.published is None and c.meta["crawled"] == "2020-01-01" and not c.warnings


ARTICLE = "قال مصدر أمني مسؤول إن الجزائر تسعى، منذ عدة أسابيع، لإيجاد إطار للتعاون بين دول عربية وغربية.\n"


def test_a_stray_nul_byte_is_dropped_not_binary(tmp_path):
    text = S003.read_text(encoding="utf-8")
    data = text.encode("utf-8")
    cut = data.index("ليبيا".encode("utf-8"))
    p = tmp_path / "nul.txt"
    p.write_bytes(data[:cut] + b"\x00" + data[cut:])
    item = one_item(p)
    assert item.text == utf8_text(S003) and item.meta["nul_removed"] == 1 and "\x00" not in item.raw
    # with a UTF-8 BOM, too
    p.write_bytes(b"\xef\xbb\xbf" + data[:cut] + b"\x00" + data[cut:])
    assert one_item(p).text == utf8_text(S003)
    # a JSONL file and a feed with a stray NUL
    jl = tmp_path / "nul.jsonl"
    jl.write_bytes(json.dumps({"text": ARTICLE * 3}, ensure_ascii=False).encode("utf-8").replace("تسعى".encode("utf-8"), "تسعى".encode("utf-8") + b"\x00", 1) + b"\n")
    item = one_item(jl)
    assert item.meta["nul_removed"] == 1 and "\x00" not in item.text and "تسعى" in item.text
    rss = tmp_path / "nul.rss"
    rss.write_bytes((FIXTURES / "feed.rss").read_bytes().replace("مبادرة".encode("utf-8"), "مبادرة".encode("utf-8") + b"\x00", 1))
    assert [type(x).__name__ for x in read(rss)] == ["Item", "Item", "Failure"]
    # many NULs (> 1%), or some with other control bytes, are still binary
    p.write_bytes((ARTICLE.encode("utf-8") + b"\x00" * 2) * 20)
    assert one_failure(p).reason.startswith("binary file")
    p.write_bytes((ARTICLE * 5).encode("utf-8") + b"\x00\x01\x02\x03")
    assert one_failure(p).reason.startswith("binary file")
    jl.write_bytes(b"\x00\x01\x02\x03" * 100)
    assert one_failure(jl).reason.startswith("binary file")


@pytest.mark.parametrize("value,expected,warning", [
    ("14/08/2015", dt.date(2015, 8, 14), None),
    ("2015/08/14", dt.date(2015, 8, 14), None),
    ("٢٠١٥/٠٨/١٤", dt.date(2015, 8, 14), None),
    ("14.08.2015 10:30", dt.date(2015, 8, 14), None),
    ("08/14/2015", dt.date(2015, 8, 14), None),  # only one valid reading
    ("05/05/2015", dt.date(2015, 5, 5), None),
    ("05/08/2015", None, "published '05/08/2015' (field \"published\") is ambiguous (DD/MM/YYYY or MM/DD/YYYY?); kept unknown"),
    ("14 أغسطس", None, "published '14 أغسطس' (field \"published\") is not a date (YYYY-MM-DD); kept unknown"),
])
def test_jsonl_published_forms_and_warnings(tmp_path, value, expected, warning):
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps({"text": ARTICLE, "published": value}, ensure_ascii=False) + "\n", encoding="utf-8")
    item = one_item(p)
    assert item.published == expected
    assert item.warnings == ([warning] if warning else [])


def test_sidecar_day_month_date_and_ambiguous_override():
    assert parse_date("17/02/2015") == dt.date(2015, 2, 17)
    with pytest.raises(ValueError, match="ambiguous"):
        read_sources([str(S001)], published="05/08/2015")


def test_unknown_format_raises_at_the_call():
    assert FORMATS == ("txt", "html", "jsonl", "feed")
    with pytest.raises(ValueError) as e:
        read_sources(["/no/such/file.txt"], fmt="pdf")  # not iterated: raised at the call
    assert "'pdf'" in str(e.value) and "txt, html, jsonl, feed" in str(e.value)
