"""Split a query into tokens: operators, parentheses and ready-made atoms (terms, @, #, fields).

Operators are upper case (``AND``, ``OR``, ``NOT``, ``NEAR/n``) or symbols (``&&``, ``||``,
a leading ``-``), so ``rock and roll`` stays three words, as in other listening tools.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from grapevine.errors import GrapevineError

from ._ast import FIELD_NAMES, HAS_VALUES, IS_VALUES, Field, Hashtag, Mention, Node, Term

__all__ = ["MAX_NEAR", "QuerySyntaxError", "Token", "tokens"]

MAX_NEAR = 30  # RE2 slows down a hundredfold somewhere past NEAR/50; keep a margin

_NEAR = re.compile(r"NEAR/([0-9]+)")
_FIELD = re.compile(r"(?i)(" + "|".join(FIELD_NAMES) + r"):")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_BAD_DOMAIN = re.compile(r"[/?#@:*\\]|\.\.|^\.|\.$")


class QuerySyntaxError(GrapevineError, ValueError):
    """A query that does not parse; the message names the 1-based column and what was expected."""

    def __init__(self, column: int, expected: str) -> None:
        super().__init__(f"column {column}: {expected}")
        self.column = column
        self.expected = expected


@dataclass(frozen=True, slots=True)
class Token:
    """One token. ``kind`` is ATOM, AND, OR, NOT, NEAR, LPAREN, RPAREN or END."""

    kind: str
    column: int
    text: str
    node: Node | None = None
    distance: int = 0


def tokens(query: str) -> Iterator[Token]:
    """Yield the tokens of ``query`` lazily, so errors surface in reading order; END comes last."""
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        column = i + 1
        if ch.isspace():
            i += 1
        elif ch in "()":
            yield Token("LPAREN" if ch == "(" else "RPAREN", column, ch)
            i += 1
        elif ch == '"':
            i, text = _phrase(query, i)
            if query[i : i + 1] == "*":
                raise QuerySyntaxError(i + 1, "expected no * after a phrase: wildcards work on single words")
            yield Token("ATOM", column, query[column - 1 : i], Term(text))
        elif ch == "-":
            following = query[i + 1 : i + 2]
            if not following or following.isspace() or following == ")":
                raise QuerySyntaxError(column + 1, 'expected a term or "(" right after "-"')
            yield Token("NOT", column, "-")
            i += 1
        else:
            end = i
            while end < n and not query[end].isspace() and query[end] not in '()"':
                end += 1
            yield _word(query[i:end], column)
            i = end
    yield Token("END", n + 1, "")


def _phrase(query: str, start: int) -> tuple[int, str]:
    """Read ``"..."`` from ``start``; ``\\"`` and ``\\\\`` are escapes. Returns (end, text)."""
    chars: list[str] = []
    i = start + 1
    while i < len(query):
        ch = query[i]
        if ch == "\\" and query[i + 1 : i + 2] in ('"', "\\"):
            chars.append(query[i + 1])
            i += 2
        elif ch == '"':
            text = " ".join(unicodedata.normalize("NFC", "".join(chars)).split())
            if not text:
                raise QuerySyntaxError(start + 1, "expected words between the quotes")
            return i + 1, text
        else:
            chars.append(ch)
            i += 1
    raise QuerySyntaxError(start + 1, 'expected a closing " for the phrase that starts here')


def _word(chunk: str, column: int) -> Token:
    if chunk in ("AND", "&&"):
        return Token("AND", column, chunk)
    if chunk in ("OR", "||"):
        return Token("OR", column, chunk)
    if chunk == "NOT":
        return Token("NOT", column, chunk)
    near = _NEAR.fullmatch(chunk)
    if near:
        distance = int(near.group(1))
        if not 1 <= distance <= MAX_NEAR:
            raise QuerySyntaxError(column + 5, f"expected a distance from 1 to {MAX_NEAR} after NEAR/")
        return Token("NEAR", column, chunk, distance=distance)
    if chunk == "NEAR" or chunk.startswith("NEAR/"):
        raise QuerySyntaxError(column, "expected NEAR/n with a distance in words, like NEAR/3")
    if chunk[0] in "@#":
        body, prefix = _starred(chunk[1:], column + 1, "a handle" if chunk[0] == "@" else "a tag", chunk[0])
        node: Node = Mention(body, prefix) if chunk[0] == "@" else Hashtag(body, prefix)
        return Token("ATOM", column, chunk, node)
    field = _FIELD.match(chunk)
    if field:
        return Token("ATOM", column, chunk, _field(field.group(1).lower(), chunk[field.end() :], column))
    text, prefix = _starred(chunk, column, "a term", "")
    return Token("ATOM", column, chunk, Term(text, prefix))


def _starred(body: str, column: int, what: str, after: str) -> tuple[str, bool]:
    """Split a trailing ``*`` (prefix wildcard) off ``body``; ``*`` anywhere else is an error."""
    if not body:
        raise QuerySyntaxError(column, f"expected {what} after {after}")
    star = body.find("*")
    if star == -1:
        return unicodedata.normalize("NFC", body), False
    if star == 0:
        raise QuerySyntaxError(column, f"expected {what} before *, not * alone")
    if star != len(body) - 1:
        raise QuerySyntaxError(column + star, "expected * only at the end of a word")
    return unicodedata.normalize("NFC", body[:-1]), True


def _field(name: str, value: str, column: int) -> Field:
    value_column = column + len(name) + 1
    if name == "link":
        name = "site"
    if name == "author":
        value = value.removeprefix("@")
    if not value:
        raise QuerySyntaxError(value_column, f"expected a value after {name}:")
    if name == "is" or name == "has":
        allowed = IS_VALUES if name == "is" else HAS_VALUES
        if value.lower() not in allowed:
            choices = ", ".join(allowed[:-1]) + " or " + allowed[-1]
            raise QuerySyntaxError(value_column, f"expected {choices} after {name}:")
        return Field(name, value.lower())
    if name == "site":
        value = _SCHEME.sub("", value, count=1).removeprefix("*.").rstrip("/")
        if not value or _BAD_DOMAIN.search(value):
            raise QuerySyntaxError(value_column, "expected a domain like acme.com after site:")
    elif "*" in value:
        raise QuerySyntaxError(value_column + value.index("*"), f"expected a value without * after {name}:")
    return Field(name, unicodedata.normalize("NFC", value))
