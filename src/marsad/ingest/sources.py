"""Reading sources: files, folders (recursive), standard input; one Item per article, one Failure
per unreadable input. Nothing here raises for bad input: every problem becomes a Failure whose
reason is one line and whose key names the file (and line or entry).

Keys: ``path`` (txt/html, a .json object), ``path:LINE`` (jsonl, 1-based), ``path#N`` (feed entry or
.json array element, 1-based), where ``path`` is the file's absolute real path (os.path.realpath), so
``a.jsonl``, ``./a.jsonl`` and ``/tmp/x/a.jsonl`` name the same item and keys still work from another
working directory. Standard input has no path, so its keys carry a content hash (the first 12 hex
digits of sha256) and two different inputs never share a key: ``<stdin>:HASH`` (HASH of the whole
input), ``<stdin>:HASH#N`` (feed entry / array element of that input), ``<stdin>:HASH:LINE`` for a
JSON line, where HASH is that line's own bytes (without its line break: the stream is not held in
memory, so each line is keyed by what it says and where it stands).

Limits (module constants, overridable per call): txt/html files over MAX_FILE_BYTES fail as
"too large"; feeds and whole-.json files may be up to MAX_FEED_BYTES; jsonl is streamed line by
line (a line over MAX_LINE_BYTES fails alone); any article whose clean text is over MAX_TEXT_CHARS
fails as "article text too long". Failure.raw holds the first MiB of input that cannot be re-read
from a path (standard input, a jsonl line or .json element); it is None for whole files and feed
entries (re-read them by key). read_one re-reads a key from its file, or from kept raw bytes when
the file is gone.
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import os
import re
from typing import BinaryIO, Iterable, Iterator

from .decode import binary_reason, decode_bytes
from .litter import clean_text
from .metadata import merge, overrides, read_sidecar, sidecar_path
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


def file_key(path: str) -> str:
    """The key of a file: its absolute real path (symbolic links and '..' resolved)."""
    return os.path.realpath(path)


def stdin_key(data: bytes) -> str:
    """``<stdin>:HASH``: the first 12 hex digits of sha256(data)."""
    return f"{STDIN_KEY}:{_h12(data)}"


def _h12(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def iter_files(paths: Iterable[str]) -> Iterator[tuple[str, str, str | None]]:
    """(path, key, None) for each input file, (path, key, reason) for a path that yields nothing;
    key is the absolute real path ("-" for standard input)."""
    for p in paths:
        if p == "-":
            yield p, p, None
        elif os.path.isdir(p):
            found = False
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if _is_candidate(name):
                        found = True
                        f = os.path.join(root, name)
                        yield f, file_key(f), None
            if not found:
                yield p, file_key(p), "no article files in folder (looked for " + ", ".join(sorted(EXTENSIONS)) + ", .gz)"
        elif os.path.isfile(p):
            yield p, file_key(p), None
        elif os.path.exists(p):
            yield p, file_key(p), "not a regular file"
        else:
            yield p, file_key(p), "no such file or folder"


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
    def read_path(self, path: str, key: str | None = None) -> Iterator[Item | Failure]:
        """Read the file at ``path``; items are keyed (and located) by ``key`` (default: its real path)."""
        key = key or file_key(path)
        sidecar_at = (path, key)
        fmt = self.fmt or _format_of(path) or _format_of(key)
        try:
            if fmt == "jsonl" and not path.lower().endswith((".json", ".json.gz")):
                with _open(path) as f:
                    head = f.read(8192)
                    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
                        reason = binary_reason(head)
                        if reason:
                            yield Failure(key, reason.replace("not a text, HTML, JSONL or feed file", "not a JSONL file"),
                                          None, key)
                            return
                    sidecar = _sidecar(sidecar_at, {})
                    yield from self.read_jsonl(key, _Chain(head, f), location=key, sidecar=sidecar)
                return
            limit = MAX_FEED_BYTES if fmt in ("feed", "jsonl") else self.max_file_bytes
            if not path.endswith(".gz"):
                size = os.path.getsize(path)
                if size > limit:
                    yield Failure(key, f"too large ({_mb(size)} > {_mb(limit)} limit for {fmt or 'text'} files);"
                                        " split it or raise the limit", None, key)
                    return
            with _open(path) as f:
                data = f.read(limit + 1)
            if len(data) > limit:
                yield Failure(key, f"too large (over {_mb(limit)} decompressed, limit for {fmt or 'text'} files)", None, key)
                return
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            yield Failure(key, f"cannot read file: {type(e).__name__}: {e}", None, key)
            return
        yield from self.read_bytes(key, data, fmt, location=key, sidecar_at=sidecar_at)

    def read_stream(self, stream: BinaryIO) -> Iterator[Item | Failure]:
        """Standard input: JSON lines are streamed (keys ``<stdin>:LINEHASH:LINE``); anything else is
        read whole (key ``<stdin>:HASH``, entries ``<stdin>:HASH#N``)."""
        head = stream.read(65536)
        fmt = self.fmt or sniff(_peek_text(head))
        if fmt == "jsonl" and not head.lstrip().startswith(b"["):
            yield from self.read_jsonl(STDIN_KEY, _Chain(head, stream), location=None, sidecar={})
            return
        rest = stream.read(MAX_FEED_BYTES + 1 - len(head))
        data = head + rest
        key = stdin_key(data)
        if len(data) > MAX_FEED_BYTES:
            yield Failure(key, f"too large (over {_mb(MAX_FEED_BYTES)} on standard input)", data[:FAILURE_RAW_CAP], None)
            return
        yield from self.read_bytes(key, data, fmt, location=None)

    def read_bytes(self, key: str, data: bytes, fmt: str | None, location: str | None,
                   sidecar_at: tuple[str, ...] = (), keep_raw: bool | None = None) -> Iterator[Item | Failure]:
        """Items of one input held in memory. Failures keep the raw bytes when ``keep_raw`` (default:
        when there is no ``location`` to re-read them from)."""
        if keep_raw is None:
            keep_raw = location is None
        fail_raw = data[:FAILURE_RAW_CAP] if keep_raw else None
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
        if dmeta.get("nul_removed"):
            data = data.replace(b"\x00", b"")  # feedparser reads the bytes, not our text
        fmt = fmt or sniff(text)
        sidecar_meta: dict = {}
        sidecar = _sidecar(sidecar_at, sidecar_meta)
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
        else:
            raise ValueError(f"unknown format {fmt!r}")

    # ------------------------------------------------------------------ containers
    def read_jsonl(self, key: str, lines: Iterable[bytes], location: str | None, sidecar: dict) -> Iterator[Item | Failure]:
        any_line = False
        it = iter(lines)
        first = True
        whole = hashlib.sha256()  # names an all-blank standard input
        for n, line in enumerate(it, 1):
            whole.update(line)
            if first:
                first = False
                if line.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 JSONL: decode as a whole
                    data = line + b"".join(it)
                    try:
                        text, _ = decode_bytes(data)
                    except IngestError as e:
                        fkey = stdin_key(data) if key == STDIN_KEY else key
                        yield Failure(fkey, str(e), None if location else data[:FAILURE_RAW_CAP], location)
                        return
                    yield from self.read_jsonl(key, (ln.encode("utf-8") for ln in text.splitlines(True)), location, sidecar)
                    return
                line = line.removeprefix(b"\xef\xbb\xbf")
            if not line.strip():
                continue
            any_line = True
            lkey = _line_key(key, n, line)
            if len(line) > MAX_LINE_BYTES:
                yield Failure(lkey, f"line {n} too large ({_mb(len(line))} > {_mb(MAX_LINE_BYTES)} limit)", line[:FAILURE_RAW_CAP], location)
                continue
            extra = None
            if b"\x00" in line:  # stray NULs (binary input was stopped at the head): drop them
                extra = {"nul_removed": line.count(0)}
                line = line.replace(b"\x00", b"")
            yield self._json_item(lkey, line, f"line {n}", sidecar, location, extra_meta=extra)
        if not any_line:
            fkey = f"{STDIN_KEY}:{whole.hexdigest()[:12]}" if key == STDIN_KEY else key
            yield Failure(fkey, "empty (no JSON lines)", None, location)

    def _json_item(self, key: str, line: bytes | str, where: str, sidecar: dict, location: str | None,
                   obj=None, extra_meta: dict | None = None) -> Item | Failure:
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
        meta = {"format": "jsonl", **(extra_meta or {}), **meta}
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
                            [feed_fields, sidecar, fields], m, fail_raw, location)

    def reread_raw(self, key: str, path: str | None, raw: bytes) -> list[Item | Failure]:
        """Read kept ``raw`` bytes as the item ``key`` (of the file ``path``, gone, or of standard input)."""
        base, kind, n = _split_key(key, self.fmt, raw)
        sidecar_at = (path,) if path else ()
        location = path
        if kind == "line":
            sidecar = _sidecar(sidecar_at, {})
            return [self._json_item(key, raw, f"line {n}", sidecar, location)]
        fmt = self.fmt or (_format_of(base) if path else None) or sniff(_peek_text(raw[:65536]))
        if kind == "entry" and fmt == "jsonl" and raw.lstrip().startswith(b"{"):  # a .json element's own bytes
            return [self._json_item(key, raw, f"element {n}", _sidecar(sidecar_at, {}), location)]
        items = list(self.read_bytes(base, raw, fmt, location, sidecar_at=sidecar_at, keep_raw=True))
        if kind == "entry":
            return [i for i in items if i.key == key] or [Failure(key, f"the kept input has no item {n}", raw, location)]
        return items


_EOL = b"\r\n"


def _line_key(key: str, n: int, line: bytes) -> str:
    if key.startswith(STDIN_KEY):
        return f"{STDIN_KEY}:{_h12(line.rstrip(_EOL))}:{n}"
    return f"{key}:{n}"


def _sidecar(paths: tuple[str, ...], meta: dict) -> dict:
    """Fields of the first sidecar found next to one of ``paths`` (the path given, then the real one)."""
    for p in dict.fromkeys(paths):
        if p and sidecar_path(p):
            return read_sidecar(p, meta)
    return {}


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
    ``url`` override what sidecars and files say; ``fmt`` forces one of FORMATS (txt|html|jsonl|feed);
    ``text_field`` names the JSONL text field (default: text, then content/body/article).

    Bad options (an unknown ``fmt``, a ``published`` that is not a date) raise ValueError here, at
    the call, before anything is read; bad input never raises."""
    reader = _Reader(published=published, outlet=outlet, url=url, fmt=fmt, text_field=text_field,
                     max_file_bytes=max_file_bytes, max_text_chars=max_text_chars)
    return _read_all(reader, paths, stdin)


def _read_all(reader: _Reader, paths: list[str], stdin: BinaryIO | None) -> Iterator[Item | Failure]:
    for path, key, problem in iter_files(paths):
        if problem:
            yield Failure(key, problem, None, None)
        elif path == "-":
            if stdin is None:
                import sys
                stdin = sys.stdin.buffer
            yield from reader.read_stream(stdin)
        else:
            yield from reader.read_path(path, key)


_LINE_KEY = re.compile(r"^(.*):(\d+)$")
_ENTRY_KEY = re.compile(r"^(.*)#(\d+)$")
_STDIN_HASH = re.compile(r"^<stdin>:[0-9a-f]{12}$")


def read_one(key: str, raw: bytes | None = None, **options) -> list[Item | Failure]:
    """Re-read one item by its key (``failures --retry``): a whole file, one jsonl line, one feed
    entry or .json element; what comes back carries ``key`` unchanged. Files are re-read from
    disk; when a file is gone (or for standard input) the stored ``raw`` bytes (Failure.raw) are
    read instead, with the format of the key's extension (else sniffed), and without them the
    answer is a Failure saying so. ``options`` are those of read_sources (published, outlet, url,
    fmt, text_field, limits)."""
    reader = _Reader(**options)
    if key.startswith(STDIN_KEY):
        if raw is None:
            return [Failure(key, "cannot re-read standard input; retry with the stored raw bytes", None, None)]
        return reader.reread_raw(key, None, raw)
    if os.path.isfile(key):
        return list(reader.read_path(key, key))
    for pattern in (_LINE_KEY, _ENTRY_KEY):
        m = pattern.match(key)
        if m and os.path.isfile(m.group(1)):
            for it in reader.read_path(m.group(1), m.group(1)):
                if it.key == key:
                    return [it]
            return [Failure(key, f"{m.group(1)} no longer has item {m.group(2)}", None, m.group(1))]
    base = _split_key(key, reader.fmt, raw)[0]
    if raw is None:
        return [Failure(key, f"cannot re-read: file {base} is gone (no such file) and no raw bytes were kept",
                        None, base)]
    return reader.reread_raw(key, base, raw)


def _split_key(key: str, fmt: str | None, raw: bytes | None) -> tuple[str, str, int]:
    """(base, kind, n): kind "line" (jsonl line n), "entry" (feed entry / array element n) or "whole"."""
    m = _LINE_KEY.match(key)
    if m and not _STDIN_HASH.match(key):
        base_fmt = fmt or _format_of(m.group(1)) or (sniff(_peek_text(raw[:4096])) if raw else None)
        if base_fmt == "jsonl" or m.group(1).startswith(STDIN_KEY):
            return m.group(1), "line", int(m.group(2))
    m = _ENTRY_KEY.match(key)
    if m:
        return m.group(1), "entry", int(m.group(2))
    return key, "whole", 0


def count_sources(paths: list[str]) -> int:
    """Cheap estimate of the number of items: 1 per file, non-blank lines for jsonl, <item>/<entry>
    tags for feeds, 1 for standard input."""
    total = 0
    for path, _key, problem in iter_files(paths):
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
