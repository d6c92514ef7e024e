"""The brand-tracking query language: parsing, canonical text, and two back ends that agree.

Every case in CASES runs through ``matches`` and through ``compile_sql`` on a real DuckDB
table holding the same post, and both must give the expected answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grapevine.errors import GrapevineError
from grapevine.text.query import QuerySyntaxError, compile_sql, matches, parse_query

COLUMNS = {
    "id": pa.int64(),
    "text": pa.string(),
    "mentions": pa.list_(pa.string()),
    "hashtags": pa.list_(pa.string()),
    "links": pa.list_(pa.string()),
    "author_handle": pa.string(),
    "lang": pa.string(),
    "platform": pa.string(),
    "reply_to_id": pa.string(),
    "repost_of_id": pa.string(),
    "quote_of_id": pa.string(),
}
SCHEMA = pa.schema(list(COLUMNS.items()))


def post(text: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"text": text, **fields}


# (query, post, expected). A bare string stands for post(text=...).
CASES: list[tuple[str, Any, bool]] = [
    # terms: whole words, case-insensitive
    ("acme", "I love Acme", True),
    ("acme", "ACME!", True),
    ("acme", "acmecorp rocks", False),
    ("acme", "notacme", False),
    ("acme", "acme_corp", False),  # _ is a word character
    ("acme", "acme2", False),
    ("acme", "", False),
    ("acme", post(None), False),
    # punctuation is a boundary
    ("acme", "acme's new phone", True),
    ("acme", "#acme trending", True),
    ("acme", "@acme help", True),
    ("acme", "visit acme.com", True),
    ("acme", "«acme»", True),
    ("acme", "acme…", True),
    ("acme", "acme\u00a0phone", True),
    ("acme", "acme🔥", True),
    ("acme", "(acme)", True),
    ("2024", "in 2024!", True),
    # Unicode: accents, German, Turkish, Greek, Cyrillic, Arabic, Devanagari
    ("café", "Café au lait", True),
    ("café", "CAFÉ", True),
    ("café", "cafés", False),
    ("cafe", "café", False),
    ("cafe", "cafe\u0301 noir", False),  # a combining accent is part of the word
    ("straße", "Straße", True),
    ("straße", "STRASSE", False),  # simple case folding: ß is not ss
    ("STRAẞE", "straße", True),  # capital sharp s folds to ß
    ("istanbul", "ISTANBUL", True),
    ("İstanbul", "İSTANBUL", True),
    ("istanbul", "İstanbul", False),  # dotted capital I only matches itself (RE2 folding)
    ("σοφός", "ΣΟΦΌΣ", True),  # final sigma folds with Σ
    ("москва", "МОСКВА!", True),
    ("شركة", "هذه شركة جيدة", True),
    ("भारत", "भारतीय टीम", False),  # a vowel sign (mark) continues the word
    ("भारत", "भारत की टीम", True),
    # scripts without spaces match per character
    ("東京", "我爱東京タワー", True),
    ("タワー", "我爱東京タワー", True),
    ("acme", "我爱acme手机", True),
    ("ไทย", "ประเทศไทยสวย", True),
    # phrases
    ('"new phone"', "My new  phone", True),
    ('"new phone"', "new\nphone", True),
    ('"new phone"', "new-phone", False),
    ('"new phone"', "newphone", False),
    ('"new phone"', "brand new phones", False),
    ('"acme\'s phone"', "ACME’s phone", True),  # typed and typographic apostrophes agree
    ("acme’s", "acme's", True),
    ('"hello, world"', "Hello, World!", True),
    ('"hello, world"', "hello world", False),
    ('"c++"', "I code c++ daily", True),
    ("c++", "c++x", True),  # only word-character edges need a boundary
    ("c++", "cc++", False),
    ('"acme.com"', "visit ACME.COM today", True),
    ("acme.com", "acme com", False),
    ('".net"', "asp.net core", True),
    ('"say \\"hi\\""', 'they say "hi" a lot', True),
    # prefix wildcards
    ("acme*", "acmecorp", True),
    ("acme*", "Acme", True),
    ("acme*", "notacme", False),
    ("acme*", "the acme-phone", True),
    ("acme*", "acme_x", True),
    ("café*", "Cafés", True),
    ("acme.*", "ACME.COM", True),
    # AND, OR, NOT and precedence
    ("acme phone", "phone by acme", True),
    ("acme phone", "acme only", False),
    ("acme AND phone", "acme phone", True),
    ("acme && phone", "acme", False),
    ("acme OR phone", "phone", True),
    ("acme || phone", "tablet", False),
    ("acme NOT broken", "acme broken", False),
    ("acme NOT broken", "acme works", True),
    ("acme -broken", "acme works", True),
    ("acme -broken", "broken acme", False),
    ("e-mail", "send an e-mail", True),
    ("NOT acme OR phone", "acme phone", True),  # (NOT acme) OR phone
    ("NOT acme OR phone", "acme", False),
    ("acme OR phone tablet", "acme", True),  # acme OR (phone AND tablet)
    ("acme OR phone tablet", "phone", False),
    ("(acme OR phone) tablet", "acme", False),
    ("(acme OR phone) tablet", "phone tablet", True),
    ("NOT acme phone", "phone", True),  # (NOT acme) AND phone
    ("NOT acme phone", "acme phone", False),
    ("-(acme OR phone)", "tablet", True),
    ("-(acme OR phone)", "phone", False),
    ("NOT NOT acme", "acme", True),
    ("NOT acme", post(None), True),
    ("rock and roll", "rock and roll", True),  # lower-case and is a word
    ("rock and roll", "rock roll", False),
    # NEAR/n: within n words, either order
    ("acme NEAR/3 broken", "acme is really broken", True),
    ("acme NEAR/3 broken", "acme is really very broken", False),
    ("acme NEAR/3 broken", "broken, said acme", True),
    ("acme NEAR/3 broken", "BROKEN... again and again, Acme", False),
    ("acme NEAR/1 broken", "acme broken", True),
    ("acme NEAR/1 broken", "acme, broken!", True),
    ("acme NEAR/1 broken", "broken acme", True),
    ("acme NEAR/1 broken", "acme x broken", False),
    ("acme NEAR/1 broken", "acmebroken", False),
    ("acme NEAR/1 acme", "acme", False),
    ("acme NEAR/1 acme", "acme acme", True),
    ("acme NEAR/2 broken", "acmex broken", False),
    ("acme NEAR/2 broken", "acme\nreally\nbroken", True),
    ("(acme OR acmecorp) NEAR/2 broken", "acmecorp totally broken", True),
    ("(acme OR acmecorp) NEAR/1 (broken OR dead)", "dead, totally, acme", False),
    ("(acme OR acmecorp) NEAR/2 (broken OR dead)", "dead, totally, acme", True),
    ('"acme phone" NEAR/2 broken', "the acme phone is broken", True),
    ('"acme phone" NEAR/2 broken', "broken again the acme phone", False),
    ("acme* NEAR/2 broken", "acmephone broken", True),
    ("acme NEAR/2 broken NOT fixed", "acme broken, fixed", False),
    ("acme NEAR/30 broken", "acme " + "x " * 29 + "broken", True),
    ("acme NEAR/30 broken", "acme " + "x " * 30 + "broken", False),
    # @mentions: list or text, case-insensitive
    ("@acme", post("hi", mentions=["Acme"]), True),
    ("@acme", "thanks @ACME!", True),
    ("@acme", "mail bob@acme.com", False),  # an e-mail address is not a mention
    ("@acme", "@acme_support help", False),
    ("@acme", "hi acme", False),
    ("@acme", post("hi", mentions=["acme@mastodon.social"]), True),
    ("@acme", "@acme@mastodon.social hi", True),
    ("@acme", post("hi", mentions=["acmex", None]), False),
    ("@acme*", post("hi", mentions=["acme_support"]), True),
    ("@acme*", "ask @AcmeHelp", True),
    ("@acme.bsky.social", "cc @acme.bsky.social", True),
    # #hashtags
    ("#acme", post("x", hashtags=["ACME"]), True),
    ("#acme", "love #Acme", True),
    ("#acme", "love acme", False),
    ("#acme", "a#acme", False),
    ("#acme", "#acmelove", False),
    ("#acme*", "#acmelove", True),
    ("#acme*", post("x", hashtags=["AcmeLove"]), True),
    ("#café", "#CAFÉ", True),
    # site:/link: by host or subdomain
    ("site:acme.com", post(links=["https://acme.com/x"]), True),
    ("site:acme.com", post(links=["https://shop.ACME.com"]), True),
    ("site:acme.com", post(links=["https://notacme.com"]), False),
    ("site:acme.com", post(links=["https://acme.com.evil.org/"]), False),
    ("site:acme.com", post(links=["https://evil.org/?u=acme.com"]), False),
    ("site:acme.com", post(links=["https://acme.com@evil.org/"]), False),
    ("site:acme.com", post(links=["http://user@acme.com:8080/p"]), True),
    ("site:acme.com", post(links=["https://acme.co", "https://acme.com."]), True),
    ("site:acme.com", post(links=["https://acme.co"]), False),
    ("site:acme.com", post("see acme.com"), False),  # links only, not the text
    ("link:acme.com", post(links=["acme.com/path"]), True),
    ("site:https://www.acme.com/", post(links=["https://acme.com/"]), False),
    ("site:*.acme.com", post(links=["https://eu.acme.com/"]), True),
    # field filters
    ("author:acme", post(author_handle="ACME"), True),
    ("author:@acme", post(author_handle="acme"), True),
    ("author:acme", post(author_handle="acme2"), False),
    ("author:acme", post(), False),
    ("lang:en", post(lang="en"), True),
    ("lang:en", post(lang="en-GB"), True),
    ("lang:EN", post(lang="en_us"), True),
    ("lang:en", post(lang="eng"), False),
    ("platform:twitter", post(platform="twitter"), True),
    ("platform:twitter", post(platform="mastodon"), False),
    ("is:reply", post(reply_to_id="123"), True),
    ("is:reply", post(reply_to_id=""), False),
    ("is:reply", post(repost_of_id="1"), False),
    ("is:repost", post(repost_of_id="1"), True),
    ("is:quote", post(quote_of_id="9"), True),
    ("is:quote", post(), False),
    ("has:link", post(links=["https://x.org"]), True),
    ("has:link", post(links=[]), False),
    ("has:mention", post(mentions=["a"]), True),
    ("has:mention", post(), False),
    ("has:hashtag", post(hashtags=["a"]), True),
    ("acme lang:en -is:repost", post("acme rocks", lang="en"), True),
    ("acme lang:en -is:repost", post("acme rocks", lang="en", repost_of_id="5"), False),
    ("re:invent", "see you at re:Invent", True),  # unknown field names are plain words
]


def _table(posts: list[dict[str, Any]]) -> pa.Table:
    rows = [{name: row.get(name) for name in COLUMNS} | {"id": i} for i, row in enumerate(posts)]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def _as_post(value: Any) -> dict[str, Any]:
    return post(value) if isinstance(value, str) else value


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.register("cases", _table([_as_post(p) for _, p, _ in CASES]))
    connection.execute("CREATE TABLE posts AS SELECT * FROM cases")
    return connection


def sql_matches(con: duckdb.DuckDBPyConnection, query: str, post_id: int) -> bool:
    expression, params = compile_sql(query)
    [(value,)] = con.execute(f"SELECT {expression} FROM posts WHERE id = ?", [*params, post_id]).fetchall()
    assert value is not None, "the SQL expression must never be NULL"
    return bool(value)


@pytest.mark.parametrize(
    ("index", "query", "value", "expected"), [(i, *case) for i, case in enumerate(CASES)]
)
def test_python_and_sql_agree_with_expected(
    con: duckdb.DuckDBPyConnection, index: int, query: str, value: Any, expected: bool
) -> None:
    assert matches(query, _as_post(value)) is expected
    assert sql_matches(con, query, index) is expected


def test_matches_accepts_post_objects_and_parsed_queries() -> None:
    from grapevine.models import Post

    item = Post(platform="twitter", id="1", text="Acme is great", mentions=["support"], lang="en")
    assert matches("acme @support lang:en", item)
    assert matches(parse_query("acme NOT great"), item) is False


def test_hostile_post_values_do_not_crash() -> None:
    assert (
        matches("acme OR @a OR has:link OR site:a.com", {"text": 5, "mentions": "a", "links": None}) is False
    )
    assert matches("NOT acme", {}) is True


# --- canonical text and round trips -------------------------------------------------------

CANONICAL = [
    ("acme phone", "acme AND phone"),
    ("acme -job", "acme AND NOT job"),
    ("a || b && c", "a OR b AND c"),
    ('"acme"', "acme"),
    ('"AND"', '"AND"'),
    ('"new \t  phone"', '"new phone"'),
    ('"-x"', '"-x"'),
    ('"author:bob"', '"author:bob"'),
    ("link:https://Shop.acme.com/", "site:Shop.acme.com"),
    ("(a OR b) c", "(a OR b) AND c"),
    ("a OR (b c)", "a OR b AND c"),
    ("a OR (b OR c)", "a OR b OR c"),
    ("NOT (a b)", "NOT (a AND b)"),
    ("((a))", "a"),
    ('"say \\"hi\\" \\\\o/"', '"say \\"hi\\" \\\\o/"'),
    ("author:@Bob Is:Reply HAS:LINK", "author:Bob AND is:reply AND has:link"),
    ("rock and roll", "rock AND and AND roll"),
    ("(a OR b) NEAR/2 c", "(a OR b) NEAR/2 c"),
    ("NOT a NEAR/2 b", "NOT a NEAR/2 b"),
    ("cafe\u0301*", "café*"),  # NFC
]


@pytest.mark.parametrize(("query", "canonical"), CANONICAL)
def test_canonical_text_round_trips(query: str, canonical: str) -> None:
    node = parse_query(query)
    assert str(node) == canonical
    assert parse_query(canonical) == node


def test_precedence_shapes() -> None:
    assert repr(parse_query("NOT a OR b")).startswith("Or(")
    assert repr(parse_query("a OR b c")).startswith("Or(")
    assert repr(parse_query("NOT a NEAR/2 b")).startswith("Not(item=Near(")


# --- syntax errors --------------------------------------------------------------------------

ERRORS = [
    ("acme AND", 9, 'expected a term or "(" after AND'),
    ("acme AND OR b", 10, 'expected a term or "(" after AND, found OR'),
    ("acme OR", 8, 'expected a term or "(" after OR'),
    ("OR acme", 1, 'expected a term or "(" at the start of the query, found OR'),
    ("", 1, 'expected a term or "(" (the query is empty)'),
    ("   ", 1, "the query is empty"),
    ("(acme", 6, 'expected ")" to close the "(" at column 1'),
    ("a (b (c)", 9, 'expected ")" to close the "(" at column 3'),
    ("acme)", 5, 'found ")" without a matching "("'),
    ('"acme', 1, 'expected a closing " for the phrase'),
    ('a ""', 3, "expected words between the quotes"),
    ("ac*me", 3, "expected * only at the end of a word"),
    ("*", 1, "expected a term before *"),
    ('"acme corp"*', 12, "expected no * after a phrase"),
    ("acme NEAR/0 b", 11, "expected a distance from 1 to 30 after NEAR/"),
    ("acme NEAR/31 b", 11, "expected a distance from 1 to 30"),
    ("acme NEAR b", 6, "expected NEAR/n with a distance in words"),
    ("acme NEAR/x b", 6, "expected NEAR/n"),
    ("acme NEAR/3", 12, 'expected a term or "(" after NEAR/3'),
    ("@acme NEAR/3 b", 1, "expected a term, phrase, wildcard or an OR group of those before NEAR/3"),
    ("a NEAR/3 (b c)", 10, "expected a term, phrase, wildcard or an OR group of those after NEAR/3"),
    ("a NEAR/3 b NEAR/2 c", 12, "NEAR cannot be chained"),
    ("a NEAR/3 NOT b", 10, 'expected a term or "(" after NEAR/3, found NOT'),
    ("is:foo", 4, "expected reply, repost or quote after is:"),
    ("has:likes", 5, "expected link, mention or hashtag after has:"),
    ("author:", 8, "expected a value after author:"),
    ("author:@", 8, "expected a value after author:"),
    ("lang:e*", 7, "expected a value without * after lang:"),
    ("site:/x", 6, "expected a domain like acme.com after site:"),
    ("a site:acme..com", 8, "expected a domain"),
    ("- acme", 2, 'expected a term or "(" right after "-"'),
    ("acme -", 7, 'expected a term or "(" right after "-"'),
    ("@", 2, "expected a handle after @"),
    ("#", 2, "expected a tag after #"),
    ("acme AND (", 11, 'expected a term or "(" after "("'),
    ("(" * 65 + "a" + ")" * 65, 65, "expected at most 64 nested groups"),
    ("NOT " * 65 + "a", 257, "expected at most 64 nested groups"),
]


@pytest.mark.parametrize(("query", "column", "message"), ERRORS)
def test_syntax_errors_name_column_and_expectation(query: str, column: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert caught.value.column == column
    assert str(caught.value).startswith(f"column {column}: ")
    assert message in str(caught.value)
    assert isinstance(caught.value, GrapevineError) and isinstance(caught.value, ValueError)


def test_error_example_from_docs() -> None:
    with pytest.raises(QuerySyntaxError, match=r'^column 12: expected a term or "\(" after AND$'):
        parse_query("acme -x AND")


def test_non_string_query_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_query(42)  # type: ignore[arg-type]


# --- SQL safety -----------------------------------------------------------------------------


def test_user_strings_only_travel_as_parameters() -> None:
    expression, params = compile_sql("\"x'); DROP TABLE posts; --\" OR @x';DROP OR author:bob's")
    assert "DROP" not in expression and "bob" not in expression
    assert any("DROP" in p for p in params)
    assert expression.count("?") == len(params)


def test_every_ascii_punctuation_mark_is_escaped_in_both_dialects(con: duckdb.DuckDBPyConnection) -> None:
    import string

    for mark in string.punctuation:
        query = '"a' + ("\\" + mark if mark in '"\\' else mark) + 'b"'
        text = f"x A{mark}B y"
        expression, params = compile_sql(query)
        rows = con.execute(f"SELECT {expression} FROM (SELECT ? AS text)", [*params, text]).fetchall()
        assert rows == [(True,)], mark
        assert matches(query, {"text": text}), mark


def test_alias_qualifies_columns_and_is_checked() -> None:
    expression, _ = compile_sql("acme has:link", alias="p")
    assert 'p."text"' in expression and 'p."links"' in expression
    with pytest.raises(ValueError, match="alias"):
        compile_sql("acme", alias="p; DROP")


# --- the Unicode tables the Python back end relies on agree with DuckDB's RE2 ----------------


def test_whitespace_list_is_exactly_str_isspace() -> None:
    from grapevine.text.query._patterns import WHITESPACE

    assert set(WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_case_folding_matches_re2(con: duckdb.DuckDBPyConnection) -> None:
    from grapevine.text.query._patterns import _fold_table

    pairs = [(chr(code), folded) for code, folded in _fold_table().items()]
    assert len(pairs) > 1000
    rows = con.execute(
        "SELECT count(*) FROM (SELECT unnest(?) a, unnest(?) b) "
        "WHERE NOT regexp_full_match(a, '(?i)' || b) OR NOT regexp_full_match(b, '(?i)' || a)",
        [[a for a, _ in pairs], [b for _, b in pairs]],
    ).fetchall()
    assert rows == [(0,)]


def test_word_characters_match_re2_except_newer_unicode(con: duckdb.DuckDBPyConnection) -> None:
    import unicodedata

    from grapevine.text.query._patterns import is_word

    chars = [chr(c) for c in range(0x30000) if not 0xD800 <= c < 0xE000]
    words = con.execute(
        r"SELECT list(regexp_full_match(c, '[\pL\pN\pM_]')) FROM (SELECT unnest(?) c)", [chars]
    )
    [(re2_words,)] = words.fetchall()
    differ = [ch for ch, re2_word in zip(chars, re2_words, strict=True) if re2_word != is_word(ch)]
    # RE2 may know a newer Unicode than Python's unicodedata; only unassigned-here characters differ.
    assert all(unicodedata.category(ch) == "Cn" for ch in differ)


def test_python_word_class_is_exactly_is_word() -> None:
    import re

    from grapevine.text.query._patterns import is_word, python_dialect

    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    not_words = re.sub(python_dialect().word, "", everything)
    assert len(not_words) == sum(1 for ch in everything if not is_word(ch))
    assert not any(is_word(ch) for ch in not_words)


# --- property tests: random queries from the grammar ----------------------------------------

WORDS = [
    "acme",
    "Acme",
    "phone",
    "café",
    "straße",
    "東京",
    "x",
    "a_b",
    "ßig",
    "σοφός",
    "ſale",
    "\u212aelvin",
    "İz",
]
# Characters that stress the word classes, case folding and whitespace sets of both back ends.
NOISE = "aAsSkK\u212a\u017fßẞİıiIΣσςée\u0301東京タไ_-'’.,#@\u00a0\u3000\u2003\n1١\u093c🔥"
SEPARATORS = [" ", "  ", ", ", "-", "'s ", ".", "\n", " #", " @", "’", "!", "_", "…", "\u00a0", ""]
FIELDS = ["lang:en", "platform:twitter", "is:reply", "is:repost", "has:link", "has:mention", "author:acme"]
FIELDS += ["site:acme.com", "has:hashtag", "is:quote"]

word = st.sampled_from(WORDS)
CASINGS: list[Callable[[str], str]] = [str, str.upper, str.lower, str.title]
cased_word = st.tuples(word, st.sampled_from(CASINGS)).map(lambda t: t[1](t[0]))
term = st.one_of(
    word,
    st.sampled_from(["acme's", "c++", "acme.com", "e-mail", ".net", "re:invent", "'"]),
    word.map(lambda w: w + "*"),
    st.lists(word, min_size=1, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
)
nearable = st.one_of(term, st.lists(term, min_size=2, max_size=3).map(lambda ts: "(" + " OR ".join(ts) + ")"))
near = st.tuples(nearable, st.integers(1, 4), nearable).map(lambda t: f"{t[0]} NEAR/{t[1]} {t[2]}")
atom = st.one_of(
    term,
    st.tuples(st.sampled_from("@#"), word, st.sampled_from(["", "*"])).map("".join),
    st.sampled_from(FIELDS),
    near,
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: f"{p[0]} AND {p[1]}"),
        pair.map(lambda p: f"{p[0]} {p[1]}"),
        pair.map(lambda p: f"{p[0]} OR {p[1]}"),
        pair.map(lambda p: f"{p[0]} || {p[1]}"),
        children.map(lambda c: f"NOT {c}"),
        children.map(lambda c: f"-({c})"),
        children.map(lambda c: f"({c})"),
    )


queries = st.recursive(atom, _combine, max_leaves=6)
noisy_word = st.one_of(cased_word, cased_word, st.text(alphabet=NOISE, min_size=1, max_size=4))
texts = st.lists(st.tuples(noisy_word, st.sampled_from(SEPARATORS)), max_size=8).map(
    lambda parts: "".join(w + s for w, s in parts)
)
posts = st.fixed_dictionaries(
    {
        "text": st.one_of(st.none(), texts),
        "mentions": st.lists(cased_word, max_size=2),
        "hashtags": st.lists(cased_word, max_size=2),
        "links": st.lists(
            st.sampled_from(["https://acme.com/x", "https://shop.Acme.com", "https://x.org"]), max_size=2
        ),
        "author_handle": st.sampled_from([None, "acme", "ACME", "bob"]),
        "lang": st.sampled_from([None, "en", "en-GB", "de"]),
        "platform": st.sampled_from([None, "twitter", "mastodon"]),
        "reply_to_id": st.sampled_from([None, "", "1"]),
        "repost_of_id": st.sampled_from([None, "2"]),
        "quote_of_id": st.sampled_from([None, "3"]),
    }
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=queries, batch=st.lists(posts, min_size=1, max_size=6))
def test_random_queries_agree_and_round_trip(
    con: duckdb.DuckDBPyConnection, query: str, batch: list[dict[str, Any]]
) -> None:
    node = parse_query(query)
    assert parse_query(str(node)) == node
    assert str(parse_query(str(node))) == str(node)

    expression, params = compile_sql(node)
    con.register("batch", _table(batch))
    try:
        rows = con.execute(f"SELECT {expression} FROM batch ORDER BY id", params).fetchall()
    finally:
        con.unregister("batch")
    assert all(r[0] is not None for r in rows)
    assert [r[0] for r in rows] == [matches(node, p) for p in batch]
