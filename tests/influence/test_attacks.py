"""Attacks on the score card: each is built into a simulated world, and the attacker must not gain.

Every test ingests the same simulated world twice, once with the attack's extra records and
once without, and compares the attacker's score card. Each also checks that the attack is real:
the raw store numbers it targets (posts about the brand, follower count, mentions) did rise.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest

import grapevine
from grapevine.influence import FORMULA_VERSION, explain, influence_table

BRAND = "acme"
QUERY = '"acme mobile" OR acmemobile OR #acmemobile'


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    from grapevine.simulate import simulate_world

    out = tmp_path_factory.mktemp("world")
    simulate_world(out, people=400, days=4, seed=5, formats=("twitter", "mastodon"))
    return out


def open_store(root: Path, world: Path, extra: list[Path]):
    ws = grapevine.open_workspace(root)
    ws.ingest([world / "twitter", world / "mastodon", *extra], enrich=False)
    ws.track(BRAND, QUERY)
    return ws


@pytest.fixture(scope="module")
def baseline(world, tmp_path_factory):
    ws = open_store(tmp_path_factory.mktemp("base") / "ws", world, [])
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def attacker(baseline) -> dict:
    """A Mastodon account of middling influence with a post of its own to copy."""
    rows = [r for r in influence_table(baseline, brand=BRAND) if r["platform"] == "mastodon"]
    posts = baseline.store.con.sql(
        "SELECT author_id, id, text, created_at FROM posts WHERE platform = 'mastodon' "
        "AND reply_to_id IS NULL AND repost_of_id IS NULL AND length(text) > 40 ORDER BY created_at"
    ).fetchall()
    first_post = {}
    for author, post_id, text, created in posts:
        first_post.setdefault(author, (post_id, text, created))
    ranked = sorted(
        (r for r in rows if r["influence"] and r["account_id"] in first_post), key=lambda r: r["influence"]
    )
    row = ranked[len(ranked) // 2]
    post_id, text, created = first_post[row["account_id"]]
    handle = baseline.store.run(
        "SELECT handle, followers_count FROM accounts WHERE platform = 'mastodon' AND id = ?",
        [row["account_id"]],
    )[0]
    return {
        "id": row["account_id"],
        "handle": handle[0],
        "followers": handle[1],
        "post": post_id,
        "text": text,
        "created": created,
    }


def status(
    post_id: str,
    author: dict,
    when: datetime,
    text: str,
    reply_to: tuple[str, str] | None = None,
    mentions: tuple[str, ...] = (),
) -> dict:
    """A Mastodon status as the REST API returns it."""
    return {
        "id": post_id,
        "created_at": when.astimezone().isoformat().replace("+00:00", "Z"),
        "in_reply_to_id": reply_to[0] if reply_to else None,
        "in_reply_to_account_id": reply_to[1] if reply_to else None,
        "content": f"<p>{text}</p>",
        "reblog": None,
        "quote": None,
        "account": {
            "id": author["id"],
            "username": author["handle"],
            "acct": author["handle"],
            "display_name": author["handle"],
        },
        "mentions": [{"acct": m} for m in mentions],
        "tags": [],
        "favourites_count": 0,
        "reblogs_count": 0,
        "replies_count": 0,
    }


def write_jsonl(path: Path, statuses: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in statuses))
    return path


def card(ws, account_id: str, brand: str | None = BRAND) -> dict:
    rows = influence_table(ws, brand=brand)
    return next(r for r in rows if r["platform"] == "mastodon" and r["account_id"] == account_id)


def parts(row: dict) -> dict:
    return {c["name"]: c for c in row["components"]}


def assert_no_gain(before: dict, after: dict) -> None:
    assert after["formula"] == before["formula"] == FORMULA_VERSION
    assert after["influence"] <= before["influence"] + 1e-9, explain(before) + "\n---\n" + explain(after)
    for name, component in parts(after).items():
        old = parts(before)[name]
        if component["points"] is not None and old["points"] is not None:
            assert component["points"] <= old["points"] + 1e-9, name


def test_score_card_shape_and_formula(baseline, attacker):
    row = card(baseline, attacker["id"])
    assert 0 <= row["influence"] <= 100
    assert [c["name"] for c in row["components"]] == [
        "reach",
        "attention",
        "amplification",
        "conversation",
        "brand_centrality",
        "brand_mentions",
    ]
    assert sum(c["weight"] for c in row["components"]) == pytest.approx(100)
    assert sum(c["points"] for c in row["components"]) == pytest.approx(row["influence"], abs=0.1)
    assert sum(c["share"] for c in row["components"]) == pytest.approx(1, abs=1e-3)
    # reach is log-scaled followers (less the ones it follows back): recompute it independently
    reach = parts(row)["reach"]
    import math

    assert reach["points"] == pytest.approx(20 * math.log1p(reach["value"]) / math.log1p(1_000_000), abs=0.01)
    text = explain(row)
    assert attacker["handle"] in text and "brand_centrality" in text


def test_a_burst_of_near_duplicates_adds_nothing(attacker, world, tmp_path):
    """The attacker posts about the brand, then 30 near-copies of that post within five minutes
    (case, links and numbers changed), and a bot net of 15 accounts posts one promo naming the
    attacker and the brand within minutes. Compared with the same world holding the one post."""
    start = attacker["created"] + timedelta(hours=3)
    me = {"id": attacker["id"], "handle": attacker["handle"]}
    text = "Honestly the new Acme Mobile unlimited plan changed how I travel, try it"
    genuine = status("99000", me, start, text)
    copies = [
        status(
            f"9900{i + 1}",
            me,
            start + timedelta(seconds=10 * (i + 1)),
            f"{text.upper()}!! https://x.example/{i} #{i}",
        )
        for i in range(30)
    ]
    bots = [{"id": f"bot{i}", "handle": f"bot{i}"} for i in range(15)]
    promo = [
        status(
            f"9910{i}",
            bot,
            start + timedelta(seconds=20 * i),
            f"@{attacker['handle']} is the best voice on Acme Mobile deals, follow now!",
            mentions=(attacker["handle"],),
        )
        for i, bot in enumerate(bots)
    ]
    plain = open_store(tmp_path / "plain", world, [write_jsonl(tmp_path / "one.jsonl", [genuine])])
    attacked = open_store(
        tmp_path / "ws", world, [write_jsonl(tmp_path / "burst.jsonl", [genuine, *copies, *promo])]
    )
    try:
        # the attack is real: 30 more posts about the brand and 15 more mentions of the attacker
        count = "SELECT count(*) FROM track_matches m JOIN posts p USING (platform, id) WHERE p.author_id = ?"
        assert (
            attacked.store.run(count, [attacker["id"]])[0][0]
            == plain.store.run(count, [attacker["id"]])[0][0] + 30
        )
        mentions = "SELECT count(*) FROM posts WHERE list_contains(mentions, ?)"
        assert attacked.store.run(mentions, [attacker["handle"]])[0][0] >= 15
        for brand in (BRAND, None):
            before, after = card(plain, attacker["id"], brand), card(attacked, attacker["id"], brand)
            assert_no_gain(before, after)
            assert parts(after)["attention"]["value"] == pytest.approx(parts(before)["attention"]["value"])
        assert parts(after)["amplification"]["value"] == parts(before)["amplification"]["value"]
        brand_after = parts(card(attacked, attacker["id"]))["brand_mentions"]
        assert brand_after["value"] == parts(card(plain, attacker["id"]))["brand_mentions"]["value"] >= 1
    finally:
        plain.close()
        attacked.close()


def test_a_follow_for_follow_ring_adds_nothing(baseline, attacker, world, tmp_path):
    """Twelve sock accounts and the attacker all follow each other; the profile count grows too."""
    ring = [attacker["id"]] + [str(990_000 + i) for i in range(12)]
    lines = ["# grapevine: platform=mastodon kind=follow"]
    lines += [f"{a}\t{b}" for a, b in itertools.permutations(ring, 2)]
    extra = tmp_path / "ring.edgelist"
    extra.write_text("\n".join(lines) + "\n")
    attacked = open_store(tmp_path / "ws", world, [extra])
    try:
        attacked.store.run(
            "UPDATE accounts SET followers_count = followers_count + 12 WHERE platform = 'mastodon' AND id = ?",
            [attacker["id"]],
        )
        follows_in = "SELECT count(*) FROM edges WHERE kind = 'follow' AND platform = 'mastodon' AND dst = ?"
        assert attacked.store.run(follows_in, [attacker["id"]])[0][0] == (
            baseline.store.run(follows_in, [attacker["id"]])[0][0] + 12
        )
        for brand in (BRAND, None):
            before, after = card(baseline, attacker["id"], brand), card(attacked, attacker["id"], brand)
            assert_no_gain(before, after)
            assert parts(after)["reach"]["value"] == parts(before)["reach"]["value"]
            assert parts(after)["attention"]["value"] == pytest.approx(parts(before)["attention"]["value"])
    finally:
        attacked.close()


def test_self_replies_and_self_mentions_add_nothing(baseline, attacker, world, tmp_path):
    """The attacker answers its own post 40 times, naming itself and the brand each time."""
    me = {"id": attacker["id"], "handle": attacker["handle"]}
    start = attacker["created"] + timedelta(hours=1)
    replies = [
        status(
            f"9920{i}",
            me,
            start + timedelta(hours=i),
            f"@{attacker['handle']} part {i} of my Acme Mobile thread, on topic number {i * 7}",
            reply_to=(attacker["post"], attacker["id"]),
            mentions=(attacker["handle"],),
        )
        for i in range(40)
    ]
    extra = write_jsonl(tmp_path / "self.jsonl", replies)
    attacked = open_store(tmp_path / "ws", world, [extra])
    try:
        replies_in = "SELECT count(*) FROM posts WHERE reply_to_author_id = ?"
        assert attacked.store.run(replies_in, [attacker["id"]])[0][0] >= 40
        for brand in (BRAND, None):
            before, after = card(baseline, attacker["id"], brand), card(attacked, attacker["id"], brand)
            assert_no_gain(before, after)
            assert parts(after)["conversation"]["value"] == parts(before)["conversation"]["value"]
    finally:
        attacked.close()


def test_genuine_attention_does_raise_the_score(baseline, attacker, world, tmp_path):
    """The same machinery is not blind: ten different people replying over days do count."""
    start = attacker["created"] + timedelta(hours=2)
    people = baseline.store.con.sql(
        "SELECT id, handle FROM accounts WHERE platform = 'mastodon' AND id <> ? ORDER BY id LIMIT 10",
        params=[attacker["id"]],
    ).fetchall()
    replies = [
        status(
            f"9930{i}",
            {"id": pid, "handle": handle},
            start + timedelta(hours=7 * i),
            f"@{attacker['handle']} really interesting point number {i}, tell me more about it",
            reply_to=(attacker["post"], attacker["id"]),
            mentions=(attacker["handle"],),
        )
        for i, (pid, handle) in enumerate(people)
    ]
    extra = write_jsonl(tmp_path / "real.jsonl", replies)
    attacked = open_store(tmp_path / "ws", world, [extra])
    try:
        before, after = card(baseline, attacker["id"], None), card(attacked, attacker["id"], None)
        assert after["influence"] > before["influence"] + 1
        assert parts(after)["conversation"]["points"] > parts(before)["conversation"]["points"]
    finally:
        attacked.close()


def test_unknown_brand_is_a_clear_error(baseline):
    from grapevine.errors import GrapevineError

    with pytest.raises(GrapevineError, match="no tracked query named 'nope'"):
        influence_table(baseline, brand="nope")
