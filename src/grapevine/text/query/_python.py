"""Match a query against one post in pure Python (``grapevine track test``), agreeing with the SQL.

Patterns come from the same builder as the SQL ones, in Python's dialect, and run on text
folded with RE2's simple case folding, so both back ends see the same words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from ._ast import And, Field, Hashtag, Mention, Near, Node, Not, Or, Term
from ._parser import parse_query
from ._patterns import (
    fold,
    link_pattern,
    near_pattern,
    python_dialect,
    tagged_pattern,
    term_pattern,
    value_pattern,
)

__all__ = ["matches"]

_FLAG_FIELDS = {"reply": "reply_to_id", "repost": "repost_of_id", "quote": "quote_of_id"}
_LIST_FIELDS = {"link": "links", "mention": "mentions", "hashtag": "hashtags"}
_VALUE_FIELDS = {"author": "author_handle", "lang": "lang", "platform": "platform"}
_UNSET = object()


class _Post:
    """Read-only view of a post dict (or Post object) that folds each string once, on demand."""

    __slots__ = ("_cache", "_get")

    def __init__(self, post: Any) -> None:
        if isinstance(post, Mapping):
            self._get: Callable[[str], Any] = post.get
        else:
            self._get = lambda key: getattr(post, key, None)
        self._cache: dict[str, Any] = {}

    def raw(self, key: str) -> Any:
        return self._get(key)

    def value(self, key: str) -> str | None:
        cached = self._cache.get(key, _UNSET)
        if cached is _UNSET:
            raw = self._get(key)
            cached = self._cache[key] = fold(raw) if isinstance(raw, str) else None
        return cached

    def values(self, key: str) -> list[str]:
        cached = self._cache.get(key, _UNSET)
        if cached is _UNSET:
            raw = self._get(key)
            items = raw if isinstance(raw, list | tuple) else ()
            cached = self._cache[key] = [fold(item) for item in items if isinstance(item, str)]
        return cached


_Predicate = Callable[[_Post], bool]


def matches(query: str | Node, post: Mapping[str, Any] | Any) -> bool:
    """Whether ``post`` (a dict with the ``posts`` columns, or a Post) matches ``query``.

    Examples
    --------
    >>> matches('acme NEAR/2 broken', {"text": "My Acme phone is broken"})
    False
    >>> matches('acme NEAR/3 broken', {"text": "My Acme phone is broken"})
    True
    """
    node = _parse(query) if isinstance(query, str) else query
    return _predicate(node)(_Post(post))


@functools.lru_cache(maxsize=512)
def _parse(query: str) -> Node:
    return parse_query(query)


@functools.lru_cache(maxsize=512)
def _predicate(node: Node) -> _Predicate:
    d = python_dialect()
    if isinstance(node, And | Or):
        parts = tuple(_predicate(item) for item in node.items)
        if isinstance(node, And):
            return lambda post: all(part(post) for part in parts)
        return lambda post: any(part(post) for part in parts)
    if isinstance(node, Not):
        inner = _predicate(node.item)
        return lambda post: not inner(post)
    if isinstance(node, Term | Near):
        return _text_search(term_pattern(node, d) if isinstance(node, Term) else near_pattern(node, d))
    if isinstance(node, Mention | Hashtag):
        element = re.compile(value_pattern(node, d), re.DOTALL)
        in_text = _text_search(tagged_pattern(node, d))
        key = "mentions" if isinstance(node, Mention) else "hashtags"
        return lambda post: any(element.fullmatch(item) for item in post.values(key)) or in_text(post)
    if isinstance(node, Field):
        return _field(node)
    raise TypeError(f"not a query node: {node!r}")


def _text_search(pattern: str) -> _Predicate:
    regex = re.compile(pattern)

    def search(post: _Post) -> bool:
        text = post.value("text")
        return text is not None and regex.search(text) is not None

    return search


def _field(node: Field) -> _Predicate:
    if node.name == "is":
        key = _FLAG_FIELDS[node.value]
        return lambda post: post.raw(key) not in (None, "")
    if node.name == "has":
        key = _LIST_FIELDS[node.value]
        return lambda post: isinstance(items := post.raw(key), list | tuple) and len(items) > 0
    if node.name == "site":
        link = re.compile(link_pattern(node.value, python_dialect()))
        return lambda post: any(link.search(item) for item in post.values("links"))
    element = re.compile(value_pattern(node, python_dialect()), re.DOTALL)
    key = _VALUE_FIELDS[node.name]
    return lambda post: (value := post.value(key)) is not None and element.fullmatch(value) is not None
