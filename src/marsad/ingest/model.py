"""The records the ingest layer hands to the pipeline: one ``Item`` per article read, one
``Failure`` per input that could not be read (with enough to act on it and retry it)."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from marsad.document import Document
from marsad.text.normalize import normalize

#: Failure.raw keeps at most this many bytes of the input (the first MiB); when the input is a
#: file that can be re-read from ``Failure.location`` (or the key), ``raw`` is None.
FAILURE_RAW_CAP = 1 << 20

_WS = re.compile(r"\s+")


def content_hash(text: str) -> str:
    """sha256 hex of the matching form of ``text``: normalised (hamza/alef forms, diacritics,
    tatweel, digits…) and whitespace collapsed, so the same article re-typed or re-wrapped hashes
    the same."""
    key = _WS.sub(" ", normalize(text)).strip()
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def content_id(content_hash: str) -> str:
    """The id a document is stored under: derived from its content, so ids given by different
    sources (two JSONL files both with "id": 1) never collide."""
    return "d" + content_hash[:16]


@dataclass
class Item:
    """One article read from a source, before the pipeline."""
    key: str  # "/real/path", "/real/path:LINE" (jsonl), "/real/path#N" (feed entry, 1-based), "<stdin>:HASH"…
    text: str  # cleaned text (web litter removed) -> Document.text
    raw: str  # the decoded input as read (for html the html; for a jsonl line the line)
    title: str | None = None
    published: dt.date | None = None
    url: str | None = None
    outlet: str | None = None
    external_id: str | None = None
    content_hash: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.content_hash:
            self.content_hash = content_hash(self.text)

    @property
    def warnings(self) -> list[str]:
        """One-line notes about what was read but not used (a publication date that is not a date,
        a broken sidecar, a feed that is not well-formed…); the item itself is fine. The CLI prints
        them as ``warning KEY: MESSAGE``."""
        return list(self.meta.get("warnings") or [])

    @property
    def doc_id(self) -> str:
        """The source's own id where it gives one (extract echoes it), else the content id."""
        return self.external_id or content_id(self.content_hash)

    def to_document(self) -> Document:
        meta = dict(self.meta)
        meta["content_hash"] = self.content_hash
        return Document(
            id=self.doc_id,
            text=self.text,
            title=self.title,
            published=self.published,
            url=self.url,
            outlet=self.outlet,
            source=self.key,
            meta=meta,
        )


@dataclass
class Failure:
    """An input (file, jsonl line, feed entry) that could not be turned into an Item."""
    key: str
    reason: str  # one line naming the problem, e.g. "binary file (NUL bytes at offset 12)"
    raw: bytes | None = None  # first FAILURE_RAW_CAP bytes, or None when re-readable from location
    location: str | None = None  # path where the raw input lives

    def __post_init__(self) -> None:
        self.reason = " ".join(str(self.reason).split())  # always one line
        if self.raw is not None and len(self.raw) > FAILURE_RAW_CAP:
            self.raw = self.raw[:FAILURE_RAW_CAP]

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}"


class IngestError(Exception):
    """Raised inside the readers; turned into a Failure with the item's key."""
