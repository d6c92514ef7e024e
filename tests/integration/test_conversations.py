"""Threading real data on a real workspace: gold reply trees, gaps that close, every platform."""

from __future__ import annotations

import collections
import csv
from pathlib import Path
from typing import Any

import orjson
import pytest

from grapevine import Workspace, open_workspace
from grapevine.conversations import (
    list_conversations,
    list_thread_problems,
    migrate_conversations,
    thread_tree,
    update_threads,
)

pytestmark = pytest.mark.data


def threaded(path: Path, files: list[Path]) -> Workspace:
    """A workspace with ``files`` ingested (no enrichment) and threaded."""
    ws = open_workspace(path)
    con = ws.store.con
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'post_threads'").fetchall()[
        0
    ][0]:
        migrate_conversations(con)  # until the store registers the conversations migration itself
    ws.ingest(files, enrich=False, on_error=lambda error: None)  # cassettes also hold non-post bodies
    update_threads(ws.store)
    return ws


def tables(ws: Workspace) -> tuple[list[Any], ...]:
    return tuple(
        ws.store.run(f"SELECT * FROM {table} ORDER BY ALL")
        for table in ("post_threads", "conversations", "thread_problems")
    )


def gold_parents(
    structure: dict[str, Any], parent: str | None = None, depth: int = 0
) -> dict[str, tuple[Any, int]]:
    found: dict[str, tuple[Any, int]] = {}
    for key, below in structure.items():
        found[key] = (parent, depth)
        if isinstance(below, dict):
            found |= gold_parents(below, key, depth + 1)
    return found


def pruned(structure: dict[str, Any], present: set[str]) -> dict[str, Any]:
    """The gold tree without the tweets the dataset does not include (always leaves or leaf subtrees)."""
    out = {}
    for key, below in structure.items():
        if key in present:
            kept = pruned(below, present) if isinstance(below, dict) else {}
            out[key] = kept or []
    return out


def as_structure(node: dict[str, Any]) -> dict[str, Any]:
    return {node["id"]: {k: v for c in node["children"] for k, v in as_structure(c).items()} or []}


def test_rumoureval_threads_match_the_gold_structure_exactly(tmp_path: Path, data_dir: Path) -> None:
    source = data_dir / "rumoureval2017" / "rumoureval2017_traindev_threads.jsonl"
    ws = threaded(tmp_path / "ws", [source])
    rows = {
        row[0]: row[1:]
        for row in ws.store.run(
            "SELECT id, conversation_key, parent_id, depth, is_placeholder FROM post_threads"
        )
    }
    threads = [orjson.loads(line) for line in source.read_bytes().splitlines()]
    assert len(threads) == 297 and len(rows) == 4_519  # no placeholders: every parent is in its thread
    for number, thread in enumerate(threads):
        present = {t["id_str"] for t in [thread["source"], *thread["replies"]]}
        gold = gold_parents(thread["structure"])
        for tweet in present:
            parent, depth = gold[tweet]
            assert rows[tweet] == (thread["thread_id"], parent, depth, False), (thread["thread_id"], tweet)
        if number % 10 == 0:  # the nested output, on a sample of threads
            tree = thread_tree(ws.store, thread["thread_id"], platform="twitter")
            assert as_structure(tree) == pruned(thread["structure"], present)
    sizes = dict(ws.store.run("SELECT conversation_key, turns FROM conversations"))
    assert sizes == {t["thread_id"]: 1 + len(t["replies"]) for t in threads}
    assert list_thread_problems(ws.store) == []
    ws.close()


def test_twcs_slice_gives_its_1312_conversation_trees(tmp_path: Path, data_dir: Path) -> None:
    ws = threaded(tmp_path / "ws", [data_dir / "twcs_slice" / "twcs_first5000.csv"])
    rows = ws.store.run("SELECT turns, complete, root_stored, missing FROM conversations")
    assert len(rows) == 1_312 and sum(r[0] for r in rows) == 5_000
    sizes = collections.Counter(r[0] for r in rows)
    assert (sizes[2], sizes[3], sizes[4], sum(v for k, v in sizes.items() if k >= 10)) == (649, 157, 226, 63)
    incomplete = [r for r in rows if not r[1]]
    assert len(incomplete) == 6  # parents outside the slice: placeholder roots
    assert all(not root_stored and missing == 1 for _, _, root_stored, missing in incomplete)
    biggest = list_conversations(ws.store, sort="turns", limit=1)[0]
    assert biggest["turns"] == max(sizes) and biggest["participants"] >= 2
    ws.close()


def test_reddit_gaps_are_placeholders_that_close_when_the_parents_arrive(
    tmp_path: Path, data_dir: Path
) -> None:
    source = data_dir / "payloads" / "reddit" / "praw_comments_flat.jsonl"
    whole = threaded(tmp_path / "whole", [source])
    comments = [orjson.loads(line) for line in source.read_bytes().splitlines()]
    keys = dict(whole.store.run("SELECT id, conversation_key FROM post_threads WHERE NOT is_placeholder"))
    assert keys == {c["name"]: c["link_id"] for c in comments}  # every comment in its submission's tree
    assert whole.store.run("SELECT count(*) FROM conversations")[0][0] == 156
    gaps = whole.store.run(
        "SELECT id, parent_id, parent_inferred FROM post_threads WHERE is_placeholder AND id LIKE 't1_%'"
    )
    assert len(gaps) == 63 and all(inferred and parent.startswith("t3_") for _, parent, inferred in gaps)
    (orphans,) = whole.store.run(
        "SELECT count(*) FROM post_threads c JOIN post_threads p ON p.platform = c.platform AND p.id = c.parent_id "
        "WHERE p.is_placeholder AND p.id LIKE 't1_%'"
    )[0]
    assert orphans == 64

    # The same file in two parts, the second (a fifth of it) holding parents of the first.
    lines = source.read_bytes().splitlines(keepends=True)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_bytes(b"".join(line for i, line in enumerate(lines) if i % 5))
    second.write_bytes(b"".join(line for i, line in enumerate(lines) if not i % 5))
    split = threaded(tmp_path / "split", [first])
    before = split.store.run("SELECT count(*) FROM post_threads WHERE is_placeholder")[0][0]
    assert before > 219  # the held-back parents are placeholders for now
    split.ingest([second], enrich=False)
    result = update_threads(split.store)
    assert result["mode"] == "incremental" and result["new_posts"] == len(lines[::5])
    assert tables(split) == tables(whole)
    whole.close()
    split.close()


def test_bluesky_trees_agree_with_the_platform_roots(tmp_path: Path, data_dir: Path) -> None:
    ws = threaded(tmp_path / "ws", [data_dir / "payloads" / "bluesky" / "bskyr_recorded_api"])
    (checked, disagree) = ws.store.run(
        "SELECT count(*), count(*) FILTER (WHERE t.conversation_key <> p.conversation_id) "
        "FROM posts p JOIN post_threads t USING (platform, id) WHERE p.conversation_id IS NOT NULL"
    )[0]
    assert checked == 72 and disagree == 0
    key = "at://did:plc:yktvw5fpe6j4rqy4vio7l3w3/app.bsky.feed.post/3lc42lwd2jv2r"
    (row,) = ws.store.query("SELECT * FROM conversations WHERE conversation_key = ?", [key]).to_pylist()
    assert (row["turns"], row["missing"], row["depth"], row["complete"]) == (5, 1, 5, False)
    tree = thread_tree(ws.store, key)
    chain = []
    while tree["children"]:
        (tree,) = tree["children"]
        chain.append(tree["missing"])
    assert chain == [True, False, False, False, False]  # a gap right under the root, then 4 replies
    ws.close()


def test_mastodon_replies_and_quotes(tmp_path: Path, data_dir: Path) -> None:
    ws = threaded(tmp_path / "ws", [data_dir / "payloads" / "mastodon" / "mastodon_py_cassettes"])
    multi = {c["conversation_key"]: c for c in list_conversations(ws.store, limit=None)}
    assert len(multi) == 5 and all(c["complete"] and c["depth"] == 1 for c in multi.values())
    tree = thread_tree(ws.store, "117020583258292382")
    assert (tree["id"], tree["text"]) == ("117020583245459824", "Toot, finally!")
    assert [c["id"] for c in tree["children"]] == ["117020583258292382"]
    # A reply that quotes a post of another conversation links the two, without merging them.
    quoting = multi["117020583129611179"]
    assert (quoting["turns"], quoting["quotes_out"]) == (2, 1)
    (quoted,) = ws.store.run(
        "SELECT turns, quotes_in FROM conversations WHERE conversation_key = '117020583121982310'"
    )
    assert quoted == (1, 1)
    ws.close()


def test_customer_care_dialogs_thread_into_trees(tmp_path: Path, data_dir: Path) -> None:
    ws = threaded(tmp_path / "ws", [data_dir / "twitter_cdp" / "dev.json"])
    dialogs = orjson.loads((data_dir / "twitter_cdp" / "dev.json").read_bytes())
    parents = dict(ws.store.run("SELECT id, parent_id FROM post_threads"))
    for dialog in dialogs:  # each dialog is one root-to-leaf path of its conversation
        path = [turn["tweet_ID"] for turn in dialog["dialogContent"]] + [dialog["agentURL"]["tweet_ID"]]
        assert [parents[tweet] for tweet in path] == [None, *path[:-1]]
    rows = ws.store.query("SELECT * FROM conversations").to_pylist()
    # 525 dialogs, 523 first tweets: two pairs of dialogs share their opening and then branch.
    assert len(rows) == len({d["dialogContent"][0]["tweet_ID"] for d in dialogs}) == 523
    assert all(r["complete"] for r in rows)
    (branching,) = [r for r in rows if r["conversation_key"] == "1227749037991919616"]
    assert (branching["turns"], branching["depth"], branching["breadth"], branching["participants"]) == (
        6,
        3,
        2,
        4,
    )
    ws.close()


@pytest.mark.slow
def test_a_simulated_world_threads_as_its_truth_says(tmp_path: Path) -> None:
    from grapevine.simulate import simulate_world

    world = tmp_path / "world"
    simulate_world(world, people=600, days=4, seed=11, formats=("twitter", "mastodon"))
    ws = threaded(tmp_path / "ws", [world / "twitter", world / "mastodon"])
    with open(world / "truth" / "missing_parents.csv", newline="") as handle:
        missing = {(r["platform"], r["missing_parent_id"]) for r in csv.DictReader(handle)}
    placeholders = set(ws.store.run("SELECT platform, id FROM post_threads WHERE is_placeholder"))
    assert missing and placeholders == missing
    with open(world / "truth" / "care_threads.csv", newline="") as handle:
        care = [
            (r["platform"], r["conversation_id"], int(r["turns_emitted"])) for r in csv.DictReader(handle)
        ]
    turns = dict(
        ((p, k), t) for p, k, t in ws.store.run("SELECT platform, conversation_key, turns FROM conversations")
    )
    assert care and all(turns[(platform, key)] == emitted for platform, key, emitted in care)
    ws.close()
