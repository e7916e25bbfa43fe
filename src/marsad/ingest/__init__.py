"""Ingest: read sources (txt, html, jsonl, RSS/Atom; files, folders, stdin), decode, remove web
litter, collect metadata, hash content, and find near-duplicates. See sources.read_sources."""
from .dedup import NearDuplicateIndex
from .litter import clean_text
from .metadata import parse_date
from .model import Failure, Item, content_hash
from .readers import FORMATS
from .sources import MAX_FILE_BYTES, MAX_TEXT_CHARS, count_sources, read_one, read_sources

__all__ = [
    "Item", "Failure", "read_sources", "read_one", "count_sources", "NearDuplicateIndex",
    "content_hash", "clean_text", "parse_date", "FORMATS", "MAX_FILE_BYTES", "MAX_TEXT_CHARS",
]
