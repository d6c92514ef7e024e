"""Brand-tracking queries: the language social-listening users already write, run in SQL or Python.

``parse_query`` turns text into a node tree (``str(node)`` is the canonical spelling),
``compile_sql`` turns it into a parameterized DuckDB expression over ``posts``, and
``matches`` tests one post in Python. The two back ends agree on every post. The grammar,
with examples, is in ``docs/query-language.md``.
"""

from __future__ import annotations

from ._lexer import QuerySyntaxError
from ._parser import parse_query
from ._python import matches
from ._sql import compile_sql

__all__ = ["QuerySyntaxError", "compile_sql", "matches", "parse_query"]
