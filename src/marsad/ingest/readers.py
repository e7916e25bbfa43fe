"""Format readers: HTML (trafilatura, lxml fallback), RSS/Atom (feedparser), JSONL records, and
format sniffing. They work on decoded text / bytes; sources.py handles files, limits and keys."""
from __future__ import annotations

import json
import logging
import re
from typing import Any

from .metadata import date_warning, parse_date, set_published
from .model import IngestError

FORMATS = ("txt", "html", "jsonl", "feed")
EXTENSIONS = {
    ".txt": "txt", ".text": "txt", ".md": "txt",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".xml": "feed", ".rss": "feed", ".atom": "feed",
}
# Field names read from a JSONL record, first present wins (names compared case-insensitively).
# SaudiNewsNet-style dumps use content / source, so those are accepted when text / outlet are missing.
TEXT_FIELDS = ("text", "content", "body", "article")
# Only these name a publication date. A crawl/extraction time is not one (using it would be a guess):
# CRAWL_FIELDS go to meta["crawled"] and leave ``published`` unknown.
PUBLISHED_FIELDS = ("published", "date", "pubdate", "publication_date", "published_at", "date_published",
                    "datepublished", "publish_date", "published_date", "publishdate", "publishedat")
CRAWL_FIELDS = ("date_extracted", "extracted_at", "date_crawled", "crawled", "crawled_at", "crawl_date",
                "scraped_at", "date_scraped", "fetched_at", "retrieved", "retrieved_at", "downloaded_at")
OUTLET_FIELDS = ("outlet", "source", "site", "sitename", "publisher")
_KNOWN = set(TEXT_FIELDS) | set(PUBLISHED_FIELDS) | set(CRAWL_FIELDS) | set(OUTLET_FIELDS) | \
    {"id", "title", "url", "link", "html", "author"}

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "section", "article", "header", "footer", "pre", "dd", "dt", "figcaption", "hr",
}
_DROP_TAGS = ("script", "style", "noscript", "nav", "aside", "form", "iframe", "svg", "button", "select", "template")
_INLINE_WS = re.compile(r"[ \t\u00a0\u200b\f\v]+")

logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)


def sniff(head: str) -> str:
    """Guess the format from the first characters of a decoded input."""
    s = head.lstrip("\ufeff \t\r\n")[:2000]
    low = s.lower()
    if s.startswith("{") or s.startswith("["):
        return "jsonl"
    if low.startswith("<?xml") or low.startswith("<rss") or low.startswith("<feed") or low.startswith("<rdf"):
        if re.search(r"<(rss|feed|rdf:rdf|channel)\b", low):
            return "feed"
        return "html"
    if low.startswith("<!doctype html") or low.startswith("<html") or re.search(r"<(body|p|div|article|head)\b[^>]*>", low[:2000]):
        return "html"
    return "txt"


# --------------------------------------------------------------------------- HTML
def html_text(html: str) -> str:
    """Plain text of an HTML page or fragment with lxml: scripts/nav/forms dropped, block elements
    on their own lines. Used for feed entries and when trafilatura finds no article."""
    if "<" not in html:
        return html.strip()
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    for bad in root.xpath("//" + "|//".join(_DROP_TAGS)):
        bad.drop_tree()
    for el in root.iter():
        if not isinstance(el.tag, str):  # comments, processing instructions
            continue
        if el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.tag.lower() != "br":
                el.text = "\n" + (el.text or "")
    if root.tag == "html":
        body = root.find("body")
        root = body if body is not None else root
    text = root.text_content()
    lines = [_INLINE_WS.sub(" ", ln).strip() for ln in text.split("\n")]
    return "\n\n".join(ln for ln in lines if ln)


def html_article(html: str, url: str | None = None) -> tuple[str, dict, dict]:
    """Main text and metadata of an HTML page. Returns (text, fields, meta); text may be ""."""
    fields: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    text = ""
    try:
        from trafilatura import bare_extraction

        doc = bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as e:  # trafilatura/lxml can raise on pathological markup
        doc = None
        meta["extractor_error"] = f"{type(e).__name__}: {str(e)[:120]}"
    if doc is not None:
        d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
        text = (d.get("text") or "").strip()
        meta["extractor"] = "trafilatura"
        if d.get("title"):
            fields["title"] = d["title"].strip()
        if d.get("url"):
            fields["url"] = d["url"]
        if d.get("sitename"):
            fields["outlet"] = d["sitename"].strip()
        if d.get("date"):
            set_published(fields, d["date"], meta, "html")
        for k in ("author", "description", "hostname"):
            if d.get(k):
                meta[k] = d[k]
    if not text:
        text = html_text(html)
        meta["extractor"] = "lxml"
        if "title" not in fields:
            m = re.search(r"<title[^>]*>(.*?)</title>", html, re.I | re.S)
            if m and m.group(1).strip():
                fields["title"] = html_text(m.group(1)) or m.group(1).strip()
    return text, fields, meta


# --------------------------------------------------------------------------- feeds
def feed_entries(data: bytes) -> tuple[dict, list[tuple[dict, str, dict]]]:
    """Parse an RSS/Atom feed. Returns (feed-level fields, [(entry fields, entry text, meta)]).
    Raises IngestError for a broken feed (not well-formed and no entries)."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        if parsed.get("bozo"):
            exc = parsed.get("bozo_exception")
            raise IngestError(f"broken feed: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if exc else 'unparseable'}")
        raise IngestError("feed has no entries")
    feed_fields: dict[str, Any] = {}
    if parsed.feed.get("title"):
        feed_fields["outlet"] = parsed.feed["title"].strip()
    out = []
    for e in parsed.entries:
        meta: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        if e.get("title"):
            fields["title"] = html_text(e["title"]) or e["title"].strip()
        if e.get("link"):
            fields["url"] = e["link"]
        if e.get("id"):
            meta["entry_id"] = e["id"]
        if e.get("author"):
            meta["author"] = e["author"]
        _feed_date(e, fields, meta)
        body = ""
        if e.get("content"):
            body = max((c.get("value") or "" for c in e["content"]), key=len)
            meta["text_from"] = "content"
        if not body.strip() and e.get("summary"):
            body = e["summary"]
            meta["text_from"] = "summary"
        out.append((fields, html_text(body) if body else "", meta))
    if parsed.get("bozo"):
        feed_fields["_warning"] = f"feed not well-formed ({type(parsed.get('bozo_exception')).__name__}); entries read anyway"
    return feed_fields, out


def _feed_date(e: Any, fields: dict, meta: dict) -> None:
    """The entry's date as written (pubDate/published, else updated). feedparser's *_parsed values
    are converted to UTC ('Fri, 04 Oct 2019 00:30 +0300' -> Oct 3), so the raw string is parsed
    first (RFC 2822, then ISO) and *_parsed is only the last resort."""
    for name in ("published", "updated"):
        # dict.get: FeedParserDict maps a missing "updated" to "published" (with a warning)
        raw, parsed = dict.get(e, name), dict.get(e, name + "_parsed")
        if not raw and not parsed:
            continue
        if raw:
            try:
                d = parse_date(raw)
            except (ValueError, OverflowError) as err:
                d, error = None, err
            else:
                error = None
            if d is not None:
                fields["published"] = d
                if name != "published":
                    meta["published_from"] = name
                return
        if parsed:  # feedparser understood a form we do not: its UTC date beats none
            fields["published"] = parse_date(parsed)
            meta["published_from"] = f"{name} (UTC)"
            return
        meta.setdefault("warnings", []).append(date_warning(raw, f"feed {name}", error))


# --------------------------------------------------------------------------- JSONL records
def json_record(obj: Any, text_field: str | None = None) -> tuple[str, dict, dict]:
    """Text, fields and meta of one JSON article object. Raises IngestError when unusable."""
    if not isinstance(obj, dict):
        raise IngestError(f"expected a JSON object, got {type(obj).__name__}")
    meta: dict[str, Any] = {}
    names = (text_field,) if text_field else TEXT_FIELDS
    text = None
    for name in names:
        if isinstance(obj.get(name), str):
            text = obj[name]
            if name != "text":
                meta["text_from"] = name
            break
    if text is None and isinstance(obj.get("html"), str):
        text = html_article(obj["html"])[0]
        meta["text_from"] = "html"
    if text is None:
        want = f'"{text_field}"' if text_field else '"text" (or "content")'
        raise IngestError(f"no {want} field (fields: {', '.join(sorted(obj)[:8]) or 'none'})")
    if text.lstrip().startswith("<") and re.search(r"</(p|div|br|span)>|<br\s*/?>", text[:5000], re.I):
        text = html_text(text)
        meta["html_stripped"] = True
    fields: dict[str, Any] = {}
    if obj.get("id") is not None and obj.get("id") != "":
        fields["external_id"] = str(obj["id"])
    if obj.get("title"):
        fields["title"] = str(obj["title"]).strip()
    if obj.get("url") or obj.get("link"):
        fields["url"] = str(obj.get("url") or obj.get("link"))
    for name in OUTLET_FIELDS:
        if obj.get(name):
            fields["outlet"] = str(obj[name])
            break
    lower = {k.lower(): k for k in obj if isinstance(k, str)}
    used: set = set()
    for name in PUBLISHED_FIELDS:
        key = lower.get(name)
        if key is not None and obj[key] not in (None, ""):
            used.add(key)
            set_published(fields, obj[key], meta, f'field "{key}"')
            if key != "published" and "published" in fields:
                meta["published_from"] = key
            break
    for name in CRAWL_FIELDS:
        key = lower.get(name)
        if key is not None and obj[key] not in (None, ""):
            used.add(key)
            meta["crawled"] = obj[key]  # when it was fetched, not when it was published
            meta["crawled_from"] = key
            break
    if obj.get("author"):
        meta["author"] = obj["author"]
    extra = {k: v for k, v in obj.items() if k not in _KNOWN and k not in used and k != text_field}
    if extra:
        meta["extra"] = extra
    return text, fields, meta


def parse_json_line(line: bytes | str) -> Any:
    """json.loads with a one-line error reason."""
    try:
        s = line.decode("utf-8") if isinstance(line, bytes) else line
    except UnicodeDecodeError as e:
        raise IngestError(f"not valid UTF-8 (byte {e.start})") from None
    try:
        return json.loads(s)
    except json.JSONDecodeError as e:
        raise IngestError(f"not valid JSON: {e.msg} (column {e.colno})") from None
