"""Regular expressions shared by both back ends, so SQL and Python agree by construction.

One builder writes every pattern in two dialects: RE2 (DuckDB's ``regexp_matches``, run with
``(?i)`` on the raw text) and Python ``re`` (run on text that was case-folded first, with the
same simple case folding RE2 uses). Words are maximal runs of letters, digits, combining marks
and ``_``; RE2's ``\\b`` is ASCII-only, so boundaries are spelled ``(^|[^\\pL\\pN\\pM_])``.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ._ast import Field, Hashtag, Mention, Near, Node, Or, Term

__all__ = [
    "APOSTROPHES",
    "RE2",
    "UNSPACED",
    "WHITESPACE",
    "Dialect",
    "fold",
    "is_word",
    "joins",
    "link_pattern",
    "literal",
    "near_pattern",
    "prefilters",
    "python_dialect",
    "tagged_pattern",
    "term_pattern",
    "value_pattern",
]

# Exactly the characters for which str.isspace() is true (a test keeps this honest).
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
WHITESPACE += "\u2028\u2029\u202f\u205f\u3000"
# Typed and typographic apostrophes match each other: "acme's" finds "acme’s".
APOSTROPHES = "'\u2019"
_LAST_CASED = 0x1F000  # no code point above this has a case mapping (Unicode 14/15)
_URL_SPACE = r"\t\n\v\f\r "


# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, Chinese, Japanese
# kana): each character counts as a word of its own, so "東京" is found inside "我爱東京".
UNSPACED = (
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x2E80, 0x2FDF),
    (0x3000, 0x30FF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),
    (0x1B000, 0x1B16F),
    (0x20000, 0x323AF),
)


def is_word(ch: str) -> bool:
    """Whether ``ch`` is a word character: a letter, digit, combining mark or ``_``."""
    return ch == "_" or unicodedata.category(ch)[0] in "LNM"


def joins(ch: str) -> bool:
    """Whether ``ch`` joins its neighbours into one word (a word character outside UNSPACED scripts)."""
    code = ord(ch)
    return is_word(ch) and not any(low <= code <= high for low, high in UNSPACED)


@functools.cache
def _fold_table() -> dict[int, str]:
    """Simple case folding (CaseFolding.txt C+S), the relation RE2's ``(?i)`` uses.

    ``str.casefold`` is full folding (``ß`` -> ``ss``); where it gives several characters the
    simple fold is the one-character lower case if there is one (``ẞ`` -> ``ß``), else itself
    (``İ`` stays ``İ``, as in RE2). Length is preserved, so positions stay comparable.
    """
    table: dict[int, str] = {}
    for code in range(_LAST_CASED):
        ch = chr(code)
        folded = ch.casefold()
        if len(folded) != 1:
            lower = ch.lower()
            folded = lower if len(lower) == 1 else ch
        if folded != ch:
            table[code] = folded
    return table


def fold(text: str) -> str:
    """Case-fold ``text`` one character at a time, as RE2's ``(?i)`` compares characters."""
    return text.translate(_fold_table())


@dataclass(frozen=True)
class Dialect:
    """How one regex engine spells the few things the patterns need."""

    name: str
    word: str  # one word character
    nonword: str  # one character that ends a word: not a word character, or an UNSPACED one
    punct: str  # one character that ends a word but is not whitespace
    before: str  # start of string or a nonword character: the match does not start inside a word
    after: str  # a nonword character or end of string: the match does not end inside a word
    start: str  # start of the subject string
    end: str  # end of the subject string
    hex_escape: Callable[[int], str]
    prepare: Callable[[str], str]  # applied to literals: identity for RE2, fold() for Python

    def char(self, ch: str) -> str:
        """One literal character, escaped for this dialect."""
        if ch.isascii():
            if ch.isalnum() or ch == "_":
                return ch
            return "\\" + ch if ch.isprintable() and ch != " " else self.hex_escape(ord(ch))
        if unicodedata.category(ch)[0] in "CZ":  # invisible or separator: keep the pattern readable
            return self.hex_escape(ord(ch))
        return ch

    def char_class(self, chars: str, negated: bool = False) -> str:
        """A class of ``chars``, runs of three or more consecutive code points written as ranges."""
        codes = sorted(set(map(ord, chars)))
        parts: list[str] = []
        i = 0
        while i < len(codes):
            j = i
            while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
                j += 1
            if j - i >= 2:
                parts.append(f"{self.char(chr(codes[i]))}-{self.char(chr(codes[j]))}")
            else:
                parts.extend(self.char(chr(code)) for code in codes[i : j + 1])
            i = j + 1
        return ("[^" if negated else "[") + "".join(parts) + "]"


def _python_word_class() -> str:
    """Body of Python's word class: ``\\w`` plus the combining marks.

    Python's ``\\w`` is exactly letters, digits and ``_`` (a test checks it), so only the marks
    need listing; they end at the variation selectors (U+E01EF).
    """
    ranges: list[str] = []
    start = -1
    for code in range(0xE0200):
        inside = code < 0xE01F0 and unicodedata.category(chr(code))[0] == "M"
        if inside and start < 0:
            start = code
        elif not inside and start >= 0:
            last = code - 1
            ranges.append(rf"\U{start:08X}" + ("" if last == start else rf"-\U{last:08X}"))
            start = -1
    return r"\w" + "".join(ranges)


def _unspaced_class(hex_escape: Callable[[int], str]) -> str:
    return "[" + "".join(f"{hex_escape(low)}-{hex_escape(high)}" for low, high in UNSPACED) + "]"


def _re2_hex(code: int) -> str:
    return rf"\x{{{code:X}}}"


def _python_hex(code: int) -> str:
    return rf"\U{code:08X}"


def _spaces(hex_escape: Callable[[int], str]) -> str:
    return "".join(hex_escape(ord(ch)) for ch in WHITESPACE)


_RE2_NONWORD = r"(?:[^\pL\pN\pM_]|" + _unspaced_class(_re2_hex) + ")"
RE2 = Dialect(
    name="re2",
    word=r"[\pL\pN\pM_]",
    nonword=_RE2_NONWORD,
    punct=r"(?:[^\pL\pN\pM_" + _spaces(_re2_hex) + "]|" + _unspaced_class(_re2_hex) + ")",
    before=f"(?:^|{_RE2_NONWORD})",
    after=f"(?:{_RE2_NONWORD}|$)",
    start="^",
    end="$",
    hex_escape=_re2_hex,
    prepare=lambda text: text,
)


@functools.cache
def python_dialect() -> Dialect:
    """The Python ``re`` dialect, built on first use (its word class takes about 0.15 s)."""
    word = _python_word_class()
    nonword = f"(?:[^{word}]|" + _unspaced_class(_python_hex) + ")"
    return Dialect(
        name="python",
        word=f"[{word}]",
        nonword=nonword,
        punct=f"(?:[^{word}{_spaces(_python_hex)}]|" + _unspaced_class(_python_hex) + ")",
        before=rf"(?:\A|{nonword})",
        after=rf"(?:{nonword}|\Z)",
        start=r"\A",
        end=r"\Z",
        hex_escape=_python_hex,
        prepare=fold,
    )


def literal(text: str, d: Dialect) -> str:
    """``text`` matched literally; whitespace runs match any whitespace run, apostrophes each other."""
    space = d.char_class(WHITESPACE) + "+"
    quote = d.char_class(APOSTROPHES)
    words = d.prepare(text).split()
    return space.join("".join(quote if ch in APOSTROPHES else d.char(ch) for ch in word) for word in words)


def _edges(text: str, prefix: bool, d: Dialect) -> tuple[str, str]:
    """Boundaries that stop a match from cutting a word in half, only where ``text`` ends in a word char."""
    left = d.before if joins(text[0]) else ""
    right = "" if prefix or not joins(text[-1]) else d.after
    return left, right


def _core(text: str, prefix: bool, d: Dialect) -> str:
    return literal(text, d) + (d.word + "*" if prefix else "")


def term_pattern(term: Term, d: Dialect) -> str:
    """Search pattern for a word, phrase or prefix wildcard."""
    left, right = _edges(term.text, term.prefix, d)
    return left + _core(term.text, term.prefix, d) + right


def tagged_pattern(node: Mention | Hashtag, d: Dialect) -> str:
    """Search pattern for ``@handle`` or ``#tag`` written in the text (not after a word character)."""
    body, sign = (node.handle, "@") if isinstance(node, Mention) else (node.tag, "#")
    _, right = _edges(body, node.prefix, d)
    return f"{d.before}{d.char(sign)}{_core(body, node.prefix, d)}{right}"


def _alternatives(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    assert isinstance(node, Or)
    return [item for item in node.items if isinstance(item, Term)]


def near_pattern(near: Near, d: Dialect) -> str:
    """``A``, whitespace, at most ``distance - 1`` whitespace-separated tokens, whitespace, ``B``; or B first.

    Tokens are counted between whitespace, not by word class: RE2 runs a bounded repeat of the
    large Unicode word classes hundreds of times slower (its DFA runs out of memory), while the
    whitespace classes stay fast up to MAX_NEAR. Punctuation may trail ``A`` (``acme,``) or lead
    ``B`` (``(broken``) without counting as a token.
    """
    space, token = d.char_class(WHITESPACE), d.char_class(WHITESPACE, negated=True)
    gap = f"{space}+"
    if near.distance > 1:
        gap += f"(?:{token}+{space}+){{0,{near.distance - 1}}}"

    def opening(terms: list[Term]) -> str:
        # Terms with the same edges share one boundary class: RE2 slows down sharply once the
        # program grows, and each copy of a Unicode class is big.
        groups: dict[tuple[str, str], list[str]] = {}
        for t in terms:
            left, right = _edges(t.text, t.prefix, d)
            tail = f"(?:{d.punct}{token}*)?" if right else f"{token}*"
            groups.setdefault((left, tail), []).append(_core(t.text, t.prefix, d))
        return either([left + either(cores) + tail for (left, tail), cores in groups.items()])

    def closing(terms: list[Term]) -> str:
        groups: dict[tuple[str, str], list[str]] = {}
        for t in terms:
            left, right = _edges(t.text, t.prefix, d)
            head = f"(?:{token}*{d.punct})?" if left else f"{token}*"
            groups.setdefault((head, right), []).append(_core(t.text, t.prefix, d))
        return either([head + either(cores) + right for (head, right), cores in groups.items()])

    def either(parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    left_terms, right_terms = _alternatives(near.left), _alternatives(near.right)
    forward = opening(left_terms) + gap + closing(right_terms)
    backward = opening(right_terms) + gap + closing(left_terms)
    return f"(?:{forward}|{backward})"


def link_pattern(domain: str, d: Dialect) -> str:
    """Pattern for a URL whose host is ``domain`` or one of its subdomains (scheme optional)."""
    return (
        rf"{d.start}(?:[a-z][a-z0-9+.\-]*:)?(?://)?(?:[^/?#@{_URL_SPACE}]*@)?"
        rf"(?:[^/?#@:{_URL_SPACE}]*\.)?{literal(domain, d)}\.?(?::[0-9]*)?(?:[/?#]|{d.end})"
    )


def value_pattern(node: Mention | Hashtag | Field, d: Dialect) -> str:
    """Full-match pattern for one list element or field value (run case-insensitive and dot-all).

    ``@acme`` also finds ``acme@mastodon.social``; ``lang:en`` also finds ``en-GB`` and ``en_US``.
    """
    if isinstance(node, Mention):
        return literal(node.handle, d) + (".*" if node.prefix else "(?:@.*)?")
    if isinstance(node, Hashtag):
        return literal(node.tag, d) + (".*" if node.prefix else "")
    return literal(node.value, d) + ("(?:[-_].*)?" if node.name == "lang" else "")


def _needle(text: str) -> str:
    """The longest piece of ``text`` that any match must contain literally (case aside)."""
    pieces = "".join(" " if ch in APOSTROPHES else ch for ch in text).split()
    return max(pieces, key=len, default="")


def prefilters(node: Node, min_length: int = 2) -> list[str]:
    """Cheap RE2 patterns (case-insensitive literals) that every text match of ``node`` also matches.

    RE2 finds a literal several times faster than it runs a pattern that starts with a Unicode
    boundary class, so SQL checks these first, rarest side first for NEAR (both sides must occur).
    A side is skipped when one of its alternatives has no literal piece of ``min_length``.
    """
    if isinstance(node, Term):
        sides = [[node.text]]
    elif isinstance(node, Mention):
        sides = [["@" + node.handle]]
    elif isinstance(node, Hashtag):
        sides = [["#" + node.tag]]
    elif isinstance(node, Near):
        sides = [[t.text for t in _alternatives(node.left)], [t.text for t in _alternatives(node.right)]]
    else:
        return []
    usable = []
    for side in sides:
        needles = list(dict.fromkeys(_needle(text) for text in side))
        if min(map(len, needles)) >= min_length:
            usable.append(needles)
    # Fewer and longer needles first: likelier to be rare, so the second check runs less often.
    usable.sort(key=lambda needles: (len(needles), -min(map(len, needles))))
    return ["(?i)(?:" + "|".join(literal(needle, RE2) for needle in needles) + ")" for needles in usable]
