"""Story clustering: articles about the same happening grouped incrementally, as they arrive.

Two signals, as in news-event detection practice:
- shared text: MinHash over word 3-shingles (the signature ingest already computes for
  near-duplicates) at a lower Jaccard threshold finds rewrites of one agency dispatch;
- the same headline in other words: a USE multilingual sentence vector of the title (or the lead when
  the title is missing or short) against each story's mean vector, counted only when the document
  also names an entity the story names (so "rescue of a child in Tabuk" does not join "… in Jazan")
  and falls within a few days of the story.
A near-duplicate joins its original's story. Everything here is in memory; ``repo`` stores it.
"""
from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from marsad.crossdoc import params
from marsad.document import Document


def story_text(doc: Document, p: dict[str, Any] | None = None) -> str:
    """The text whose vector stands for the document: its title, or its lead when the title is short."""
    p = p or params()["stories"]
    title = (doc.title or "").strip()
    if len(title.split()) >= p["title_min_words"]:
        return title
    lead = doc.text[: doc.sentences[0].end] if doc.sentences else doc.text
    return " ".join(lead[: p["lead_chars"]].split()) or title


def story_vector(doc: Document) -> np.ndarray | None:
    """Unit 512-d vector of ``story_text`` (one text per call: batching changes the float rounding,
    and the Dask run must compute exactly what the single-process run computes)."""
    from marsad.text.vectors import sentence_encoder

    text = story_text(doc)
    if not text:
        return None
    return np.asarray(sentence_encoder().encode([text])[0], dtype=np.float32)


def doc_entities(doc: Document) -> Counter[str]:
    return Counter(m.entity_id for m in doc.mentions if m.entity_id)


def pack_vector(v: np.ndarray) -> str:
    return base64.b64encode(v.astype(np.float16).tobytes()).decode("ascii")


def unpack_vector(s: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), dtype=np.float16).astype(np.float32)


@dataclass
class Story:
    id: int
    title: str | None
    first: dt.date | None
    last: dt.date | None
    size: int
    vsum: np.ndarray | None  # sum of member vectors, rounded to float16 as stored
    entities: Counter[str] = field(default_factory=Counter)

    def meta(self) -> dict[str, Any]:
        return {"vsum": pack_vector(self.vsum) if self.vsum is not None else None,
                "entities": dict(self.entities)}


@dataclass(frozen=True)
class StoryDecision:
    story_id: int | None  # None: a new story
    reason: str  # near-duplicate | shingles | vector | new
    score: float = 0.0


class StoryIndex:
    def __init__(self, p: dict[str, Any] | None = None, num_perm: int = 128) -> None:
        self.p = p or params()["stories"]
        self.num_perm = num_perm
        self.lsh = MinHashLSH(threshold=self.p["shingle_jaccard"], num_perm=num_perm)
        self.sigs: dict[str, LeanMinHash] = {}
        self.story_of: dict[str, int] = {}
        self.stories: dict[int, Story] = {}
        self._ignore = tuple(self.p["overlap_ignores"])
        # story vectors as one matrix, so a document is compared with all stories in one product
        self._ids: list[int] = []
        self._row: dict[int, int] = {}
        self._mat = np.zeros((0, 512), dtype=np.float32)

    # -- state ----------------------------------------------------------------------------------

    def put_story(self, story: Story) -> None:
        self.stories[story.id] = story
        if story.vsum is None:
            return
        row = self._row.get(story.id)
        if row is None:
            row = len(self._ids)
            if row >= len(self._mat):  # grow by doubling
                grown = np.zeros((max(64, 2 * len(self._mat)), 512), dtype=np.float32)
                grown[: len(self._mat)] = self._mat
                self._mat = grown
            self._ids.append(story.id)
            self._row[story.id] = row
        n = float(np.linalg.norm(story.vsum))
        self._mat[row] = story.vsum / n if n else 0.0

    def put_member(self, doc_id: str, story_id: int, signature: bytes | None) -> None:
        self.story_of[doc_id] = story_id
        if signature is not None and doc_id not in self.sigs:
            lm = LeanMinHash.deserialize(bytearray(signature))
            self.sigs[doc_id] = lm
            self.lsh.insert(doc_id, lm)

    # -- decisions ------------------------------------------------------------------------------

    def _date_ok(self, s: Story, day: dt.date | None) -> bool:
        if day is None or s.first is None or s.last is None:
            return False
        w = dt.timedelta(days=self.p["window_days"])
        return s.first - w <= day <= s.last + w

    def decide(self, *, published: dt.date | None, signature: bytes | None, vector: np.ndarray | None,
               entities: Counter[str], duplicate_of: str | None) -> StoryDecision:
        if duplicate_of and duplicate_of in self.story_of:
            return StoryDecision(self.story_of[duplicate_of], "near-duplicate", 1.0)
        if signature is not None:
            lm = LeanMinHash.deserialize(bytearray(signature))
            best: tuple[float, int] | None = None
            for cand in self.lsh.query(lm):
                sid = self.story_of.get(cand)
                s = self.stories.get(sid) if sid is not None else None
                if s is None or (published is not None and s.first is not None and not self._date_ok(s, published)):
                    continue
                j = float(lm.jaccard(self.sigs[cand]))
                if j >= self.p["shingle_jaccard"] and (best is None or (j, -sid) > (best[0], -best[1])):
                    best = (j, sid)
            if best is not None:
                return StoryDecision(best[1], "shingles", round(best[0], 4))
        if vector is not None and published is not None and self._ids:
            cos = self._mat[: len(self._ids)] @ vector
            own = {e for e in entities if not e.startswith(self._ignore)}
            for row in np.argsort(-cos, kind="stable"):
                if cos[row] < self.p["vector_cosine"]:
                    break
                s = self.stories[self._ids[row]]
                if self._date_ok(s, published) and own & set(s.entities):
                    return StoryDecision(s.id, "vector", round(float(cos[row]), 4))
        return StoryDecision(None, "new")

    def updated(self, story: Story | None, new_id: int | None, *, title: str | None,
                published: dt.date | None, vector: np.ndarray | None, entities: Counter[str]) -> Story:
        """The story after the document joins it (``story`` None: a new story with ``new_id``);
        the caller stores it, then ``put_story`` makes it current."""
        if story is None:
            story = Story(id=int(new_id), title=title, first=None, last=None, size=0, vsum=None)
        vsum = story.vsum
        if vector is not None:
            vsum = (vector if vsum is None else vsum + vector).astype(np.float16).astype(np.float32)
        ents = Counter(story.entities)
        ents.update(entities)
        keep = sorted(ents.items(), key=lambda kv: (-kv[1], kv[0]))[: self.p["story_entities"]]
        dates = [d for d in (story.first, story.last, published) if d is not None]
        return Story(id=story.id, title=story.title or title, first=min(dates) if dates else None,
                     last=max(dates) if dates else None, size=story.size + 1, vsum=vsum,
                     entities=Counter(dict(keep)))
