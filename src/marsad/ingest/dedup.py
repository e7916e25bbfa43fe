"""Near-duplicate detection: MinHash over 3-word shingles of normalised words, MinHashLSH at a
Jaccard threshold (0.8 by default). Signatures are bytes so the caller can store them."""
from __future__ import annotations

import re

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from marsad.text.normalize import normalize

_WORD = re.compile(r"\w+")
SHINGLE = 3
_SEED = 1


def shingles(text: str, k: int = SHINGLE) -> set[bytes]:
    words = _WORD.findall(normalize(text).lower())
    if len(words) < k:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i:i + k]).encode("utf-8") for i in range(len(words) - k + 1)}


class NearDuplicateIndex:
    """Add documents' signatures; query returns the id of an added document whose estimated
    Jaccard similarity (over word 3-shingles) is >= threshold, or None."""

    def __init__(self, threshold: float = 0.8, num_perm: int = 128):
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._hashes: dict[str, LeanMinHash] = {}

    def _minhash(self, text: str) -> LeanMinHash:
        m = MinHash(num_perm=self.num_perm, seed=_SEED)
        sh = shingles(text)
        if sh:
            m.update_batch(list(sh))
        return LeanMinHash(m)

    def signature(self, text: str) -> bytes:
        lm = self._minhash(text)
        buf = bytearray(lm.bytesize())
        lm.serialize(buf)
        return bytes(buf)

    def _load(self, signature: bytes) -> LeanMinHash:
        lm = LeanMinHash.deserialize(bytearray(signature))
        if len(lm.hashvalues) != self.num_perm:
            raise ValueError(f"signature has {len(lm.hashvalues)} permutations, index uses {self.num_perm}")
        return lm

    def add(self, doc_id: str, signature: bytes) -> None:
        if doc_id in self._hashes:
            return
        lm = self._load(signature)
        self._hashes[doc_id] = lm
        self._lsh.insert(doc_id, lm)

    def query(self, signature: bytes) -> str | None:
        lm = self._load(signature)
        if np.all(lm.hashvalues == np.uint64((1 << 32) - 1)):  # empty text: nothing to compare
            return None
        best, best_j = None, 0.0
        for cand in self._lsh.query(lm):
            j = lm.jaccard(self._hashes[cand])
            if j >= self.threshold and (j > best_j or (j == best_j and str(cand) < str(best))):
                best, best_j = cand, j
        return best

    def similarity(self, a: bytes, b: bytes) -> float:
        return float(self._load(a).jaccard(self._load(b)))

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._hashes
