"""Copied essays (雷同检测): near-duplicate passages between reflections, and between a
reflection and the texts the platform holds (lesson texts), by character-shingle MinHash with
LSH (datasketch), so checking thousands of essays stays fast.

Chinese has no spaces, so a text is compared as its 5-character shingles after dropping
punctuation and white space. Each essay is cut into passages (paragraphs, long ones into
windows); passages go into one LSH index; a passage pair the index proposes is confirmed by its
exact shingle Jaccard. Two essays on the same topic share words, rarely 5-character runs in
bulk, so they stay below the line. A flag is a hint to the reviewer, never a rejection."""

import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

SHINGLE = 5
NUM_PERM = 64
PASSAGE_MIN = 40  # characters of text; shorter passages say too little to compare
PASSAGE_MAX = 300
# Passage pairs at or above this exact Jaccard are flagged (a near-copy with a few words changed
# scores 0.5–0.9; two original essays on one topic score below 0.1).
FLAG_THRESHOLD = 0.45
LSH_THRESHOLD = 0.4

_DROP = re.compile(r"[\W_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


def normalise(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def shingles(text: str) -> set[str]:
    core = normalise(text)
    if len(core) < SHINGLE:
        return {core} if core else set()
    return {core[i : i + SHINGLE] for i in range(len(core) - SHINGLE + 1)}


def passages(text: str) -> list[str]:
    """Paragraphs, with long ones cut at sentence ends into windows of about PASSAGE_MAX."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\r?\n", text or ""):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        window = ""
        for sentence in _SENTENCE_END.split(paragraph):
            if len(window) + len(sentence) > PASSAGE_MAX and len(normalise(window)) >= PASSAGE_MIN:
                out.append(window)
                window = ""
            window += sentence
        if window:
            if out and len(normalise(window)) < PASSAGE_MIN:
                out[-1] += window
            else:
                out.append(window)
    return [p for p in out if len(normalise(p)) >= PASSAGE_MIN]


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


_SEED = MinHash(num_perm=NUM_PERM)
_PERMUTATIONS, _SCHEME = _SEED.permutations, _SEED.scheme


def _minhash(grams: set[str]) -> MinHash:
    # CRC-32 instead of datasketch's default SHA-1: a 32-bit hash is all MinHash uses, and it
    # is several times faster over millions of shingles.
    # The permutations are drawn once (the same seed), not again for each of 30,000 passages.
    m = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32, permutations=_PERMUTATIONS, scheme=_SCHEME)
    m.update_batch([g.encode("utf-8") for g in grams])
    return m


@dataclass(frozen=True)
class Document:
    key: tuple[str, int]  # ("reflection", pk) or ("lesson", pk)
    text: str


@dataclass(frozen=True)
class Match:
    key: tuple[str, int]
    other: tuple[str, int]
    similarity: float
    passage: str
    other_passage: str


def find_matches(
    documents: Iterable[Document], *, check: set[tuple[str, int]] | None = None
) -> list[Match]:
    """The best-matching passage pair for every pair of documents with a passage pair at or
    above FLAG_THRESHOLD, for the documents in `check` (all reflections when None).

    Each pair is reported once per checked document (a → b, and b → a if b is checked)."""
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    units: list[tuple[tuple[str, int], str, set[str]]] = []
    hashes: list[MinHash] = []
    for doc in documents:
        for passage in passages(doc.text):
            grams = shingles(passage)
            index = len(units)
            units.append((doc.key, passage, grams))
            m = _minhash(grams)
            hashes.append(m)
            lsh.insert(index, m)
    best: dict[tuple[tuple[str, int], tuple[str, int]], Match] = {}
    for index, (key, passage, grams) in enumerate(units):
        if key[0] != "reflection" or (check is not None and key not in check):
            continue
        for other_index in lsh.query(hashes[index]):
            other_key, other_passage, other_grams = units[other_index]
            if other_key == key:
                continue
            score = jaccard(grams, other_grams)
            if score < FLAG_THRESHOLD:
                continue
            current = best.get((key, other_key))
            if current is None or score > current.similarity:
                best[(key, other_key)] = Match(key, other_key, score, passage, other_passage)
    return sorted(best.values(), key=lambda m: (-m.similarity, m.key, m.other))
