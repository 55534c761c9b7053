"""Stories: articles that are the same story (exact copies, or a wire text republished with its
own lede, a trimmed ending or site boilerplate around it) share a ``story_id``.

Each article gets a MinHash signature (datasketch) over its word 5-shingles. Locality-sensitive
hashing splits a signature into bands; two articles whose texts overlap enough share at least one
band with high probability, so candidates are found by band key (an index lookup, never a
comparison of all pairs), then confirmed by their estimated Jaccard similarity.

An article joins the story of its most similar earlier article (within the recent window), or
starts a story of its own: ``story_id`` is then its ``article_id``. Articles are taken in a fixed
order, so re-running a load gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS, ROWS = 42, 3  # LSH bands: texts with a Jaccard similarity of 0.25 share a band 45% of the time, of 0.5 99.5%
SAME_STORY = 0.5  # estimated shared shingles over the shorter text's, at or above which texts are one story
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def shingles(text: str) -> set[bytes]:
    """The text's overlapping runs of five words (lower case, punctuation ignored)."""
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


def signature(text: str) -> bytes:
    """The text's MinHash signature (128 × uint32) and its shingle count (uint32): 516 bytes."""
    from datasketch import MinHash

    grams = shingles(text)
    minhash = MinHash(num_perm=NUM_PERM, seed=1)
    minhash.update_batch(grams)
    return minhash.hashvalues.astype("<u4").tobytes() + len(grams).to_bytes(4, "little")


def band_keys(sig: bytes) -> list[int]:
    """One 64-bit key per band: two signatures share a key when that band's rows are equal."""
    values = np.frombuffer(sig[: NUM_PERM * 4], dtype="<u4")
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(band.to_bytes(2, "big") + values[band * ROWS : (band + 1) * ROWS].tobytes(),
                                 digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def similarity(a: bytes, b: bytes) -> float:
    """Estimated share of the shorter text's shingles that the other text has too (so a copy with
    its ending trimmed is as much the story as a whole copy): from the Jaccard similarity J (the
    share of equal MinHash rows) and the sizes, |A∩B| / min(|A|, |B|) = J(|A|+|B|) / ((1+J)·min)."""
    jaccard = float(np.mean(np.frombuffer(a[:-4], dtype="<u4") == np.frombuffer(b[:-4], dtype="<u4")))
    na, nb = int.from_bytes(a[-4:], "little"), int.from_bytes(b[-4:], "little")
    return min(1.0, jaccard * (na + nb) / ((1 + jaccard) * max(1, min(na, nb))))


@dataclass(frozen=True)
class Member:
    """An article of a known story (from the recent window, or earlier in this batch)."""

    article_id: int
    story_id: int
    signature: bytes


class StoryIndex:
    """Band key → members, for one batch plus the window candidates it was given."""

    def __init__(self, members: Iterable[tuple[int, Member]] = ()):
        self.by_band: dict[int, dict[int, Member]] = {}
        for key, member in members:
            self.by_band.setdefault(key, {})[member.article_id] = member

    def add(self, keys: Sequence[int], member: Member) -> None:
        for key in keys:
            self.by_band.setdefault(key, {})[member.article_id] = member

    def match(self, article_id: int, sig: bytes, keys: Sequence[int], threshold: float = SAME_STORY) -> int | None:
        """The story of the most similar known article (ties: the smallest story id, so the answer
        never depends on the order candidates come in), if similar enough."""
        candidates = {m.article_id: m for k in keys for m in self.by_band.get(k, {}).values() if m.article_id != article_id}
        scored = [(similarity(sig, m.signature), -m.story_id, m.story_id) for m in candidates.values()]
        best = max(scored, default=None)
        return best[2] if best and best[0] >= threshold else None


def assign(articles: Sequence[tuple[int, bytes]], index: StoryIndex, threshold: float = SAME_STORY) -> dict[int, int]:
    """``story_id`` per article of ``articles`` (``(article_id, signature)``, in the order they
    were published), matched against ``index`` and against each other; ``index`` learns them."""
    stories = {}
    for article_id, sig in articles:
        keys = band_keys(sig)
        story = index.match(article_id, sig, keys, threshold) or article_id
        stories[article_id] = story
        index.add(keys, Member(article_id, story, sig))
    return stories
