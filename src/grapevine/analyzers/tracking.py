"""Tracked queries: named brand/topic queries whose matching posts are kept up to date.

Matching runs inside DuckDB: each query compiles to one parameterised boolean expression
(:func:`grapevine.text.query.compile_sql`) and all the queries that are behind are evaluated in
one statement over the posts ingested since they were last matched (a watermark on
``posts.ingested_at``), so new posts cost work in proportion to their number only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from grapevine.errors import GrapevineError
from grapevine.text.query import QuerySyntaxError, compile_sql, matches, parse_query

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = [
    "Track",
    "add_track",
    "list_tracks",
    "query_matches_text",
    "remove_track",
    "reset_matches",
    "update_matches",
]


@dataclass(frozen=True)
class Track:
    name: str
    query: str
    created_at: datetime
    matched_through: datetime | None
    matches: int


def _check_query(query: str) -> str:
    try:
        return str(parse_query(query))
    except QuerySyntaxError as exc:
        raise GrapevineError(f"query {query!r}: {exc}") from exc


def add_track(store: Store, name: str, query: str, replace: bool = False) -> Track:
    """Start tracking ``query`` under ``name`` and match it against every stored post."""
    if not name or not name.strip():
        raise GrapevineError("a tracked query needs a name")
    _check_query(query)
    exists = store.run("SELECT 1 FROM tracks WHERE name = ?", [name])
    if exists and not replace:
        raise GrapevineError(f"a query named {name!r} is already tracked; pass replace=True to change it")
    with store.transaction() as con:
        con.execute("DELETE FROM track_matches WHERE track = ?", [name]).fetchall()
        con.execute("DELETE FROM tracks WHERE name = ?", [name]).fetchall()
        con.execute("INSERT INTO tracks VALUES (?, ?, now(), NULL)", [name, query]).fetchall()
    update_matches(store, [name])
    return _get(store, name)


def remove_track(store: Store, name: str) -> None:
    if not store.run("SELECT 1 FROM tracks WHERE name = ?", [name]):
        raise GrapevineError(f"no tracked query named {name!r}")
    with store.transaction() as con:
        con.execute("DELETE FROM track_matches WHERE track = ?", [name]).fetchall()
        con.execute("DELETE FROM tracks WHERE name = ?", [name]).fetchall()


def list_tracks(store: Store) -> list[Track]:
    rows = store.run(
        "SELECT t.name, t.query, t.created_at, t.matched_through, count(m.id) FROM tracks t "
        "LEFT JOIN track_matches m ON m.track = t.name GROUP BY ALL ORDER BY t.name"
    )
    return [Track(*row) for row in rows]


def _get(store: Store, name: str) -> Track:
    for track in list_tracks(store):
        if track.name == name:
            return track
    raise GrapevineError(f"no tracked query named {name!r}")


def update_matches(store: Store, names: list[str] | None = None) -> dict[str, int]:
    """Match tracked queries against the posts ingested since each was last matched.

    Returns the number of new matches per query. All queries that share a watermark are
    evaluated in one SQL statement.
    """
    rows = store.run("SELECT name, query, matched_through FROM tracks ORDER BY name")
    if names is not None:
        wanted = set(names)
        rows = [row for row in rows if row[0] in wanted]
    if not rows:
        return {}
    (latest,) = store.run("SELECT max(ingested_at) FROM posts")[0]
    groups: dict[Any, list[tuple[str, str]]] = {}
    for name, query, watermark in rows:
        if latest is not None and (watermark is None or watermark < latest):
            groups.setdefault(watermark, []).append((name, query))
    added = {name: 0 for name, _, _ in rows}
    for watermark, tracks in groups.items():
        parts, params = [], []
        for name, query in tracks:
            expression, query_params = compile_sql(query)
            parts.append(
                f"SELECT ? AS track, platform, id FROM posts WHERE ingested_at <= ?{_since(watermark)} AND ({expression})"
            )
            params += [name, latest, *([watermark] if watermark is not None else []), *query_params]
        names = [name for name, _ in tracks]
        with store.transaction() as con:
            before = _match_counts(con, names)
            con.execute(
                "INSERT INTO track_matches " + " UNION ALL ".join(parts) + " ON CONFLICT DO NOTHING", params
            ).fetchall()
            after = _match_counts(con, names)
            con.execute(
                "UPDATE tracks SET matched_through = ? WHERE name IN (SELECT unnest(?))", [latest, names]
            ).fetchall()
        for name, _ in tracks:
            added[name] = after.get(name, 0) - before.get(name, 0)
    return added


def _match_counts(con: Any, names: list[str]) -> dict[str, int]:
    """Stored matches per tracked query, for the queries named."""
    rows = con.execute(
        "SELECT track, count(*) FROM track_matches WHERE track IN (SELECT unnest(?)) GROUP BY track", [names]
    ).fetchall()
    return dict(rows)


def _since(watermark: datetime | None) -> str:
    return "" if watermark is None else " AND ingested_at > ?"


def reset_matches(store: Store) -> None:
    """Forget every match (posts were rewritten); the next update recomputes them all."""
    with store.transaction() as con:
        con.execute("DELETE FROM track_matches").fetchall()
        con.execute("UPDATE tracks SET matched_through = NULL").fetchall()


def query_matches_text(query: str, text: str, **fields: Any) -> bool:
    """Whether ``query`` matches a post with this text (and optional fields such as ``lang``)."""
    _check_query(query)
    post = {"text": text, "mentions": [], "hashtags": [], "links": [], **fields}
    return matches(query, post)
