"""Time windows of the people numbers: which posts end a period, and bad dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from grapevine import GrapevineError
from grapevine.models import Post
from grapevine.people import brand_stats, reachability, refresh_people
from grapevine.workspace import Workspace

from .conftest import account, write

START = datetime(2024, 3, 1, 12, tzinfo=UTC)


def acme_posts(ws: Workspace, deleted_last: bool) -> None:
    """One account mentioning acme once a day for ten days, and (maybe deleted) once three weeks later."""
    posts = [
        Post("twitter", f"p{day}", "1", "amy", f"acme day {day}", START + timedelta(days=day))
        for day in range(10)
    ]
    posts.append(
        Post("twitter", "late", "1", "amy", "acme again", START + timedelta(days=30), deleted=deleted_last)
    )
    write(ws, "amy", [account("twitter", "1", "amy")], posts)
    ws.track("acme", "acme")
    refresh_people(ws.store)


def test_a_deleted_newest_mention_does_not_end_the_trend_period(workspace: Workspace) -> None:
    acme_posts(workspace, deleted_last=True)
    (row,) = brand_stats(workspace.store, "acme").values()
    # the newest counted mention is day 9: the period is days 3..9, the one before days -4..2
    assert row["mentions"] == 10
    assert (row["mentions_now"], row["mentions_before"]) == (7, 3)
    assert row["period"][1] == START + timedelta(days=9, microseconds=1)


def test_the_newest_mention_ends_the_trend_period(workspace: Workspace) -> None:
    acme_posts(workspace, deleted_last=False)
    (row,) = brand_stats(workspace.store, "acme").values()
    assert (row["mentions"], row["mentions_now"], row["mentions_before"]) == (11, 1, 0)


def test_a_bad_date_is_a_clear_error_everywhere(workspace: Workspace) -> None:
    from grapevine.graph import graph_from_store
    from grapevine.influence import influence_table

    acme_posts(workspace, deleted_last=False)
    calls = [
        lambda: reachability(workspace.store, "acme", since="last week"),
        lambda: brand_stats(workspace.store, "acme", until="last week"),
        lambda: graph_from_store(workspace, "reply", since="last week"),
        lambda: influence_table(workspace, until="last week"),
    ]
    for call in calls:
        with pytest.raises(GrapevineError, match="invalid date 'last week'"):
            call()
