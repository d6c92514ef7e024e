"""Threading: the pointer-jumping kernel, and reply trees kept in a real DuckDB store."""

from __future__ import annotations

import itertools
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from click.testing import CliRunner

import grapevine.conversations._build as build
from grapevine import Post, Workspace, open_workspace
from grapevine.cli import cli
from grapevine.conversations import (
    list_conversations,
    list_thread_problems,
    migrate_conversations,
    resolve_forest,
    thread_tree,
    update_threads,
)
from grapevine.errors import GrapevineError
from grapevine.store import Batch

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
_files = itertools.count()

# -- the kernel ----------------------------------------------------------------------------


def naive_roots(parent: list[int]) -> tuple[list[int], list[int]]:
    """Root and depth by walking up one parent at a time (the reference; acyclic input only)."""
    roots, depths = [], []
    for v in range(len(parent)):
        depth = 0
        while parent[v] != v:
            v = parent[v]
            depth += 1
        roots.append(v)
        depths.append(depth)
    return roots, depths


def test_forest_matches_a_naive_walk_on_random_forests() -> None:
    rng = np.random.default_rng(7)
    n = 3_000
    parent = np.arange(n)
    replies = rng.random(n) < 0.7
    replies[0] = False
    order = rng.permutation(n)  # parents come earlier in a random order, so codes are shuffled
    for i in range(1, n):
        if replies[i]:
            parent[order[i]] = order[rng.integers(0, i)]
    forest = resolve_forest(parent)
    roots, depths = naive_roots(parent.tolist())
    assert forest.root.tolist() == roots
    assert forest.depth.tolist() == depths
    assert forest.children.tolist() == np.bincount(parent[parent != np.arange(n)], minlength=n).tolist()
    assert len(forest.cut) == 0 and len(forest.cycle_nodes) == 0


def test_forest_cuts_each_cycle_once_and_leaves_no_loop() -> None:
    # 0->1->2->0 with a tail 3->0 and 4->3; 5<->6; 7 replies to itself; 8->9 is a plain tree.
    parent = [1, 2, 0, 0, 3, 6, 5, 7, 9, 9]
    forest = resolve_forest(parent)
    assert forest.cycle_nodes.tolist() == [0, 1, 2, 5, 6]
    assert forest.cut.tolist() == [0, 5]  # the smallest code of each cycle by default
    assert forest.cycle_of.tolist() == [0, 0, 0, 5, 5]
    roots, depths = naive_roots(forest.parent.tolist())  # terminates: the cut parents are acyclic
    assert forest.root.tolist() == roots == [0, 0, 0, 0, 0, 5, 5, 7, 9, 9]
    assert forest.depth.tolist() == depths == [0, 2, 1, 1, 2, 0, 1, 0, 1, 0]


def test_forest_cut_order_picks_the_edge_to_cut() -> None:
    forest = resolve_forest([1, 2, 0], cut_order=lambda nodes: -nodes)  # prefer the largest code
    assert forest.cut.tolist() == [2]
    assert forest.root.tolist() == [2, 2, 2] and forest.depth.tolist() == [2, 1, 0]


def test_forest_handles_a_long_chain_and_a_long_cycle() -> None:
    n = 200_000
    chain = resolve_forest(np.maximum(np.arange(n) - 1, 0))
    assert chain.depth[-1] == n - 1 and chain.root.max() == 0
    ring = resolve_forest((np.arange(n) + 1) % n)
    assert ring.cut.tolist() == [0] and len(ring.cycle_nodes) == n
    assert ring.depth.max() == n - 1


def test_forest_rejects_codes_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"0\.\.n-1"):
        resolve_forest([0, 5])


# -- threading a store ---------------------------------------------------------------------


def open_threaded(path: Path) -> Workspace:
    """A workspace whose store has the conversations tables (until the store's migration 3 exists)."""
    ws = open_workspace(path)
    con = ws.store.con
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'post_threads'").fetchall()[
        0
    ][0]:
        migrate_conversations(con)
    return ws


@pytest.fixture
def ws(tmp_path: Path):
    workspace = open_threaded(tmp_path / "ws")
    yield workspace
    workspace.close()


def post(
    id_: str,
    parent: str | None = None,
    minute: float = 0,
    author: str = "alice",
    platform: str = "twitter",
    **fields: Any,
) -> Post:
    return Post(
        platform=platform,
        id=id_,
        author_id=author,
        author_handle=author,
        text=f"text of {id_}",
        created_at=T0 + timedelta(minutes=minute),
        reply_to_id=parent,
        **fields,
    )


def write(ws: Workspace, posts: list[Post], replace: bool = False) -> None:
    name = f"batch-{next(_files)}"
    batch = Batch(source="test", path=name, file_key=name)
    for number, item in enumerate(posts, 1):
        batch.add_posts([item], number)
    ws.store.write_batch(batch, replace=replace)


def threads(ws: Workspace) -> dict[str, tuple[Any, ...]]:
    rows = ws.store.run(
        "SELECT id, conversation_key, parent_id, depth, children, is_placeholder, parent_inferred "
        "FROM post_threads ORDER BY id"
    )
    return {row[0]: row[1:] for row in rows}


def conversation(ws: Workspace, key: str, platform: str = "twitter") -> dict[str, Any]:
    rows = ws.store.query(
        "SELECT * FROM conversations WHERE platform = ? AND conversation_key = ?", [platform, key]
    ).to_pylist()
    assert len(rows) == 1, rows
    return rows[0]


def problems(ws: Workspace) -> dict[tuple[str, str], str]:
    return {(p["id"], p["reason"]): p["detail"] for p in list_thread_problems(ws.store, refresh=False)}


def test_a_reply_tree_gets_roots_depths_children_and_metrics(ws: Workspace) -> None:
    write(
        ws,
        [
            post("r", minute=0, author="alice"),
            post("a", "r", minute=5, author="bob"),
            post("b", "r", minute=6, author="carol"),
            post("c", "a", minute=9, author="alice"),
            post("d", "c", minute=30, author="bob"),
            post("lone", minute=1, author="dave"),
        ],
    )
    result = update_threads(ws.store)
    assert result["mode"] == "full" and result["new_posts"] == 6 and result["threaded"] == 6
    assert result["conversations"] == 2 and result["placeholders"] == 0 and result["problems"] == {}
    assert threads(ws) == {
        "a": ("r", "r", 1, 1, False, False),
        "b": ("r", "r", 1, 0, False, False),
        "c": ("r", "a", 2, 1, False, False),
        "d": ("r", "c", 3, 0, False, False),
        "lone": ("lone", None, 0, 0, False, False),
        "r": ("r", None, 0, 2, False, False),
    }
    tree = conversation(ws, "r")
    assert (tree["turns"], tree["participants"], tree["depth"], tree["breadth"]) == (5, 3, 3, 2)
    assert tree["complete"] and tree["root_stored"] and tree["missing"] == 0
    assert (tree["started_at"], tree["ended_at"]) == (T0, T0 + timedelta(minutes=30))
    lone = conversation(ws, "lone")
    assert (lone["turns"], lone["participants"], lone["depth"], lone["breadth"]) == (1, 1, 0, 1)
    # Nothing new: nothing to do.
    assert update_threads(ws.store)["mode"] == "none"


def test_a_self_reply_is_reported_and_becomes_a_root(ws: Workspace) -> None:
    write(ws, [post("s", "s"), post("t", "s", minute=1)])
    result = update_threads(ws.store)
    assert result["problems"] == {"self_reply": 1}
    assert threads(ws)["s"] == ("s", None, 0, 1, False, False)
    assert threads(ws)["t"] == ("s", "s", 1, 0, False, False)
    assert "replies to itself" in problems(ws)[("s", "self_reply")]


def test_a_reply_cycle_is_cut_at_the_oldest_post_and_reported(ws: Workspace) -> None:
    # x -> y -> z -> x, all stored: the oldest (y) cannot really reply to a newer post.
    write(
        ws, [post("x", "z", minute=5), post("y", "x", minute=1), post("z", "y", minute=3), post("w", "x", 9)]
    )
    result = update_threads(ws.store)
    assert result["problems"] == {"parent_newer": 1, "reply_cycle": 3}
    rows = threads(ws)
    assert rows["y"] == ("y", None, 0, 1, False, False)
    assert (
        rows["z"][:3] == ("y", "y", 1) and rows["x"][:3] == ("y", "z", 2) and rows["w"][:3] == ("y", "x", 3)
    )
    found = problems(ws)
    assert "cycle of 3 nodes; the link from y to x was cut" in found[("x", "reply_cycle")]
    assert ("y", "parent_newer") in found  # the cut edge itself pointed to a newer post
    assert conversation(ws, "y")["turns"] == 4


def test_a_parent_newer_than_its_reply_is_kept_and_reported(ws: Workspace) -> None:
    write(ws, [post("p", minute=10), post("c", "p", minute=2)])
    assert update_threads(ws.store)["problems"] == {"parent_newer": 1}
    assert threads(ws)["c"][:3] == ("p", "p", 1)
    assert "replies to p, posted later" in problems(ws)[("c", "parent_newer")]


def test_a_missing_parent_is_a_placeholder_until_it_arrives(ws: Workspace) -> None:
    write(ws, [post(str(i), minute=i) for i in range(10)])  # unrelated posts keep the update incremental
    write(ws, [post("root"), post("orphan", "gone", minute=5), post("kid", "orphan", minute=6)])
    update_threads(ws.store)
    assert threads(ws)["gone"] == ("gone", None, 0, 1, True, False)
    assert threads(ws)["kid"][:3] == ("gone", "orphan", 2)
    incomplete = conversation(ws, "gone")
    assert not incomplete["complete"] and not incomplete["root_stored"] and incomplete["missing"] == 1
    assert incomplete["turns"] == 2
    # The parent arrives in a later file, replying to a stored root: the trees join.
    write(ws, [post("gone", "root", minute=2)])
    result = update_threads(ws.store)
    assert result["mode"] == "incremental" and result["new_posts"] == 1
    assert result["threaded"] == 4  # the new post plus the two trees it joined, nothing else
    rows = threads(ws)
    assert rows["gone"] == ("root", "root", 1, 1, False, False)
    assert rows["kid"][:3] == ("root", "orphan", 3)
    joined = conversation(ws, "root")
    assert joined["complete"] and joined["turns"] == 4 and joined["depth"] == 3
    assert ws.store.run("SELECT count(*) FROM conversations WHERE conversation_key = 'gone'")[0][0] == 0


def test_a_gap_hangs_under_the_platform_root_and_closes_when_filled(ws: Workspace) -> None:
    write(ws, [post(str(i), minute=i) for i in range(10)])
    thread = "t3_root"
    write(
        ws,
        [
            post("c1", thread, 1, conversation_id=thread),
            post("c3", "c2", 3, conversation_id=thread),  # c2 is not stored yet
            post("c4", "c3", 4, conversation_id=thread),
        ],
    )
    update_threads(ws.store)
    rows = threads(ws)
    assert rows[thread] == (thread, None, 0, 2, True, False)  # the submission itself is not stored
    assert rows["c2"] == (thread, thread, 1, 1, True, True)  # hung under the thread's root
    assert rows["c4"][:3] == (thread, "c3", 3)
    assert conversation(ws, thread)["missing"] == 2
    write(ws, [post("c2", "c1", 2, conversation_id=thread)])
    update_threads(ws.store)
    rows = threads(ws)
    assert rows["c2"] == (thread, "c1", 2, 1, False, False)
    assert rows["c4"][:3] == (thread, "c3", 4)
    assert conversation(ws, thread)["missing"] == 1  # only the submission is still missing


def test_quotes_link_conversations_without_merging_them(ws: Workspace) -> None:
    write(
        ws,
        [
            post("a"),
            post("a1", "a", 1),
            post("b", minute=2, quote_of_id="a1"),
            post("b1", "b", 3),
            post("c", minute=4, quote_of_id="b"),
        ],
    )
    update_threads(ws.store)
    rows = threads(ws)
    assert rows["b"][0] == "b" and rows["a1"][0] == "a" and rows["c"][0] == "c"
    assert (conversation(ws, "a")["quotes_in"], conversation(ws, "a")["quotes_out"]) == (1, 0)
    assert (conversation(ws, "b")["quotes_in"], conversation(ws, "b")["quotes_out"]) == (1, 1)
    assert (conversation(ws, "c")["quotes_in"], conversation(ws, "c")["quotes_out"]) == (0, 1)


def test_a_late_quoted_post_updates_the_quoting_conversation(ws: Workspace) -> None:
    write(ws, [post(str(i), minute=i) for i in range(10)])
    write(ws, [post("q", minute=5, quote_of_id="old")])
    update_threads(ws.store)
    assert conversation(ws, "q")["quotes_out"] == 0  # the quoted post is not stored
    write(ws, [post("old", minute=1)])
    assert update_threads(ws.store)["mode"] == "incremental"
    assert conversation(ws, "q")["quotes_out"] == 1 and conversation(ws, "old")["quotes_in"] == 1


def test_reposts_stay_out_and_ids_are_per_platform(ws: Workspace) -> None:
    write(
        ws,
        [
            post("1"),
            post("2", "1", 1),
            post("rt", minute=2, repost_of_id="1"),
            post("1", platform="mastodon", author="m"),
            post("3", "1", 1, platform="mastodon", author="n"),
            post("4", "3", 2, platform="mastodon", author="m"),
        ],
    )
    update_threads(ws.store)
    assert ws.store.run("SELECT count(*) FROM post_threads WHERE id = 'rt'")[0][0] == 0
    assert conversation(ws, "1")["turns"] == 2
    assert conversation(ws, "1", "mastodon")["turns"] == 3
    assert conversation(ws, "1", "mastodon")["participants"] == 2
    with pytest.raises(GrapevineError, match="several platforms"):
        thread_tree(ws.store, "1")
    with pytest.raises(GrapevineError, match="is a repost of 1"):
        thread_tree(ws.store, "rt")
    with pytest.raises(GrapevineError, match="no post nope"):
        thread_tree(ws.store, "nope")


def test_a_remapped_post_moves_to_its_new_parent(ws: Workspace) -> None:
    write(ws, [post(str(i), minute=i) for i in range(10)])
    write(ws, [post("a"), post("b", minute=1), post("x", "a", 2), post("y", "x", 3)])
    update_threads(ws.store)
    write(ws, [post("x", "b", 2)], replace=True)  # re-mapping the archive changed x's parent
    assert update_threads(ws.store)["mode"] == "incremental"
    rows = threads(ws)
    assert rows["x"][:3] == ("b", "b", 1) and rows["y"][:3] == ("b", "x", 2)
    assert conversation(ws, "a")["turns"] == 1 and conversation(ws, "b")["turns"] == 3


def test_a_post_whose_thread_rows_were_lost_is_pulled_back_in(ws: Workspace) -> None:
    write(ws, [post(str(i), minute=i) for i in range(10)])
    write(ws, [post("top"), post("a", "top", 1), post("b", "a", 2)])
    update_threads(ws.store)
    ws.store.run("DELETE FROM post_threads WHERE id = 'a'")  # e.g. a crash between two tools
    write(ws, [post("c", "a", 3)])
    assert update_threads(ws.store)["mode"] == "incremental"
    rows = threads(ws)
    assert rows["a"] == ("top", "top", 1, 2, False, False)
    assert rows["b"][:3] == ("top", "a", 2) and rows["c"][:3] == ("top", "a", 2)
    assert ws.store.run(
        "SELECT count(*), sum(turns) FROM conversations WHERE conversation_key IN ('top', 'a')"
    )[0] == (
        1,
        4,
    )


def snapshot(ws: Workspace) -> tuple[list[Any], ...]:
    return tuple(
        ws.store.run(f"SELECT * FROM {table} ORDER BY ALL")
        for table in ("post_threads", "conversations", "thread_problems")
    )


def random_posts(seed: int, n: int = 400) -> list[Post]:
    """Threads with missing parents, platform roots, quotes, self-replies and cycles."""
    rnd = random.Random(seed)
    posts: list[Post] = []
    for i in range(n):
        parent = None
        if i and rnd.random() < 0.75:
            parent = f"p{rnd.randrange(max(0, i - 40), i)}"
        if rnd.random() < 0.03:
            parent = f"p{rnd.randrange(i, n)}"  # a reply to a later post: cycles and newer parents
        if rnd.random() < 0.01:
            parent = f"p{i}"
        quote = f"p{rnd.randrange(n)}" if rnd.random() < 0.05 else None
        platform = "twitter" if rnd.random() < 0.8 else "mastodon"
        posts.append(post(f"p{i}", parent, i, f"u{rnd.randrange(12)}", platform, quote_of_id=quote))
    posts[3].reply_to_id, posts[7].reply_to_id = "p7", "p3"  # a cycle, whatever the draw
    # Roots known to the platform: the first post's id for every reply in the first half.
    for item in posts[: n // 2]:
        if item.reply_to_id:
            item.conversation_id = "p0"
    return posts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_updates_end_where_a_full_rebuild_does(ws: Workspace, monkeypatch, seed: int) -> None:
    posts = random_posts(seed)
    held_back = set(random.Random(seed).sample(range(len(posts)), 60))  # parents arriving late
    kept = [p for i, p in enumerate(posts) if i not in held_back]
    late = [p for i, p in enumerate(posts) if i in held_back]
    monkeypatch.setattr(build, "FULL_REBUILD_SHARE", 1.0)  # always incremental after the first run
    write(ws, kept[:200])
    update_threads(ws.store)
    for start in range(200, len(kept), 37):
        write(ws, kept[start : start + 37])
        assert update_threads(ws.store)["mode"] == "incremental"
    for start in range(0, len(late), 7):
        write(ws, late[start : start + 7])
        update_threads(ws.store)
    incremental = snapshot(ws)
    assert update_threads(ws.store, full=True)["mode"] == "full"
    assert snapshot(ws) == incremental
    found = {reason for _, reason in problems(ws)}
    assert {"parent_newer", "reply_cycle", "self_reply"} <= found


def test_thread_tree_nests_turns_with_the_best_sentiment_and_emotion(ws: Workspace) -> None:
    write(ws, [post("r"), post("a", "r", 1, "bob"), post("b", "r", 2, "carol"), post("c", "a", 3)])
    ws.store.run(
        "INSERT INTO post_sentiment (platform, id, model, label) VALUES "
        "('twitter', 'a', 'sentiment-fast-1', 'positive'), ('twitter', 'a', 'sentiment-accurate-1', 'negative'), "
        "('twitter', 'r', 'sentiment-fast-1', 'neutral'), ('twitter', 'r', 'sentiment-fast-2', 'positive')"
    )
    ws.store.run(
        "INSERT INTO post_emotion (platform, id, model, label) VALUES ('twitter', 'c', 'emotion-fast-1', 'joy')"
    )
    tree = thread_tree(ws.store, "c")  # any post of the conversation shows all of it
    assert list(tree) == ["id", "author", "created_at", "text", "sentiment", "emotion", "missing", "children"]
    assert (tree["id"], tree["author"], tree["sentiment"], tree["emotion"]) == (
        "r",
        "alice",
        "positive",
        None,
    )
    assert [child["id"] for child in tree["children"]] == ["a", "b"]
    a = tree["children"][0]
    assert (a["sentiment"], a["text"], a["created_at"]) == (
        "negative",
        "text of a",
        T0 + timedelta(minutes=1),
    )
    assert a["children"][0]["emotion"] == "joy" and a["children"][0]["children"] == []


def test_list_conversations_filters_sorts_and_limits(ws: Workspace) -> None:
    write(
        ws,
        [
            post("early"),
            post("e1", "early", 10, "bob"),
            post("late", minute=3000),
            post("l1", "late", 3001, "bob"),
            post("l2", "l1", 3002, "carol"),
            post("alone", minute=5000),
        ],
    )
    everything = list_conversations(ws.store)
    assert [c["conversation_key"] for c in everything] == ["late", "early"]  # most recent first
    assert everything[0]["duration_s"] == 120 and everything[0]["root_text"] == "text of late"
    assert [c["conversation_key"] for c in list_conversations(ws.store, min_turns=1, limit=1)] == ["alone"]
    since = (T0 + timedelta(days=1)).date().isoformat()
    assert [c["conversation_key"] for c in list_conversations(ws.store, since=since)] == ["late"]
    assert [c["conversation_key"] for c in list_conversations(ws.store, until=since)] == ["early"]
    assert list_conversations(ws.store, sort="participants")[0]["participants"] == 3
    with pytest.raises(GrapevineError, match="invalid date"):
        list_conversations(ws.store, since="yesterday")
    with pytest.raises(GrapevineError, match="unknown sort"):
        list_conversations(ws.store, sort="loudest")


def test_cli_prints_a_thread_and_lists_conversations(tmp_path: Path) -> None:
    path = tmp_path / "ws"
    with open_threaded(path) as ws:
        write(ws, [post("r"), post("a", "r", 1, "bob"), post("b", "gone", 2, "carol")])
    runner = CliRunner()
    shown = runner.invoke(cli, ["--workspace", str(path), "thread", "a"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines() == [
        "@alice  2024-03-01 12:00  text of r",
        "└─ > @bob  2024-03-01 12:01  text of a",
    ]
    missing = runner.invoke(cli, ["--workspace", str(path), "thread", "b"])
    assert missing.output.splitlines()[0] == "[missing post gone]"
    as_json = runner.invoke(cli, ["--workspace", str(path), "thread", "a", "--format", "json"])
    tree = orjson.loads(as_json.output)
    assert tree["id"] == "r" and tree["children"][0]["author"] == "bob"
    listed = runner.invoke(cli, ["--workspace", str(path), "conversations", "--format", "json"])
    assert [r["conversation_key"] for r in orjson.loads(listed.output)] == ["r"]  # 2 turns or more
    listed = runner.invoke(
        cli, ["--workspace", str(path), "conversations", "--format", "json", "--min-turns", "1"]
    )
    rows = orjson.loads(listed.output)
    assert [(r["conversation_key"], r["turns"], r["complete"]) for r in rows] == [
        ("gone", 1, False),
        ("r", 2, True),
    ]
    table = runner.invoke(cli, ["--workspace", str(path), "conversations", "--min-turns", "1"])
    assert table.exit_code == 0 and "conversation_key" in table.output and "1m" in table.output
    csv = runner.invoke(cli, ["--workspace", str(path), "conversations", "--format", "csv"])
    assert csv.output.splitlines()[0].startswith("platform,conversation_key,turns,participants")
    bad = runner.invoke(cli, ["--workspace", str(path), "thread", "nope"])
    assert bad.exit_code != 0


def test_a_deep_self_thread_prints_as_a_tree_and_as_json(tmp_path: Path) -> None:
    path = tmp_path / "ws"
    depth = 600  # deeper than JSON encoders recurse, and than indentation can show
    with open_threaded(path) as ws:
        write(ws, [post("0")] + [post(str(i), str(i - 1), i) for i in range(1, depth + 1)])
    runner = CliRunner()
    shown = runner.invoke(cli, ["--workspace", str(path), "thread", "0"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert len(lines) == depth + 1 and lines[-1].lstrip().startswith(f"└─ [{depth}] @alice")
    assert max(len(line) for line in lines) < 200
    as_json = runner.invoke(cli, ["--workspace", str(path), "thread", "0", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    text, seen = as_json.output, 0
    assert text.count('"children": []') == 1 and text.count('"id": ') == depth + 1
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)
    try:
        tree = json.loads(text)
    finally:
        sys.setrecursionlimit(limit)
    while tree["children"]:
        (tree,) = tree["children"]
        seen += 1
    assert seen == depth and tree["id"] == str(depth)


def test_a_read_only_store_is_read_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "ws"
    with open_threaded(path) as ws:
        write(ws, [post("r"), post("a", "r", 1)])
        update_threads(ws.store)
        write(ws, [post("b", "r", 2)])  # not threaded yet
    with open_workspace(path, read_only=True) as ws:
        assert [c["turns"] for c in list_conversations(ws.store)] == [2]
    with open_workspace(path) as ws:
        assert [c["turns"] for c in list_conversations(ws.store)] == [3]
