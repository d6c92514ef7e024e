"""Text normalisation and the reference (one text at a time) feature functions.

Training builds its matrices with these functions, and the fast batch code in ``_fast.py`` must
give exactly the same features; ``tests/unit/test_text_models.py`` checks that it does. Pure Python
+ ``re`` + numpy; no scikit-learn.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from itertools import pairwise

import numpy as np

__all__ = [
    "CHAR_BITS",
    "CHAR_MAX_N",
    "CHAR_MIN_N",
    "LEXICON_FEATURES",
    "char_buckets",
    "char_wb_ngrams",
    "hash_ngram",
    "is_negator",
    "is_scope_end",
    "lexicon_features",
    "normalize",
    "normalize_batch",
    "word_features",
    "word_tokens",
]

CHAR_MIN_N = 2
CHAR_MAX_N = 5
CHAR_BITS = 20  # char n-grams are hashed into 2**20 buckets (the hashing trick)
# Polynomial hash over code points (mod 2**64), then a multiplicative mix whose top bits pick the bucket.
HASH_BASE = 0x9E3779B97F4A7C15
HASH_MIX = 0xBF58476D1CE4E5B9
_MASK64 = (1 << 64) - 1

# Literal escape sequences left in the SemEval/TweetEval files (``\u2019``, ``\u002c``).
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?")
_URL = re.compile(r"(?:https?://|www\.)\S*", re.IGNORECASE)
# TweetEval masks every handle as @user; a preceding word character means an e-mail address.
_MENTION = re.compile(r"@(?<![\w@].)\w+")  # lookbehind after the "@" so the scan is fast
# NUL becomes a space: the batch code uses it as a separator, and it is never meaningful text.
_REPLACE = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\x00", " "))
_WHITE_SPACES = re.compile(r"\s\s+")  # the pattern scikit-learn applies before char_wb n-grams

_EMOTICON = (
    r"(?:[<>}3]?[:;=8x][\-o\*'^]?[\)\]\(\[dp/\\\}\{@\|o0c\*3$]+)"  # :) ;-( :d :p :/ =)
    r"|(?:[\)\]\(\[/\\\}\{@\|][\-o\*'^]?[:;=8])"  # (: )-:
    r"|(?:<3+|</3|\^_*\^|-_+-|o_o|t_t|;_;)"
)
TOKEN_PATTERN = (
    _EMOTICON
    + r"|(?:[#@]?\w+(?:['\-]+\w+)*)"  # words, #hashtags, @user, can't, twenty-one
    + r"|(?:[!?]+)"  # !, !!!, ?!
    + r"|(?:\.{2,}|[.,;:])"  # ellipsis and clause punctuation (they end a negation scope)
    + r"|(?:[^\s\w.,:;\"'()\[\]\-/&*])"  # any other single symbol: emoji, $, %, +
)
_TOKEN = re.compile(TOKEN_PATTERN)
_SCOPE_END = re.compile(r"(?:[!?]+|\.{2,}|[.,;:])")
# Negation scope (Pang et al. 2002): tokens after a negator get a _NEG suffix until punctuation.
NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "nothing",
        "nobody",
        "none",
        "nowhere",
        "neither",
        "nor",
        "cannot",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "wont",
        "wouldnt",
        "shouldnt",
        "couldnt",
        "havent",
        "hasnt",
        "hadnt",
        "aint",
        "without",
    ]
)
NEGATED_VALENCE = -0.74  # VADER's scalar for a negated lexicon word
LEXICON_FEATURES = (
    "log1p_positive_sum",
    "log1p_negative_sum",
    "positive_words_div3",
    "negative_words_div3",
    "max_valence_div4",
    "min_valence_div4",
    "last_valence_div4",
    "log1p_exclamations",
)


def _unescape(match: re.Match[str]) -> str:
    high = int(match.group(1), 16)
    low = match.group(2)
    if low is not None and 0xD800 <= high <= 0xDBFF:
        return chr(0x10000 + ((high - 0xD800) << 10) + (int(low, 16) - 0xDC00))
    if 0xD800 <= high <= 0xDFFF:  # a lone surrogate cannot be encoded later; drop it
        return ""
    return chr(high) + (f"\\u{low}" if low is not None else "")


def _has_url(text: str) -> bool:
    # Cheap guard so the URL pattern only runs on texts that can hold one (case-insensitive www.).
    return "://" in text or "ww." in text or "WW." in text or "wW." in text or "Ww." in text


def _decode(text: str) -> str:
    if "\\u" in text:
        text = _ESCAPE.sub(_unescape, text)
    if "&" in text:
        text = html.unescape(text)
    return text


def _mask(text: str) -> str:
    if "@" in text:
        text = _MENTION.sub("@user", text)
    for old, new in _REPLACE:  # str.replace is much faster than str.translate on long batches
        if old in text:
            text = text.replace(old, new)
    return text


def normalize(text: str) -> str:
    """Return the text as the models see it: escapes decoded, @handles masked, URLs removed.

    Mirrors the TweetEval preprocessing (``@user``, no URLs) so that raw posts at run time and
    the raw SemEval training tweets look like the TweetEval evaluation texts.

    Examples
    --------
    >>> normalize("@Delta thanks\\u2019 a lot https://t.co/x &amp; more")
    "@user thanks' a lot & more"
    """
    text = _decode(text.replace("\n", " "))
    if _has_url(text):
        text = _URL.sub(" ", text)
    return " ".join(_mask(text).split())


def normalize_batch(texts: Sequence[str]) -> list[str]:
    """Normalise many texts at once; equal to ``[normalize(t) for t in texts]``, only faster.

    Decoding and masking run once over the texts joined by newlines (none of those patterns
    crosses a newline); when decoding creates a newline the batch falls back to one text at a time.
    """
    if not texts:
        return []
    parts = _decode("\n".join([t.replace("\n", " ") for t in texts])).split("\n")
    if len(parts) != len(texts):  # an escape or entity decoded to a newline
        return [normalize(t) for t in texts]
    joined = "\n".join([_URL.sub(" ", p) if _has_url(p) else p for p in parts])
    return [" ".join(p.split()) for p in _mask(joined).split("\n")]


def is_scope_end(token: str) -> bool:
    """Return True for punctuation tokens that end a negation scope (``.``, ``!!``, ``...``)."""
    return _SCOPE_END.fullmatch(token) is not None


def is_negator(token: str) -> bool:
    """Return True for negation words (``not``, ``never``, ``don't``, ``isnt``)."""
    return token in NEGATORS or token.endswith("n't")


def word_tokens(text: str) -> list[str]:
    """Tokenise normalised text into lower-cased words, emoticons, emoji and ``!?`` runs."""
    return _TOKEN.findall(text.lower())


def _marked_tokens(tokens: list[str]) -> tuple[list[str], list[bool]]:
    marked: list[str] = []
    negated_flags: list[bool] = []
    negated = False
    for token in tokens:
        if is_scope_end(token):
            negated = False
            marked.append(token)
            negated_flags.append(False)
            continue
        marked.append(token + "_NEG" if negated else token)
        negated_flags.append(negated)
        if is_negator(token):
            negated = True
    return marked, negated_flags


def word_features(text: str) -> list[str]:
    """Return word unigrams, bigrams and first/last-word features with negation marking.

    Bigrams are joined with a space, as scikit-learn joins word n-grams; a token never holds a
    space, so ``"<first> x"`` and ``"x <last>"`` cannot clash with a bigram.
    """
    marked, _ = _marked_tokens(word_tokens(text))
    features = list(marked)
    features.extend([f"{a} {b}" for a, b in pairwise(marked)])
    if marked:
        features.append("<first> " + marked[0])
        features.append(marked[-1] + " <last>")
    return features


def lexicon_features(text: str, lexicon: Mapping[str, float]) -> list[float]:
    """Return the dense polarity-lexicon features named in ``LEXICON_FEATURES``.

    A lexicon word inside a negation scope has its valence multiplied by -0.74 (as VADER does);
    ``#word`` scores like ``word``.
    """
    tokens = word_tokens(text)
    _, negated = _marked_tokens(tokens)
    values: list[float] = []
    exclamations = 0
    for token, neg in zip(tokens, negated, strict=True):
        if token[0] in "!?":
            exclamations += token.count("!")
        value = lexicon.get(token[1:] if token[0] == "#" else token, 0.0)
        if value:
            values.append(NEGATED_VALENCE * value if neg else value)
    pos = sum(v for v in values if v > 0)
    neg_sum = -sum(v for v in values if v < 0)
    return [
        float(np.log1p(pos)),
        float(np.log1p(neg_sum)),
        sum(1 for v in values if v > 0) / 3,
        sum(1 for v in values if v < 0) / 3,
        max(values) / 4 if values else 0.0,
        min(values) / 4 if values else 0.0,
        values[-1] / 4 if values else 0.0,
        float(np.log1p(exclamations)),
    ]


def char_wb_ngrams(text: str, min_n: int = CHAR_MIN_N, max_n: int = CHAR_MAX_N) -> list[str]:
    """Character n-grams inside word boundaries, as scikit-learn's ``char_wb`` analyzer gives them.

    The text is lower-cased first, as scikit-learn does by default.
    """
    text = _WHITE_SPACES.sub(" ", text.lower())
    ngrams: list[str] = []
    for word in text.split():
        w = " " + word + " "
        w_len = len(w)
        for n in range(min_n, max_n + 1):
            offset = 0
            ngrams.append(w[offset : offset + n])
            while offset + n < w_len:
                offset += 1
                ngrams.append(w[offset : offset + n])
            if offset == 0:  # a short word is counted only once
                break
    return ngrams


def hash_ngram(ngram: str, bits: int = CHAR_BITS) -> int:
    """Return the hashing-trick bucket of one character n-gram (reference for the numpy version)."""
    h = 0
    for ch in ngram:
        h = (h * HASH_BASE + ord(ch)) & _MASK64
    return ((h * HASH_MIX) & _MASK64) >> (64 - bits)


def char_buckets(text: str, bits: int = CHAR_BITS) -> list[int]:
    """Return the bucket of every char_wb n-gram of a normalised text (with repeats)."""
    return [hash_ngram(g, bits) for g in char_wb_ngrams(text)]
