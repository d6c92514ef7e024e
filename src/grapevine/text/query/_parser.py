"""Recursive-descent parser: OR binds loosest, then AND (also implicit), then NOT, then NEAR/n.

Grammar (docs/query-language.md has it with examples)::

    query    = or_expr END
    or_expr  = and_expr { ("OR" | "||") and_expr }
    and_expr = not_expr { [ "AND" | "&&" ] not_expr }
    not_expr = ("NOT" | "-") not_expr | near_expr
    near_expr= primary [ "NEAR/" n primary ]
    primary  = "(" or_expr ")" | atom
"""

from __future__ import annotations

from ._ast import Near, Node, Not, Or, Term, and_of, or_of
from ._lexer import QuerySyntaxError, Token, tokens

__all__ = ["MAX_DEPTH", "MAX_QUERY_CHARS", "parse_query"]

MAX_QUERY_CHARS = 20_000
MAX_DEPTH = 64

_NEAR_OPERAND = "a term, phrase, wildcard or an OR group of those"


def parse_query(query: str) -> Node:
    """Parse ``query`` into its node tree; raise :class:`QuerySyntaxError` naming column and expectation.

    Examples
    --------
    >>> str(parse_query('acme -job "new phone" OR @acme'))
    'acme AND NOT job AND "new phone" OR @acme'
    """
    if not isinstance(query, str):
        raise TypeError(f"a query is a str, not {type(query).__name__}")
    if len(query) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            MAX_QUERY_CHARS + 1, f"expected a query of at most {MAX_QUERY_CHARS} characters"
        )
    return _Parser(query).parse()


def _describe(token: Token) -> str:
    if token.kind == "END":
        return "the end of the query"
    if token.kind in ("LPAREN", "RPAREN") or token.text == "-":
        return f'"{token.text}"'
    return token.text


def _nearable(node: Node) -> bool:
    return isinstance(node, Term) or (isinstance(node, Or) and all(isinstance(i, Term) for i in node.items))


class _Parser:
    def __init__(self, query: str) -> None:
        self._tokens = tokens(query)
        self.token = next(self._tokens)
        self.previous: Token | None = None
        self.depth = 0

    def advance(self) -> None:
        self.previous = self.token
        self.token = next(self._tokens)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(self.token.column, f"expected at most {MAX_DEPTH} nested groups or NOTs")

    def parse(self) -> Node:
        if self.token.kind == "END":
            raise QuerySyntaxError(1, 'expected a term or "(" (the query is empty)')
        node = self.or_expr()
        if self.token.kind == "RPAREN":
            raise QuerySyntaxError(
                self.token.column,
                'expected an operator or the end of the query, found ")" without a matching "("',
            )
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.token.kind == "OR":
            self.advance()
            items.append(self.and_expr())
        return or_of(items)

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while True:
            if self.token.kind == "AND":
                self.advance()
            elif self.token.kind not in ("ATOM", "NOT", "LPAREN"):  # anything else ends the AND chain
                return and_of(items)
            items.append(self.not_expr())

    def not_expr(self) -> Node:
        if self.token.kind != "NOT":
            return self.near_expr()
        self.enter()
        self.advance()
        node = Not(self.not_expr())
        self.depth -= 1
        return node

    def near_expr(self) -> Node:
        left_token = self.token
        left = self.primary()
        if self.token.kind != "NEAR":
            return left
        near = self.token
        if not _nearable(left):
            raise QuerySyntaxError(left_token.column, f"expected {_NEAR_OPERAND} before {near.text}")
        self.advance()
        right_token = self.token
        right = self.primary()
        if not _nearable(right):
            raise QuerySyntaxError(right_token.column, f"expected {_NEAR_OPERAND} after {near.text}")
        if self.token.kind == "NEAR":
            raise QuerySyntaxError(
                self.token.column,
                f"expected AND, OR or the end of a group before {self.token.text}: "
                "NEAR cannot be chained, join two NEARs with AND",
            )
        return Near(left, right, near.distance)

    def primary(self) -> Node:
        token = self.token
        if token.kind == "ATOM":
            assert token.node is not None
            self.advance()
            return token.node
        if token.kind == "LPAREN":
            self.enter()
            self.advance()
            node = self.or_expr()
            if self.token.kind != "RPAREN":
                found = "" if self.token.kind == "END" else f", found {_describe(self.token)}"
                raise QuerySyntaxError(
                    self.token.column, f'expected ")" to close the "(" at column {token.column}{found}'
                )
            self.advance()
            self.depth -= 1
            return node
        where = "at the start of the query" if self.previous is None else f"after {_describe(self.previous)}"
        found = "" if token.kind == "END" else f", found {_describe(token)}"
        raise QuerySyntaxError(token.column, f'expected a term or "(" {where}{found}')
