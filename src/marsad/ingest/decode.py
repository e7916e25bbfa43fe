"""Bytes -> text. Order: BOM (UTF-8/16/32), binary check (NUL bytes: UTF-16 without BOM, binary
when they are more than a small share, else dropped and counted in meta["nul_removed"]), strict UTF-8 (a multi-byte character cut
at the very end is dropped and noted), then charset-normalizer with an Arabic sanity check that
prefers Windows-1256 when it yields Arabic and the detected code page does not."""
from __future__ import annotations

import codecs
import re

from .model import IngestError

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_LETTER = re.compile(r"[^\W\d_]")
# C0 controls other than tab, LF, VT, FF, CR, plus DEL: a decoded text full of these is not text.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f\x7f]")
#: NUL bytes above this share of the input make it binary; above NUL_SHARE_WITH_CONTROLS, too, when
#: other control bytes are present. Fewer are stray (a bad export, a copy/paste) and are dropped.
NUL_SHARE = 0.01
NUL_SHARE_WITH_CONTROLS = 0.001


def binary_reason(data: bytes) -> str | None:
    """A one-line reason when ``data`` (not UTF-16) is binary because of its NUL bytes, else None.
    Looks at the first 2 MB."""
    sample = data[:2_000_000]
    nuls = sample.count(0)
    if not nuls:
        return None
    share = nuls / len(sample)
    if share > NUL_SHARE or (share > NUL_SHARE_WITH_CONTROLS and _CONTROL_BYTES.search(sample)):
        return f"binary file (NUL bytes, first at offset {sample.find(0)}); not a text, HTML, JSONL or feed file"
    return None


def _arabic_ratio(text: str) -> float:
    letters = len(_LETTER.findall(text))
    return len(_ARABIC.findall(text)) / letters if letters else 0.0


def _check_text(text: str, encoding: str) -> None:
    sample = text[:200_000]
    if sample and len(_CONTROL.findall(sample)) > max(2, len(sample) // 100):
        raise IngestError(f"binary file (control characters after decoding as {encoding})")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM: the NUL bytes sit almost all on one parity."""
    head = data[:65536]
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    half = len(head) // 2
    if half < 2:
        return None
    for enc, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        # Arabic UTF-16 has few NULs (U+06xx), Latin many: require NULs only on one side.
        if nuls > 0 and other == 0:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if not _CONTROL.search(text[:10000]):
                return text
    return None


def decode_bytes(data: bytes) -> tuple[str, dict]:
    """Decode ``data``; returns (text, meta) with meta["encoding"] and maybe meta["truncated_utf8"]
    or meta["nul_removed"] (how many stray NUL bytes were dropped).
    Raises IngestError with a one-line reason for binary or undecodable input."""
    meta: dict = {}
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(enc)
            except UnicodeDecodeError as e:
                raise IngestError(f"invalid {enc.upper()} after its byte-order mark (byte {e.start + len(bom)})") from None
            meta["encoding"] = enc + " (BOM)"
            if "\x00" in text and len(text) > 100 * text.count("\x00"):  # a few stray NULs: drop them
                meta["nul_removed"] = text.count("\x00")
                text = text.replace("\x00", "")
            _check_text(text, enc)
            return text, meta

    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            meta["encoding"] = "utf-16 (no BOM)"
            return text, meta
        reason = binary_reason(data)
        if reason:
            raise IngestError(reason)
        n = data.count(0)
        data = data.replace(b"\x00", b"")
        text, rest = decode_bytes(data)
        rest["nul_removed"] = n
        return text, rest

    try:
        text = data.decode("utf-8")
        meta["encoding"] = "utf-8"
        _check_text(text, "utf-8")
        return text, meta
    except UnicodeDecodeError as e:
        # A multi-byte character cut at the end of the file (truncated download, split file):
        # keep everything before it and say so.
        if e.reason == "unexpected end of data" and e.end == len(data) and len(data) - e.start < 4:
            text = data[: e.start].decode("utf-8")
            meta["encoding"] = "utf-8"
            meta["truncated_utf8"] = f"dropped {len(data) - e.start} byte(s) of a character cut at the end"
            _check_text(text, "utf-8")
            return text, meta
        utf8_error = e

    text, enc = _detect(data, utf8_error)
    return text, {"encoding": enc}


def _detect(data: bytes, utf8_error: UnicodeDecodeError) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:2_000_000]).best()
    cp1256_text = data.decode("cp1256", errors="replace")
    cp1256_ok = cp1256_text.count("\ufffd") == 0 and _arabic_ratio(cp1256_text[:100_000]) >= 0.5
    if best is not None:
        enc = best.encoding
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None and (_arabic_ratio(text[:100_000]) >= 0.5 or not cp1256_ok):
            _check_text(text, enc)
            return text, enc
    if cp1256_ok:
        _check_text(cp1256_text, "cp1256")
        return cp1256_text, "cp1256"
    raise IngestError(
        f"unknown text encoding: not UTF-8 (invalid byte at offset {utf8_error.start}), UTF-16 or Windows-1256;"
        " re-save the file as UTF-8"
    )
