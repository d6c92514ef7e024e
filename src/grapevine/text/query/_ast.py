"""The parsed form of a query: small frozen nodes whose ``str`` is the canonical query text.

``parse_query(str(node)) == node`` for every node the parser produces, so a query can be
stored, compared and shown in one normalized spelling (explicit ``AND``, collapsed spaces,
``link:`` spelled ``site:``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "FIELD_NAMES",
    "HAS_VALUES",
    "IS_VALUES",
    "KEYWORDS",
    "And",
    "Field",
    "Hashtag",
    "Mention",
    "Near",
    "Node",
    "Not",
    "Or",
    "Term",
    "and_of",
    "or_of",
]

KEYWORDS = frozenset({"AND", "OR", "NOT", "NEAR", "&&", "||"})
FIELD_NAMES = ("author", "lang", "platform", "is", "has", "site", "link")
IS_VALUES = ("reply", "repost", "quote")
HAS_VALUES = ("link", "mention", "hashtag")

# A bare word may hold anything but these; the lexer splits on them.
_BREAKS = frozenset('()"')
_FIELD_PREFIX = re.compile(r"(?i)(?:" + "|".join(FIELD_NAMES) + r"):")

# Binding strength, used to print the fewest parentheses that still parse back the same.
_OR, _AND, _NOT, _NEAR, _ATOM = 1, 2, 3, 4, 5


def _bare_chunk_ok(chunk: str) -> bool:
    """Whether ``chunk`` lexes back as one plain word (before any trailing ``*``)."""
    return (
        bool(chunk)
        and not any(ch.isspace() or ch in _BREAKS for ch in chunk)
        and chunk[0] not in "-@#"
        and _FIELD_PREFIX.match(chunk) is None
        and not chunk.startswith("NEAR/")
    )


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class Term:
    """Words matched in the text: one word, an exact phrase, or a prefix (``acme*``).

    ``text`` is NFC-normalized with runs of whitespace collapsed to one space.
    """

    text: str
    prefix: bool = False

    def __str__(self) -> str:
        if self.prefix:
            return self.text + "*"
        if _bare_chunk_ok(self.text) and "*" not in self.text and self.text not in KEYWORDS:
            return self.text
        return _quote(self.text)


@dataclass(frozen=True, slots=True)
class Mention:
    """``@handle``: in the post's mentions list or written in the text; ``prefix`` for ``@acme*``."""

    handle: str
    prefix: bool = False

    def __str__(self) -> str:
        return "@" + self.handle + ("*" if self.prefix else "")


@dataclass(frozen=True, slots=True)
class Hashtag:
    """``#tag``: in the post's hashtags list or written in the text; ``prefix`` for ``#acme*``."""

    tag: str
    prefix: bool = False

    def __str__(self) -> str:
        return "#" + self.tag + ("*" if self.prefix else "")


@dataclass(frozen=True, slots=True)
class Field:
    """A filter on a post attribute: ``author:``, ``lang:``, ``platform:``, ``is:``, ``has:``, ``site:``."""

    name: str
    value: str

    def __str__(self) -> str:
        return f"{self.name}:{self.value}"


@dataclass(frozen=True, slots=True)
class Not:
    """Posts that do not match ``item``."""

    item: Node

    def __str__(self) -> str:
        return "NOT " + _child(self.item, _NOT)


@dataclass(frozen=True, slots=True)
class And:
    """Posts that match every item (two or more, never an ``And`` themselves)."""

    items: tuple[Node, ...]

    def __str__(self) -> str:
        return " AND ".join(_child(item, _AND + 1) for item in self.items)


@dataclass(frozen=True, slots=True)
class Or:
    """Posts that match any item (two or more, never an ``Or`` themselves)."""

    items: tuple[Node, ...]

    def __str__(self) -> str:
        return " OR ".join(_child(item, _AND) for item in self.items)


@dataclass(frozen=True, slots=True)
class Near:
    """``left NEAR/distance right``: both within ``distance`` words of each other, in either order.

    ``left`` and ``right`` are each a :class:`Term` or an :class:`Or` of terms.
    """

    left: Node
    right: Node
    distance: int

    def __str__(self) -> str:
        return f"{_child(self.left, _ATOM)} NEAR/{self.distance} {_child(self.right, _ATOM)}"


Node: TypeAlias = Term | Mention | Hashtag | Field | Not | And | Or | Near


def _strength(node: Node) -> int:
    if isinstance(node, Or):
        return _OR
    if isinstance(node, And):
        return _AND
    if isinstance(node, Not):
        return _NOT
    if isinstance(node, Near):
        return _NEAR
    return _ATOM


def _child(node: Node, needed: int) -> str:
    text = str(node)
    return text if _strength(node) >= needed else f"({text})"


def and_of(items: list[Node]) -> Node:
    """``And`` of ``items`` with nested ``And`` flattened: one canonical shape per query."""
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, And) else (item,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def or_of(items: list[Node]) -> Node:
    """``Or`` of ``items`` with nested ``Or`` flattened."""
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, Or) else (item,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))
