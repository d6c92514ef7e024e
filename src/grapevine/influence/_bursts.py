"""Bot-like bursts: near-duplicate posts in a short time, which must not add to anyone's influence.

Two posts are near-duplicates when their texts agree once links, @handles, a leading "RT",
case, digits, punctuation and spacing are taken out (so "Win a phone!! https://x/1 @amy" and
"win a PHONE https://x/2 @bob 2" agree). Near-duplicates (by anyone, the same author included)
that follow each other within ``BURST_WINDOW_S`` (10 minutes) form a run; a run of at least
``BURST_MIN_POSTS`` (3) posts is a *burst*. In one author's burst every post after the first
is a *copy*, left out of every count; a burst by several authors (a bot net's promo) is left
out whole. Two people writing the same line by chance is no burst. Texts shorter
than ``MIN_FINGERPRINT_CHARS`` letters once normalised ("thanks!", "lol") are never copies.

Accounts that posted into a burst (the first post of a run included) are *burst accounts*:
their reposts are left out too, since bot nets repost their client in the same minutes.
Everything is one SQL query over the posts in the window.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

__all__ = ["BURST_MIN_POSTS", "BURST_WINDOW_S", "MIN_FINGERPRINT_CHARS", "burst_posts"]

BURST_WINDOW_S = 600
BURST_MIN_POSTS = 3
MIN_FINGERPRINT_CHARS = 20

_NORMALISED = (
    r"regexp_replace(lower(regexp_replace(coalesce(text, ''), "
    r"'(https?://\S+)|(@[\w.@-]+)|(^rt\s+)', ' ', 'gi')), '[^\p{{L}}]+', '', 'g')"
)

_BURSTS = f"""
WITH p AS (
    SELECT platform, id, author_id, created_at, {_NORMALISED} AS fingerprint
    FROM posts
    WHERE NOT deleted AND author_id IS NOT NULL AND repost_of_id IS NULL AND created_at IS NOT NULL{{window}}
),
gaps AS (
    SELECT *, CASE WHEN lag(created_at) OVER w IS NULL
        OR created_at - lag(created_at) OVER w > to_seconds(?) THEN 1 ELSE 0 END AS starts_run
    FROM p WHERE length(fingerprint) >= {MIN_FINGERPRINT_CHARS}
    WINDOW w AS (PARTITION BY platform, fingerprint ORDER BY created_at, id)
),
runs AS (
    SELECT *, sum(starts_run) OVER (PARTITION BY platform, fingerprint ORDER BY created_at, id) AS run
    FROM gaps
),
sized AS (
    SELECT *, count(*) OVER r AS run_size, min(author_id) OVER r <> max(author_id) OVER r AS coordinated
    FROM runs WINDOW r AS (PARTITION BY platform, fingerprint, run)
),
bursts AS (SELECT * FROM sized WHERE run_size >= {BURST_MIN_POSTS}),
accounts AS (SELECT DISTINCT platform, author_id FROM bursts)
SELECT platform, id, author_id, 'copy' AS reason FROM bursts WHERE starts_run = 0 OR coordinated
UNION ALL
SELECT r.platform, r.id, r.author_id, 'burst account repost' AS reason
FROM posts r JOIN accounts a ON a.platform = r.platform AND a.author_id = r.author_id
WHERE r.repost_of_id IS NOT NULL AND NOT r.deleted{{window_r}}
ORDER BY platform, id
"""


def burst_posts(con: duckdb.DuckDBPyConnection, window: str, params: list[Any]) -> pa.Table:
    """Posts to leave out: ``platform, id, author_id, reason`` (``copy`` or ``burst account repost``).

    ``window`` is a SQL condition on ``created_at`` starting with `` AND`` (or empty) and
    ``params`` its values.
    """
    sql = _BURSTS.format(window=window, window_r=window.replace("created_at", "r.created_at"))
    return con.sql(sql, params=[*params, BURST_WINDOW_S, *params]).to_arrow_table()
