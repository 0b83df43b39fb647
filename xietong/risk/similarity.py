"""Near-identical facts: which new disputes tell the same story (see docs/risk.md, "facts cluster").

The facts are normalised (NFKC, case-folded, every run of digits one `0`, spaces and punctuation
removed, so amounts, dates and card numbers do not tell two stories apart), cut into overlapping
character shingles of `SHINGLE` characters (Chinese has no spaces to cut words at), and compared by
the Jaccard similarity of their shingle sets. Candidate pairs come from MinHash with locality-
sensitive hashing (Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3,
as implemented by `datasketch`), so a month of disputes is not compared pair by pair; every
candidate pair is then checked with the exact Jaccard similarity. Disputes joined by pairs at or
above the threshold form a group (single linkage).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SHINGLE = 3  # characters
THRESHOLD = 0.7  # Jaccard similarity of the shingle sets
NUM_PERM = 128  # MinHash permutations
MIN_SHINGLES = 12  # shorter facts ("逾期未还") say too little to be near-identical to anything
SEED = 1

_DIGITS = re.compile(r"\d(?:[\d,.]*\d)?")  # 80,000.00 is one number


@dataclass(frozen=True)
class SimilarityParams:
    shingle: int = SHINGLE
    threshold: float = THRESHOLD
    num_perm: int = NUM_PERM
    min_shingles: int = MIN_SHINGLES

    def as_dict(self) -> dict[str, Any]:
        return {
            "shingle_chars": self.shingle,
            "jaccard_threshold": self.threshold,
            "minhash_permutations": self.num_perm,
            "min_shingles": self.min_shingles,
            "linkage": "single",
        }


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    folded = _DIGITS.sub("0", folded)
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    t = normalise(text)
    if len(t) < k:
        return {t} if t else set()
    return {t[i : i + k] for i in range(len(t) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def similar_groups(texts: Iterable[tuple[int, str]], params: SimilarityParams | None = None) -> list[list[int]]:
    """Groups (of two or more ids, each sorted, the groups by their first id) of near-identical texts."""
    from datasketch import MinHash, MinHashLSH

    p = params or SimilarityParams()
    sets: dict[int, set[str]] = {}
    for key, text in texts:
        s = shingles(text, p.shingle)
        if len(s) >= p.min_shingles:
            sets[key] = s
    if len(sets) < 2:
        return []
    keys = list(sets)
    hashes = MinHash.bulk(([x.encode() for x in sets[k]] for k in keys), num_perm=p.num_perm, seed=SEED)
    lsh = MinHashLSH(threshold=p.threshold, num_perm=p.num_perm)
    for k, m in zip(keys, hashes, strict=True):
        lsh.insert(k, m)
    parent = {k: k for k in keys}

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for k, m in zip(keys, hashes, strict=True):
        for other in lsh.query(m):
            if other != k and find(other) != find(k) and jaccard(sets[k], sets[other]) >= p.threshold:
                parent[find(other)] = find(k)
    groups: dict[int, list[int]] = {}
    for k in keys:
        groups.setdefault(find(k), []).append(k)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def resembles(text: str, others: Iterable[str], params: SimilarityParams | None = None) -> bool:
    """Whether `text` is near-identical to any of `others` (exact Jaccard; for a handful of texts)."""
    p = params or SimilarityParams()
    mine = shingles(text, p.shingle)
    if len(mine) < p.min_shingles:
        return False
    return any(jaccard(mine, shingles(o, p.shingle)) >= p.threshold for o in others)
