"""Name folding and phonetic keys for patient search and duplicate detection.

Pure functions: no Django, no database. Folding makes search accent- and case-insensitive
("Zoë", "ZOE" and "zoe" are one key); phonetic keys (Metaphone) catch misspellings that sound
alike ("Jonsen" ~ "Johnson", "Smyth" ~ "Smith", "Kathryn" ~ "Catherine").
"""

from __future__ import annotations

import functools
import re
import unicodedata

import jellyfish

# Letters that Unicode does not decompose into a base letter plus a mark.
_SPECIAL = str.maketrans(
    {
        "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
        "ı": "i", "ħ": "h", "ŧ": "t", "ŋ": "n",
    }
)
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII with accents removed and punctuation turned into single spaces. Names are remembered:
    the same ones are folded again and again (each lab result's patient against each candidate, every search);
    longer text (anything a sender may put in a name field) is not, so the memory stays small."""
    return _fold_name(text) if len(text) <= 64 else _fold(text)


@functools.lru_cache(maxsize=8192)
def _fold_name(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_SPECIAL)
    return _NON_WORD.sub(" ", text.encode("ascii", "ignore").decode()).strip()


def tokens(*parts: str) -> list[str]:
    """The distinct folded words of the given name parts ("Anne-Marie O'Neil" -> anne, marie, o, neil,
    plus the joined forms "annemarie" and "oneil" so either spelling finds the person, and the whole
    part joined, "annemarieoneil", for names typed without spaces such as "delacruz")."""
    seen: dict[str, None] = {}
    for part in parts:
        if not part:
            continue
        words = fold(part).split()
        for word in words:
            seen.setdefault(word, None)
        for chunk in part.split():
            if len(chunk_words := fold(chunk).split()) > 1:
                seen.setdefault("".join(chunk_words), None)
        if len(words) > 1:
            seen.setdefault("".join(words), None)
    return list(seen)


def phonetic(word: str) -> str:
    """Metaphone key of one folded word; empty for words with no letters."""
    letters = "".join(ch for ch in word if ch.isalpha())
    return jellyfish.metaphone(letters) if letters else ""


def similarity(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two names after folding (1.0 = the same)."""
    return jellyfish.jaro_winkler_similarity(fold(a), fold(b))
