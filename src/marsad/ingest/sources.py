"""Reading sources: files, folders (recursive), standard input; one Item per article, one Failure
per unreadable input. Nothing here raises for bad input: every problem becomes a Failure whose
reason is one line and whose key names the file (and line or entry).

Keys: ``path`` (txt/html, a .json object), ``path:LINE`` (jsonl, 1-based), ``path#N`` (feed entry or
.json array element, 1-based), ``<stdin>``, ``<stdin>:LINE``, ``<stdin>#N``.

Limits (module constants, overridable per call): txt/html files over MAX_FILE_BYTES fail as
"too large"; feeds and whole-.json files may be up to MAX_FEED_BYTES; jsonl is streamed line by
line (a line over MAX_LINE_BYTES fails alone); any article whose clean text is over MAX_TEXT_CHARS
fails as "article text too long". Failure.raw holds the first MiB of input that cannot be re-read
from a path (standard input, a jsonl line); it is None for files (re-read them by key).
"""
from __future__ import annotations

import datetime as dt
import gzip
import io
import os
import re
from typing import BinaryIO, Iterable, Iterator

from .decode import decode_bytes
from .litter import clean_text
from .metadata import merge, overrides, read_sidecar
from .model import FAILURE_RAW_CAP, Failure, IngestError, Item
from .readers import EXTENSIONS, FORMATS, feed_entries, html_article, json_record, parse_json_line, sniff

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FEED_BYTES = 100 * 1024 * 1024
MAX_LINE_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 500_000
STDIN_KEY = "<stdin>"

_TITLE_MAX_CHARS = 150
_TITLE_MAX_WORDS = 20


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _format_of(path: str) -> str | None:
    p = path.lower()
    if p.endswith(".gz"):
        p = p[:-3]
    return EXTENSIONS.get(os.path.splitext(p)[1])


def _is_candidate(name: str) -> bool:
    if name.startswith(".") or name.lower().endswith(".meta.json"):
        return False
    low = name.lower()[:-3] if name.lower().endswith(".gz") else name.lower()
    ext = os.path.splitext(low)[1]
    return ext in EXTENSIONS or ext == ""


def iter_files(paths: Iterable[str]) -> Iterator[tuple[str, str | None]]:
    """(path, None) for each input file; (path, reason) for a path that yields nothing."""
    for p in paths:
        if p == "-":
            yield p, None
        elif os.path.isdir(p):
            found = False
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if _is_candidate(name):
                        found = True
                        yield os.path.join(root, name), None
            if not found:
                yield p, "no article files in folder (looked for " + ", ".join(sorted(EXTENSIONS)) + ", .gz)"
        elif os.path.isfile(p):
            yield p, None
        elif os.path.exists(p):
            yield p, "not a regular file"
        else:
            yield p, "no such file or folder"


class _Reader:
    def __init__(self, *, published=None, outlet=None, url=None, fmt=None, text_field=None,
                 max_file_bytes=MAX_FILE_BYTES, max_text_chars=MAX_TEXT_CHARS):
        if fmt is not None and fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        self.override = overrides(published, outlet, url)
        self.fmt = fmt
        self.text_field = text_field
        self.max_file_bytes = max_file_bytes
        self.max_text_chars = max_text_chars

    # ------------------------------------------------------------------ items
    def item(self, key: str, text: str, raw: str, layers: list[dict], meta: dict,
             fail_raw: bytes | None, location: str | None, guess_title: bool = False) -> Item | Failure:
        if not text.strip():
            return Failure(key, "empty (no text)" if meta.get("format") != "html" else "no article text found in HTML",
                           fail_raw, location)
        clean, removed = clean_text(text)
        if not clean.strip():
            return Failure(key, "no article text left after removing web litter (comment/share/related lines only)",
                           fail_raw, location)
        if len(clean) > self.max_text_chars:
            return Failure(key, f"article text too long ({len(clean):,} characters > {self.max_text_chars:,} limit);"
                                " split it or raise max_text_chars", fail_raw, location)
        if removed:
            meta["litter_removed"] = removed
        fields = merge(*layers, self.override)
        if guess_title and "title" not in fields:
            first, _, rest = clean.partition("\n")
            first = first.strip()
            if rest.strip() and first and len(first) <= _TITLE_MAX_CHARS and len(first.split()) <= _TITLE_MAX_WORDS \
                    and not first.endswith(tuple(".!?؟…:،,")):
                fields["title"] = first
                meta["title_from"] = "first line"
        fields.pop("_warning", None)
        return Item(key=key, text=clean, raw=raw, meta=meta, **{k: fields.get(k) for k in
                    ("title", "published", "url", "outlet", "external_id")})

    # ------------------------------------------------------------------ entry points
    def read_path(self, path: str) -> Iterator[Item | Failure]:
        fmt = self.fmt or _format_of(path)
        try:
            if fmt == "jsonl" and not path.lower().endswith((".json", ".json.gz")):
                with _open(path) as f:
                    head = f.read(8192)
                    nul = head.find(b"\x00")
                    if nul >= 0 and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
                        yield Failure(path, f"binary file (NUL bytes, first at offset {nul}); not a JSONL file", None, path)
                        return
                    yield from self.read_jsonl(path, _Chain(head, f), location=path, sidecar=read_sidecar(path, {}))
                return
            limit = MAX_FEED_BYTES if fmt in ("feed", "jsonl") else self.max_file_bytes
            if not path.endswith(".gz"):
                size = os.path.getsize(path)
                if size > limit:
                    yield Failure(path, f"too large ({_mb(size)} > {_mb(limit)} limit for {fmt or 'text'} files);"
                                        " split it or raise the limit", None, path)
                    return
            with _open(path) as f:
                data = f.read(limit + 1)
            if len(data) > limit:
                yield Failure(path, f"too large (over {_mb(limit)} decompressed, limit for {fmt or 'text'} files)", None, path)
                return
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            yield Failure(path, f"cannot read file: {type(e).__name__}: {e}", None, path)
            return
        yield from self.read_bytes(path, data, fmt, location=path)

    def read_stream(self, stream: BinaryIO, key: str = STDIN_KEY) -> Iterator[Item | Failure]:
        head = stream.read(65536)
        fmt = self.fmt or sniff(_peek_text(head))
        if fmt == "jsonl" and not head.lstrip().startswith(b"["):
            yield from self.read_jsonl(key, _Chain(head, stream), location=None, sidecar={})
            return
        rest = stream.read(MAX_FEED_BYTES + 1 - len(head))
        data = head + rest
        if len(data) > MAX_FEED_BYTES:
            yield Failure(key, f"too large (over {_mb(MAX_FEED_BYTES)} on standard input)", data[:FAILURE_RAW_CAP], None)
            return
        yield from self.read_bytes(key, data, fmt, location=None)

    def read_bytes(self, key: str, data: bytes, fmt: str | None, location: str | None) -> Iterator[Item | Failure]:
        fail_raw = None if location else data[:FAILURE_RAW_CAP]
        if not data.strip():
            yield Failure(key, "empty file (0 bytes)" if not data else "empty (whitespace only)", fail_raw, location)
            return
        try:
            text, dmeta = decode_bytes(data)
        except IngestError as e:
            # feedparser decodes feeds itself (XML declaration): only binary input stops a feed here
            if fmt != "feed" or str(e).startswith("binary"):
                yield Failure(key, str(e), fail_raw, location)
                return
            text, dmeta = "", {}
        if fmt != "feed" and not text.strip():
            yield Failure(key, "empty (whitespace only)", fail_raw, location)
            return
        fmt = fmt or sniff(text)
        sidecar_meta: dict = {}
        sidecar = read_sidecar(location, sidecar_meta) if location else {}
        meta = {"format": fmt, **dmeta, **sidecar_meta}
        if fmt == "txt":
            yield self.item(key, text, text, [sidecar], meta, fail_raw, location, guess_title=True)
        elif fmt == "html":
            body, fields, hmeta = html_article(text, url=self.override.get("url") or sidecar.get("url"))
            meta.update(hmeta)
            yield self.item(key, body, text, [fields, sidecar], meta, fail_raw, location)
        elif fmt == "jsonl":
            yield from self.read_json_document(key, text, meta, sidecar, fail_raw, location)
        elif fmt == "feed":
            yield from self.read_feed(key, data, meta, sidecar, fail_raw, location)

    # ------------------------------------------------------------------ containers
    def read_jsonl(self, key: str, lines: Iterable[bytes], location: str | None, sidecar: dict) -> Iterator[Item | Failure]:
        any_line = False
        it = iter(lines)
        first = True
        for n, line in enumerate(it, 1):
            if first:
                first = False
                if line.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 JSONL: decode as a whole
                    data = line + b"".join(it)
                    try:
                        text, _ = decode_bytes(data)
                    except IngestError as e:
                        yield Failure(key, str(e), None if location else data[:FAILURE_RAW_CAP], location)
                        return
                    yield from self.read_jsonl(key, (ln.encode("utf-8") for ln in text.splitlines(True)), location, sidecar)
                    return
                line = line.removeprefix(b"\xef\xbb\xbf")
            if not line.strip():
                continue
            any_line = True
            lkey = f"{key}:{n}"
            if len(line) > MAX_LINE_BYTES:
                yield Failure(lkey, f"line {n} too large ({_mb(len(line))} > {_mb(MAX_LINE_BYTES)} limit)", line[:FAILURE_RAW_CAP], location)
                continue
            yield self._json_item(lkey, line, f"line {n}", sidecar, location)
        if not any_line:
            yield Failure(key, "empty (no JSON lines)", None, location)

    def _json_item(self, key: str, line: bytes | str, where: str, sidecar: dict, location: str | None,
                   obj=None) -> Item | Failure:
        raw_bytes = line.encode("utf-8") if isinstance(line, str) else line
        try:
            if obj is None:
                obj = parse_json_line(line)
            text, fields, meta = json_record(obj, self.text_field)
        except IngestError as e:
            return Failure(key, f"{where}: {e}", raw_bytes[:FAILURE_RAW_CAP], location)
        if not text.strip():
            return Failure(key, f'{where}: empty "{meta.get("text_from", "text")}" field', raw_bytes[:FAILURE_RAW_CAP], location)
        raw = line.decode("utf-8") if isinstance(line, bytes) else line
        meta = {"format": "jsonl", **meta}
        return self.item(key, text, raw.rstrip("\r\n"), [sidecar, fields], meta, raw_bytes[:FAILURE_RAW_CAP], location)

    def read_json_document(self, key, text, meta, sidecar, fail_raw, location) -> Iterator[Item | Failure]:
        """A .json file / '['-input: an array of articles or one object; else read as JSON lines."""
        import json

        try:
            obj = json.loads(text)
        except ValueError:
            yield from self.read_jsonl(key, (ln.encode("utf-8") for ln in text.splitlines(True)), location, sidecar)
            return
        if isinstance(obj, dict):
            yield self._json_item(key, text, "JSON object", sidecar, location, obj=obj)
        elif isinstance(obj, list):
            if not obj:
                yield Failure(key, "empty JSON array", fail_raw, location)
            for n, el in enumerate(obj, 1):
                yield self._json_item(f"{key}#{n}", json.dumps(el, ensure_ascii=False), f"element {n}", sidecar, location, obj=el)
        else:
            yield Failure(key, f"JSON is a {type(obj).__name__}, expected an object or an array of objects", fail_raw, location)

    def read_feed(self, key, data, meta, sidecar, fail_raw, location) -> Iterator[Item | Failure]:
        try:
            feed_fields, entries = feed_entries(data)
        except IngestError as e:
            yield Failure(key, str(e), fail_raw, location)
            return
        if "_warning" in feed_fields:
            meta.setdefault("warnings", []).append(feed_fields["_warning"])
        raw_all = None
        for n, (fields, body, emeta) in enumerate(entries, 1):
            ekey = f"{key}#{n}"
            if not body.strip():
                yield Failure(ekey, f"feed entry {n} has no content or summary text", fail_raw, location)
                continue
            if raw_all is None:
                raw_all = data.decode("utf-8", errors="replace")
            m = {**meta, **emeta, "entry": n}
            yield self.item(ekey, body, raw_all if len(entries) == 1 else _entry_raw(raw_all, n, body),
                            [feed_fields, sidecar, fields], m, None if location else data[:FAILURE_RAW_CAP], location)


def _entry_raw(feed_text: str, n: int, body: str) -> str:
    """The entry's own XML when it can be cut out (n-th <item> or <entry>), else the whole feed."""
    for tag in ("item", "entry"):
        parts = list(re.finditer(rf"<{tag}\b.*?</{tag}>", feed_text, re.S | re.I))
        if len(parts) >= n:
            return parts[n - 1].group(0)
    return feed_text


class _Chain:
    """Iterate lines of ``head`` + the rest of ``stream`` without reading it all."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self.head, self.stream = head, stream

    def __iter__(self) -> Iterator[bytes]:
        buf = io.BytesIO(self.head)
        pending = b""
        for line in buf:
            if line.endswith(b"\n"):
                yield pending + line
                pending = b""
            else:
                pending += line
        for line in self.stream:
            if pending:
                line, pending = pending + line, b""
            yield line
        if pending:
            yield pending


def _peek_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")
    return head.decode("utf-8", errors="ignore")


def _open(path: str) -> BinaryIO:
    if path.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


# ---------------------------------------------------------------------------- public API
def read_sources(paths: list[str], *, published: dt.date | str | None = None, outlet: str | None = None,
                 url: str | None = None, stdin: BinaryIO | None = None, fmt: str | None = None,
                 text_field: str | None = None, max_file_bytes: int = MAX_FILE_BYTES,
                 max_text_chars: int = MAX_TEXT_CHARS) -> Iterator[Item | Failure]:
    """Yield an Item per article and a Failure per unreadable input, in input order (folders in
    sorted order). ``"-"`` reads ``stdin`` (default: sys.stdin.buffer). ``published``/``outlet``/
    ``url`` override what sidecars and files say; ``fmt`` forces txt|html|jsonl|feed; ``text_field``
    names the JSONL text field (default: text, then content/body/article)."""
    reader = _Reader(published=published, outlet=outlet, url=url, fmt=fmt, text_field=text_field,
                     max_file_bytes=max_file_bytes, max_text_chars=max_text_chars)
    for path, problem in iter_files(paths):
        if problem:
            yield Failure(path, problem, None, None)
        elif path == "-":
            if stdin is None:
                import sys
                stdin = sys.stdin.buffer
            yield from reader.read_stream(stdin)
        else:
            yield from reader.read_path(path)


_LINE_KEY = re.compile(r"^(.*):(\d+)$")
_ENTRY_KEY = re.compile(r"^(.*)#(\d+)$")


def read_one(key: str, raw: bytes | None = None, **options) -> list[Item | Failure]:
    """Re-read one item by its key (``failures --retry``): a whole file, one jsonl line, one feed
    entry. Standard-input keys need the stored ``raw`` bytes (Failure.raw). ``options`` are those of
    read_sources (published, outlet, url, fmt, text_field, limits)."""
    reader = _Reader(**options)
    if key.startswith(STDIN_KEY):
        if raw is None:
            return [Failure(key, "cannot re-read standard input; retry with the stored raw bytes", None, None)]
        if _LINE_KEY.match(key):
            return [reader._json_item(key, raw, "line " + key.rsplit(":", 1)[1], {}, None)]
        wanted = key
        items = list(reader.read_bytes(STDIN_KEY, raw, reader.fmt or sniff(_peek_text(raw[:65536])), None))
        return [i for i in items if i.key == wanted] or items
    if os.path.isfile(key):
        return list(reader.read_path(key))
    for pattern in (_LINE_KEY, _ENTRY_KEY):
        m = pattern.match(key)
        if m and os.path.isfile(m.group(1)):
            for it in reader.read_path(m.group(1)):
                if it.key == key:
                    return [it]
            return [Failure(key, f"{m.group(1)} no longer has item {m.group(2)}", None, m.group(1))]
    return [Failure(key, "cannot re-read: file not found", None, None)]


def count_sources(paths: list[str]) -> int:
    """Cheap estimate of the number of items: 1 per file, non-blank lines for jsonl, <item>/<entry>
    tags for feeds, 1 for standard input."""
    total = 0
    for path, problem in iter_files(paths):
        if problem or path == "-":
            total += 1
            continue
        fmt = _format_of(path)
        try:
            if fmt == "jsonl" and not path.lower().endswith((".json", ".json.gz")):
                with _open(path) as f:
                    total += max(1, sum(1 for line in f if line.strip()))
            elif fmt == "feed" and os.path.getsize(path) <= MAX_FEED_BYTES:
                with _open(path) as f:
                    data = f.read()
                total += max(1, len(re.findall(rb"<(?:item|entry)\b", data)))
            else:
                total += 1
        except (OSError, EOFError):
            total += 1
    return total
