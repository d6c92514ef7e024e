"""Compile a query to one DuckDB boolean expression over the ``posts`` columns.

Every user string travels as a ``?`` parameter, never inside the SQL text. Each atom is
NULL-safe (a missing text, list or field counts as no match), so ``NOT`` behaves as in Python.
"""

from __future__ import annotations

import re

from ._ast import And, Field, Hashtag, Mention, Near, Node, Not, Or, Term
from ._parser import parse_query
from ._patterns import (
    RE2,
    link_pattern,
    near_pattern,
    prefilters,
    tagged_pattern,
    term_pattern,
    value_pattern,
)

__all__ = ["compile_sql"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FLAG_COLUMNS = {"reply": "reply_to_id", "repost": "repost_of_id", "quote": "quote_of_id"}
_LIST_COLUMNS = {"link": "links", "mention": "mentions", "hashtag": "hashtags"}
_FIELD_COLUMNS = {"author": "author_handle", "lang": "lang", "platform": "platform"}


def compile_sql(query: str | Node, *, alias: str | None = None) -> tuple[str, list[str]]:
    """Return ``(expression, params)``: a boolean DuckDB expression true for the posts ``query`` matches.

    Parameters
    ----------
    query
        Query text or an already parsed node.
    alias
        Table alias to qualify the columns with (``p`` gives ``p."text"``), for joins.

    Examples
    --------
    >>> sql, params = compile_sql("acme NOT job")
    >>> params[0]
    '(?i)(?:acme)'
    """
    node = parse_query(query) if isinstance(query, str) else query
    if alias is not None and not _IDENTIFIER.fullmatch(alias):
        raise ValueError(f"alias must be a plain SQL identifier, not {alias!r}")
    compiler = _Compiler(alias)
    return compiler.compile(node), compiler.params


class _Compiler:
    def __init__(self, alias: str | None) -> None:
        self.prefix = f"{alias}." if alias else ""
        self.params: list[str] = []

    def param(self, value: str) -> str:
        self.params.append(value)
        return "?"

    def column(self, name: str) -> str:
        return f'{self.prefix}"{name}"'

    def compile(self, node: Node) -> str:
        if isinstance(node, And | Or):
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(self.compile(item) for item in node.items) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.compile(node.item)})"
        if isinstance(node, Term):
            return self.text(node, term_pattern(node, RE2))
        if isinstance(node, Near):
            return self.text(node, near_pattern(node, RE2))
        if isinstance(node, Mention | Hashtag):
            return self.tagged(node)
        if isinstance(node, Field):
            return self.field(node)
        raise TypeError(f"not a query node: {node!r}")

    def text(self, node: Node, pattern: str) -> str:
        text = self.column("text")
        cheap = prefilters(node)
        if not cheap:
            return f"coalesce(regexp_matches({text}, {self.param('(?i)' + pattern)}), false)"
        # CASE (not AND) so the full pattern only runs where the literals were found, in
        # projections too; a NULL text falls through to ELSE false.
        checks = " AND ".join(f"regexp_matches({text}, {self.param(p)})" for p in cheap)
        return (
            f"(CASE WHEN {checks} THEN regexp_matches({text}, {self.param('(?i)' + pattern)}) ELSE false END)"
        )

    def any_element(self, column: str, pattern: str, full: bool = True) -> str:
        function = "regexp_full_match" if full else "regexp_matches"
        return (
            f"coalesce(list_bool_or(list_transform({self.column(column)}, "
            f"lambda x: {function}(x, {self.param(pattern)}))), false)"
        )

    def tagged(self, node: Mention | Hashtag) -> str:
        column = "mentions" if isinstance(node, Mention) else "hashtags"
        in_list = self.any_element(column, "(?is)" + value_pattern(node, RE2))
        return f"({in_list} OR {self.text(node, tagged_pattern(node, RE2))})"

    def field(self, node: Field) -> str:
        if node.name == "is":
            return f"coalesce({self.column(_FLAG_COLUMNS[node.value])} <> '', false)"
        if node.name == "has":
            return f"coalesce(len({self.column(_LIST_COLUMNS[node.value])}) > 0, false)"
        if node.name == "site":
            return self.any_element("links", "(?i)" + link_pattern(node.value, RE2), full=False)
        pattern = "(?is)" + value_pattern(node, RE2)
        return f"coalesce(regexp_full_match({self.column(_FIELD_COLUMNS[node.name])}, {self.param(pattern)}), false)"
