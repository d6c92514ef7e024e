"""Brand-tracking queries over a million posts in DuckDB, all queries in one SQL statement.

Generates synthetic posts with SQL (a skewed vocabulary, 50 brand names mentioned in a few
percent of posts, mentions, hashtags, links, languages, replies and reposts), compiles 50
typical tracking queries with ``compile_sql`` and evaluates them as ONE statement that
yields ``(post_id, query_id)`` match rows, two ways:

- ``union``: ``SELECT id, k FROM posts WHERE <query k>`` for each query, glued with UNION ALL;
- ``one pass``: one scan of ``posts`` that keeps the ids of the matching queries per post.

    python benchmarks/query.py [--posts 1000000] [--threads N]

Target (issue 3): under 30 s for 50 queries over 1 million posts on a 2-core machine.
"""

from __future__ import annotations

import argparse
import time

import duckdb

from grapevine.text.query import compile_sql

PREFIXES = ["acme", "zen", "volt", "nova", "hyper", "pixel", "quantum", "orbit", "lumen", "vertex"]
SUFFIXES = ["", "ix", "ly", "corp", "tech"]
BRANDS = [p + s for s in SUFFIXES for p in PREFIXES]  # acme, acmeix ... : prefixes of each other on purpose
COMMON = ["the", "a", "is", "to", "and", "my", "it", "love", "great", "broken", "refund", "terrible"]
COMMON += ["awful", "amazing", "job", "hiring", "sponsored", "ad", "support", "phone", "app", "new"]
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ba", "de", "fo", "gu", "ha", "ji", "pe", "zé"]


def create_posts(con: duckdb.DuckDBPyConnection, count: int) -> None:
    """Fill ``posts`` with ``count`` synthetic posts, generated in SQL so it takes seconds."""
    con.execute(
        "CREATE TABLE syllables AS SELECT unnest(?) AS s, generate_subscripts(?, 1) - 1 AS k", [SYLLABLES] * 2
    )
    con.execute(
        "CREATE TABLE brands AS SELECT unnest(?) AS word, generate_subscripts(?, 1) - 1 AS k", [BRANDS] * 2
    )
    # 5,000 words: the common ones first (most frequent), then words built from 2-4 syllables.
    con.execute(
        """
        CREATE TABLE vocab AS
        SELECT k, word FROM (SELECT unnest(?) AS word, generate_subscripts(?, 1) - 1 AS k)
        UNION ALL
        SELECT v.k, string_agg(s.s, '' ORDER BY d.pos) AS word
        FROM range(?, 5000) v(k), range(2 + (v.k % 3)) d(pos), syllables s
        WHERE s.k = (hash(v.k, d.pos) % 16)
        GROUP BY v.k
        """,
        [COMMON, COMMON, len(COMMON)],
    )
    con.execute(
        """
        CREATE TABLE posts AS
        WITH tokens AS (
            SELECT p.i AS id, t.j AS pos, hash(p.i, t.j) AS h
            FROM range(?) p(i), range(8 + (hash(p.i) % 30)::INT) t(j)
        ), words AS (
            SELECT id, pos,
                CASE WHEN h % 400 = 0 THEN b.word ELSE v.word END
                || CASE h % 23 WHEN 0 THEN ',' WHEN 1 THEN '!' WHEN 2 THEN '.' ELSE '' END AS word,
                h % 17 = 0 AS capital
            FROM tokens
            JOIN vocab v ON v.k = floor(5000 * pow((h % 1000003) / 1000003.0, 3))::INT
            JOIN brands b ON b.k = (h >> 20) % 50
        )
        SELECT
            w.id,
            'twitter' AS platform,
            string_agg(CASE WHEN w.capital THEN upper(w.word[1]) || w.word[2:] ELSE w.word END, ' ' ORDER BY w.pos) AS text,
            CASE WHEN hash(w.id, 1) % 100 = 0 THEN [any_value(b.word)] ELSE [] END AS mentions,
            CASE WHEN hash(w.id, 2) % 150 = 0 THEN [upper(any_value(b.word))] ELSE [] END AS hashtags,
            CASE WHEN hash(w.id, 3) % 200 = 0 THEN ['https://shop.' || any_value(b.word) || '.com/p/' || w.id]
                 WHEN hash(w.id, 3) % 20 = 0 THEN ['https://example.org/' || w.id] ELSE [] END AS links,
            'user' || (hash(w.id, 4) % 100000) AS author_handle,
            (['en', 'en', 'en', 'de', 'fr', 'es', 'ja'])[(1 + hash(w.id, 5) % 7)::BIGINT] AS lang,
            CASE WHEN hash(w.id, 6) % 10 < 3 THEN (w.id - 1)::VARCHAR END AS reply_to_id,
            CASE WHEN hash(w.id, 7) % 10 = 0 THEN (w.id - 2)::VARCHAR END AS repost_of_id,
            CASE WHEN hash(w.id, 8) % 20 = 0 THEN (w.id - 3)::VARCHAR END AS quote_of_id
        FROM words w JOIN brands b ON b.k = hash(w.id) % 50
        GROUP BY w.id
        """,
        [count],
    )
    # The platform column varies too, so platform: filters have something to do.
    con.execute(
        "UPDATE posts SET platform = (['twitter', 'mastodon', 'bluesky', 'reddit'])[(1 + hash(id, 9) % 4)::BIGINT]"
    )


def queries() -> list[str]:
    """50 tracking queries in the shapes people write, one per brand."""
    templates = [
        "{b} OR @{b} OR #{b}",
        '({b} OR "{b} support") -job -hiring',
        "{b} NEAR/5 (broken OR refund OR terrible OR awful)",
        "{b}* lang:en -is:repost",
        "site:{b}.com OR @{b}",
        '"{b}" AND (love OR great OR amazing) NOT is:reply',
        "#{b}* OR {b}",
        "@{b} has:link platform:twitter",
        "{b} NEAR/3 {c}",
        "({b} OR {c}) -#ad -sponsored",
    ]
    return [templates[i % 10].format(b=b, c=BRANDS[(i + 7) % 50]) for i, b in enumerate(BRANDS)]


def union_sql(compiled: list[tuple[str, list[str]]]) -> tuple[str, list[str]]:
    parts = [
        f"SELECT id AS post_id, {k} AS query_id FROM posts WHERE {sql}" for k, (sql, _) in enumerate(compiled)
    ]
    return "\nUNION ALL\n".join(parts), [p for _, params in compiled for p in params]


def one_pass_sql(compiled: list[tuple[str, list[str]]]) -> tuple[str, list[str]]:
    cases = ", ".join(f"CASE WHEN {sql} THEN {k} END" for k, (sql, _) in enumerate(compiled))
    hits = f"list_filter([{cases}], lambda q: q IS NOT NULL)"
    sql = f"SELECT post_id, unnest(hits) AS query_id FROM (SELECT id AS post_id, {hits} AS hits FROM posts)"
    return sql, [p for _, params in compiled for p in params]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    args = parser.parse_args()

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if args.threads:
        con.execute(f"SET threads = {int(args.threads)}")
    [(threads,)] = con.execute("SELECT current_setting('threads')").fetchall()
    start = time.perf_counter()
    create_posts(con, args.posts)
    generated = time.perf_counter() - start
    [(count, length)] = con.execute("SELECT count(*), avg(length(text)) FROM posts").fetchall()
    print(
        f"generated {count:,} posts (avg {length:.0f} chars) in {generated:.1f} s, DuckDB threads: {threads}"
    )

    start = time.perf_counter()
    compiled = [compile_sql(q) for q in queries()]
    print(f"compiled {len(compiled)} queries in {1000 * (time.perf_counter() - start):.0f} ms")

    results = {}
    print(f"{'plan':<10} {'seconds':>8} {'match rows':>11} {'queries hit':>12}")
    for name, build in (("union", union_sql), ("one pass", one_pass_sql)):
        sql, params = build(compiled)
        start = time.perf_counter()
        con.execute(f"CREATE OR REPLACE TEMP TABLE matches AS {sql}", params)
        seconds = time.perf_counter() - start
        [(rows, hit)] = con.execute("SELECT count(*), count(DISTINCT query_id) FROM matches").fetchall()
        results[name] = con.execute("SELECT post_id, query_id FROM matches ORDER BY ALL").fetchall()
        print(f"{name:<10} {seconds:>8.2f} {rows:>11,} {hit:>12}")
    assert results["union"] == results["one pass"], "the two plans must find the same matches"


if __name__ == "__main__":
    main()
