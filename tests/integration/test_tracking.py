"""Tracked queries on a real DuckDB workspace: matching in SQL, incremental, consistent with Python."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from grapevine import GrapevineError, open_workspace
from grapevine.analyzers.tracking import query_matches_text


def mastodon_status(i: int, text: str, tags: list[str] | None = None) -> bytes:
    account = {
        "id": str(100 + i % 3),
        "username": f"u{i % 3}",
        "acct": f"u{i % 3}",
        "display_name": "U",
        "note": "",
        "url": f"https://m.example/@u{i % 3}",
        "followers_count": 10,
        "following_count": 1,
        "statuses_count": 5,
        "created_at": "2020-01-01T00:00:00.000Z",
        "fields": [],
    }
    return orjson.dumps(
        {
            "id": str(1000 + i),
            "created_at": "2024-03-01T12:00:00.000Z",
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "language": "en",
            "content": f"<p>{text}</p>",
            "url": f"https://m.example/@u/{i}",
            "uri": f"https://m.example/s/{i}",
            "reblog": None,
            "account": account,
            "mentions": [],
            "tags": [{"name": t, "url": "x"} for t in (tags or [])],
            "favourites_count": 1,
            "reblogs_count": 0,
            "replies_count": 0,
            "visibility": "public",
        }
    )


TEXTS = [
    ("My Acme phone is broken again", []),
    ("acme's support fixed it, thanks", []),
    ("Love the new #acme launch", ["acme"]),
    ("Northwind lost my bag", []),
    ("acmeville is a town", []),
    ("Café Acme, best café in town", []),
]


def write(path: Path, items: list[tuple[str, list[str]]], start: int = 0) -> Path:
    path.write_bytes(
        b"\n".join(mastodon_status(start + i, t, tags) for i, (t, tags) in enumerate(items)) + b"\n"
    )
    return path


@pytest.mark.parametrize(
    "query",
    [
        "acme",
        "acme*",
        '"acme phone"',
        "acme NOT broken",
        "#acme",
        "acme NEAR/3 broken",
        "(acme OR northwind) lang:en",
        "café",
        "platform:mastodon AND bag",
    ],
)
def test_sql_matches_agree_with_python(tmp_path: Path, query: str) -> None:
    with open_workspace(tmp_path / "ws") as ws:
        ws.ingest([write(tmp_path / "a.jsonl", TEXTS)], enrich=False)
        ws.track("q", query)
        matched = {
            row[0]
            for row in ws.store.run(
                "SELECT p.text FROM track_matches m JOIN posts p USING (platform, id) WHERE m.track = 'q'"
            )
        }
        expected = set()
        for text, tags in TEXTS:
            if query_matches_text(query, text, hashtags=tags, lang="en", platform="mastodon"):
                expected.add(text)
        assert matched == expected
        assert matched  # every query above matches something


def test_matches_update_incrementally_as_posts_arrive(tmp_path: Path) -> None:
    with open_workspace(tmp_path / "ws") as ws:
        ws.ingest([write(tmp_path / "a.jsonl", TEXTS)], enrich=False)
        track = ws.track("acme", "acme OR #acme")
        assert track.matches == 4
        ws.ingest(
            [write(tmp_path / "b.jsonl", [("acme again", []), ("nothing here", [])], start=100)], enrich=True
        )
        assert {t.name: t.matches for t in ws.tracks()} == {"acme": 5}
        assert ws.enrich(only=["tracking"]) == {"tracking": {"new_matches": {"acme": 0}}}


def test_bad_queries_and_names(tmp_path: Path) -> None:
    with open_workspace(tmp_path / "ws") as ws:
        with pytest.raises(GrapevineError, match="column"):
            ws.track("bad", "acme AND (")
        ws.track("x", "acme")
        with pytest.raises(GrapevineError, match="already tracked"):
            ws.track("x", "other")
        ws.track("x", "other", replace=True)
        assert [t.query for t in ws.tracks()] == ["other"]
        ws.untrack("x")
        assert ws.tracks() == []
