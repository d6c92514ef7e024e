"""People in a simulated world, checked against its truth files and independent computations."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from grapevine.cli import cli
from grapevine.people import (
    audience,
    brand_stats,
    people_summary,
    people_table,
    person_posts,
    person_profile,
    reachability,
    refresh_people,
)
from grapevine.text import load_model
from grapevine.text.shares import positive_share_interval
from grapevine.workspace import Workspace

from .conftest import truth_people

World = tuple[Path, Workspace]


def person_map(ws: Workspace) -> dict[tuple[str, str], str]:
    refresh_people(ws.store)
    return {(p, i): pid for p, i, pid in ws.store.run("SELECT platform, id, person_id FROM person_accounts")}


def test_identity_matches_the_truth(world: World) -> None:
    out, ws = world
    found = person_map(ws)
    truth: dict[tuple[str, str], str] = {}
    evidence: dict[str, bool] = {}
    for row in truth_people(out):
        for platform, key in (("twitter", "twitter_id"), ("mastodon", "mastodon_id")):
            if row[key]:
                truth[(platform, row[key])] = row["person_id"]
        evidence[row["person_id"]] = row["crosslinked"] == "1" or bool(row["website"])
    predicted = defaultdict(list)
    for acc, pid in found.items():
        if acc in truth:
            predicted[pid].append(acc)
    wrong = [g for g in predicted.values() if len({truth[a] for a in g}) > 1]
    assert wrong == []  # never two simulated people in one
    both = defaultdict(list)
    for acc, person in truth.items():
        both[person].append(acc)
    pairs = [
        accs
        for person, accs in both.items()
        if len(accs) == 2 and evidence[person] and all(a in found for a in accs)  # both seen in the data
    ]
    joined = sum(found[a] == found[b] for a, b in pairs)
    assert len(pairs) > 20 and joined / len(pairs) >= 0.95
    assert max(len(g) for g in predicted.values()) <= 2


def test_contact_channels_match_the_truth(world: World) -> None:
    out, ws = world
    person_map(ws)
    channels = defaultdict(set)
    for platform, account_id, kind, value in ws.store.run(
        "SELECT platform, account_id, kind, value FROM contact_channels WHERE kind IN ('email', 'phone')"
    ):
        channels[(platform, account_id)].add((kind, value))
    stored = {(p, i) for p, i in ws.store.run("SELECT platform, id FROM accounts WHERE bio IS NOT NULL")}
    expected = found = 0
    for row in truth_people(out):
        accounts = [("twitter", row["twitter_id"]), ("mastodon", row["mastodon_id"])]
        for acc in accounts:
            if acc not in stored:
                continue
            got = channels.get(acc, set())
            allowed = {("email", row["email"]), ("phone", row["phone"])}
            assert got <= allowed, f"{acc}: {got - allowed} is not this person's"
            for kind in ("email", "phone"):
                if row[kind]:
                    expected += 1
                    found += (kind, row[kind]) in got
    # every simulated person shows their e-mail and phone in their bios
    assert expected > 20 and found == expected


def test_brand_numbers_add_up_to_the_brand_and_match_the_estimator(world: World) -> None:
    _, ws = world
    person_map(ws)
    stats = brand_stats(ws.store, per_brand=True)
    brands = {row["brand"]: row for row in ws.brand_sentiment()}
    per_brand = defaultdict(int)
    for (_, brand), row in stats.items():
        per_brand[brand] += row["mentions"]
    assert per_brand == {b: r["mentions"] for b, r in brands.items() if r["mentions"]}
    model = next(iter(stats.values()))["model"]
    confusion = load_model("sentiment", "accurate" if "-accurate" in model else "fast").confusion
    label_counts = defaultdict(lambda: [0, 0, 0])
    order = {"negative": 0, "neutral": 1, "positive": 2}
    for pid, brand, label in ws.store.run(
        "SELECT a.person_id, m.track, s.label FROM track_matches m JOIN posts p USING (platform, id) "
        "JOIN person_accounts a ON a.platform = p.platform AND a.id = p.author_id "
        "LEFT JOIN post_sentiment s ON s.platform = p.platform AND s.id = p.id AND s.model = ?",
        [model],
    ):
        if label is not None:
            label_counts[(pid, brand)][order[label]] += 1
    checked = 0
    for key, counts in sorted(label_counts.items(), key=lambda kv: -sum(kv[1]))[:15]:
        row = stats[key]
        assert row["scored"] == sum(counts)
        expected = positive_share_interval(counts, confusion)
        negative = positive_share_interval(counts, confusion, positive=0)
        assert row["positive_share"] == pytest.approx(expected.share, abs=1e-4)
        assert row["negative_share"] == pytest.approx(negative.share, abs=1e-4)
        # the bounds are bootstrap quantiles: they must fall where the reference's fall over seeds
        runs = [positive_share_interval(counts, confusion, seed=seed) for seed in range(8)]
        assert min(r.low for r in runs) - 0.03 <= row["positive_low"] <= max(r.low for r in runs) + 0.03
        assert min(r.high for r in runs) - 0.03 <= row["positive_high"] <= max(r.high for r in runs) + 0.03
        checked += 1
    assert checked == 15


def test_trend_compares_this_period_with_the_one_before(world: World) -> None:
    _, ws = world
    person_map(ws)
    since, until = "2024-03-06T00:00:00+00:00", "2024-03-09T00:00:00+00:00"
    stats = brand_stats(ws.store, "acme", since, until)
    (pid, _), row = max(stats.items(), key=lambda kv: kv[1]["mentions"])
    times = [p["created_at"] for p in person_posts(ws.store, pid, "acme")]
    start = datetime(2024, 3, 6, tzinfo=UTC)
    now = [t for t in times if start <= t < start + timedelta(days=3)]
    before = [t for t in times if start - timedelta(days=3) <= t < start]
    assert (row["mentions_now"], row["mentions_before"]) == (len(now), len(before))
    assert row["mentions"] == len(now)
    assert row["trend"] == (
        None if not before else pytest.approx((len(now) - len(before)) / len(before), abs=1e-4)
    )
    assert row["first_mention"] == min(now) and row["last_mention"] == max(now)


def test_audience_is_deduplicated_and_two_hop_counts_people(world: World) -> None:
    _, ws = world
    found = person_map(ws)
    followers = defaultdict(set)
    for platform, src, dst in ws.store.run("SELECT platform, src, dst FROM edges WHERE kind = 'follow'"):
        who = found.get((platform, src), f"{platform}:{src}")
        target = found.get(
            (platform, dst), f"{platform}:{dst}"
        )  # an account seen only in edges is a person too
        if who != target:
            followers[target].add(who)
    rows = people_table(ws.store, sort="reach", top=5, with_influence=False)
    ids = [r["person_id"] for r in rows]
    got = audience(ws.store, ids)
    one_hop = set().union(*(followers[i] for i in ids)) - set(ids)
    assert got["audience"] == len(one_hop)
    assert got["audience"] < sum(len(followers[i]) for i in ids)  # shared followers counted once
    two = set(one_hop)
    for person in one_hop:
        two |= followers.get(person, set())
    assert got["two_hop"] == len(two - set(ids))
    for row in rows:
        assert row["audience"] == len(followers[row["person_id"]])
    blogger = ws.store.run(
        "SELECT pa.person_id FROM accounts a JOIN person_accounts pa USING (platform, id) WHERE a.is_blog "
        "AND pa.person_id NOT IN (SELECT person_id FROM person_accounts WHERE platform <> 'blog') LIMIT 1"
    )
    if blogger:  # a blogger with no social account: no follow data, so unknown, not 0
        assert audience(ws.store, [blogger[0][0]])["audience"] is None


def test_interaction_and_blog_reach_against_plain_python(world: World) -> None:
    _, ws = world
    found = person_map(ws)
    posts = {(p, i): a for p, i, a in ws.store.run("SELECT platform, id, author_id FROM posts")}
    handles = {}
    for platform, aid, handle in ws.store.run(
        "SELECT platform, id, handle FROM accounts WHERE handle IS NOT NULL"
    ):
        handles.setdefault((platform, handle.lower()), aid)
        handles[(platform, handle.lower())] = min(handles[(platform, handle.lower())], aid)
    drawn = defaultdict(set)
    rows = ws.store.run(
        "SELECT platform, author_id, reply_to_author_id, repost_of_id, quote_of_id, mentions FROM posts WHERE NOT deleted"
    )
    for platform, author, reply_to, repost_of, quote_of, mentions in rows:
        targets = [reply_to]
        targets.append(posts.get((platform, repost_of or quote_of)) if (repost_of or quote_of) else None)
        targets += [handles.get((platform, m.lower())) for m in mentions or []]
        who = found.get((platform, author), f"{platform}:{author}")
        for target in targets:
            person = found.get((platform, target)) if target else None
            if person is not None and person != who:
                drawn[person].add(who)
    table = {r["person_id"]: r for r in people_table(ws.store, with_influence=False)}
    for pid, row in itertools.islice(sorted(table.items()), 200):
        assert row["interaction_reach"] == len(drawn.get(pid, ())) or (
            row["interaction_reach"] is None and not drawn.get(pid)
        )
    with_site = [r for r in table.values() if r["blog_reach"] is not None]
    assert with_site and all(r["blog_reach"] >= 0 for r in with_site)


def test_people_table_rows_sorts_and_filters(world: World) -> None:
    _, ws = world
    rows = people_table(ws.store, brand="acme", sort="mentions")
    assert rows and all(r["mentions"] > 0 for r in rows)
    for name in (
        "handle",
        "platform",
        "mentions",
        "positive_share",
        "reachable",
        "reach",
        "influence",
        "person_id",
    ):
        assert name in rows[0]
    assert [r["mentions"] for r in rows] == sorted((r["mentions"] for r in rows), reverse=True)
    assert all(r["reachable"] for r in people_table(ws.store, brand="acme", reachable=True))
    mastodon = people_table(ws.store, brand="acme", platform="mastodon")
    assert mastodon and all("mastodon" in r["platforms"] for r in mastodon)
    scored = [r for r in people_table(ws.store, brand="acme", sort="influence") if r["influence"] is not None]
    assert scored and [r["influence"] for r in scored] == sorted(
        (r["influence"] for r in scored), reverse=True
    )
    segments = reachability(ws.store, "acme")
    assert {s["platform"] for s in segments} >= {"twitter", "mastodon"}
    for s in segments:
        assert 0 <= s["reachable_share"] <= 1 and s["reachable"] <= s["people"]


def test_person_profile_and_summary(world: World) -> None:
    _, ws = world
    top = people_table(ws.store, brand="acme", sort="mentions", top=1)[0]
    profile = person_profile(ws.store, top["person_id"], explain=True)
    assert profile["person_id"] == top["person_id"]
    assert len(profile["post_ids"]) == profile["post_count"] >= top["mentions"]
    assert {b["brand"] for b in profile["brands"]} >= {"acme"}
    assert profile["explanation"]
    summary = people_summary(ws, "acme", top=5)
    assert len(summary["top"]) == 5 and summary["explanation"]
    reach = summary["reach"]
    assert (
        reach["low"] <= reach["expected_spread"] <= reach["high"]
        and reach["expected_spread"] >= reach["seeds"]
    )


def test_cli_people_person_audience_merge_split(world: World) -> None:
    _, ws = world
    base = ["-w", str(ws.path)]

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, [*base, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    rows = json.loads(
        run("people", "--brand", "acme", "--top", "3", "--sort", "mentions", "--format", "json")
    )
    assert len(rows) == 3 and rows[0]["mentions"] >= rows[1]["mentions"]
    csv_out = run("people", "--brand", "acme", "--top", "3", "--format", "csv")
    assert csv_out.splitlines()[0].startswith("person_id,handle,platform")
    table = run("people", "--brand", "acme", "--top", "3")
    assert "positive" in table.splitlines()[0]
    handle = f"{rows[0]['platform']}:{rows[0]['handle']}"
    assert "Influence" in run("person", handle, "--explain")
    got = json.loads(run("audience", handle, f"{rows[1]['platform']}:{rows[1]['handle']}"))
    assert got["people"] == 2
    first, second = rows[0]["accounts"][0], rows[1]["accounts"][0]
    assert "Merged" in run("people", "merge", first, second)
    merged = person_map(ws)
    assert len({pid for acc, pid in merged.items() if f"{acc[0]}:" in first}) >= 1
    assert "Split" in run("people", "split", second)


def test_do_not_contact_people_are_never_offered_as_reachable(world: World) -> None:
    from grapevine.crm import add_do_not_contact, remove_do_not_contact

    _, ws = world
    reachable = [r for r in people_table(ws.store, with_influence=False, top=None) if r["reachable"]]
    target = reachable[0]
    add_do_not_contact(ws.store, target["person_id"], reason="asked us to stop")
    try:
        rows = {r["person_id"]: r for r in people_table(ws.store, with_influence=False, top=None)}
        assert rows[target["person_id"]]["do_not_contact"] is True
        assert rows[target["person_id"]]["reachable"] is False and rows[target["person_id"]]["channels"] == []
        assert sum(r["do_not_contact"] for r in rows.values()) == 1
        only_reachable = people_table(ws.store, with_influence=False, top=None, reachable=True)
        assert target["person_id"] not in {r["person_id"] for r in only_reachable}
        profile = person_profile(ws.store, target["person_id"])
        assert profile["do_not_contact"] is True and profile["channels"] == []
        out = ws.path / "accounts.jsonl"
        ws.export(out, fmt="jsonl", table="accounts")
        exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        theirs = {(a["platform"], a["id"]) for a in profile["accounts"]}
        hidden = [a for a in exported if (a["platform"], a["id"]) in theirs]
        assert hidden and all(a["bio"] is None and a["url"] is None and a["links"] is None for a in hidden)
        assert any(a["bio"] for a in exported if (a["platform"], a["id"]) not in theirs)
    finally:
        remove_do_not_contact(ws.store, target["person_id"])
    assert people_table(ws.store, with_influence=False, top=None, reachable=True)[0]["reachable"] is True


def test_one_persons_brand_stats_equal_their_rows_among_everyones(world: World) -> None:
    _, ws = world
    everyone = brand_stats(ws.store, None, per_brand=True)
    people = sorted({pid for pid, _ in everyone})
    for pid in people[:: max(1, len(people) // 25)]:
        alone = brand_stats(ws.store, None, per_brand=True, person_id=pid)
        assert alone == {key: row for key, row in everyone.items() if key[0] == pid}
