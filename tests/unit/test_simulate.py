"""The simulated world: formats, determinism, and the properties later analyses rely on."""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter, defaultdict
from pathlib import Path

import feedparser
import numpy as np
import orjson
import pytest
import zstandard

from grapevine.simulate import FORMATS, WorldSummary, simulate_world

PEOPLE, DAYS, SEED = 300, 30, 7
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TWEET_KEYS = {"id", "text", "author_id", "created_at", "conversation_id", "lang", "edit_history_tweet_ids",
              "public_metrics"}  # fmt: skip
STATUS_KEYS = {"id", "created_at", "in_reply_to_id", "in_reply_to_account_id", "content", "language", "url",
               "uri", "reblog", "account", "mentions", "tags", "favourites_count", "reblogs_count",
               "replies_count", "visibility"}  # fmt: skip
POSITIVE = ("love", "amazing", "best", "great service", "thanks", "happy", "impressed", "fantastic", "brilliant",
            "recommend", "perfect", "good", "nice", "helpful", "solid", "works well", "fixed it")  # fmt: skip
NEGATIVE = ("worst", "furious", "unacceptable", "ridiculous", "disappointed", "angry", "terrible", "never again",
            "not impressed", "done with", "ugh", "shame", "overpriced", "meh", "downhill", "still waiting")  # fmt: skip


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


class World:
    """A small simulated world, read back once for all tests."""

    def __init__(self, root: Path, summary: WorldSummary) -> None:
        self.root, self.summary = root, summary
        self.pages = [
            orjson.loads(line) for f in sorted(root.glob("twitter/tweets-*.jsonl")) for line in _lines(f)
        ]
        self.tweets = [t for page in self.pages for t in page["data"]]
        self.statuses = [
            orjson.loads(line) for f in sorted(root.glob("mastodon/statuses-*.jsonl")) for line in _lines(f)
        ]
        self.truth = {p.stem: _read_csv(p) for p in (root / "truth").glob("*.csv")}
        self.follows = {name: self._edges(root / name / "follows.tsv") for name in ("twitter", "mastodon")}

    @staticmethod
    def _edges(path: Path) -> set[tuple[str, str]]:
        edges = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                src, dst = line.split("\t")
                edges.add((src, dst))
        return edges


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("sim") / "world"
    summary = simulate_world(root, people=PEOPLE, days=DAYS, seed=SEED)
    return World(root, summary)


def _digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


def test_same_seed_same_bytes_whatever_the_workers(world: World, tmp_path: Path) -> None:
    again = simulate_world(tmp_path / "again", people=PEOPLE, days=DAYS, seed=SEED, workers=1)
    assert _digest(tmp_path / "again") == _digest(world.root)
    assert again.posts == world.summary.posts
    other = simulate_world(tmp_path / "other", people=PEOPLE, days=DAYS, seed=SEED + 1)
    assert _digest(tmp_path / "other") != _digest(world.root)
    assert other.posts == world.summary.posts


def test_compressed_output_holds_the_same_lines(world: World, tmp_path: Path) -> None:
    simulate_world(tmp_path / "z", people=PEOPLE, days=DAYS, seed=SEED, formats=("mastodon",), compress=True)
    (packed,) = sorted((tmp_path / "z" / "mastodon").glob("*.jsonl.zst"))
    with zstandard.ZstdDecompressor().stream_reader(packed.open("rb")) as reader:
        lines = reader.read().splitlines()
    assert len(lines) == world.summary.posts  # all posts went to Mastodon, nothing else changed shape
    assert all(orjson.loads(line)["account"]["acct"] for line in lines[:50])


def test_post_counts_are_exact_and_split_across_platforms(world: World) -> None:
    s = world.summary
    assert s.posts == PEOPLE * DAYS
    assert s.posts_by_platform["twitter"] == len(world.tweets)
    assert s.posts_by_platform["mastodon"] == len(world.statuses)
    items = sum(len(feedparser.parse(str(p)).entries) for p in world.root.glob("blogs/*.xml"))
    assert s.posts_by_platform["rss"] == items > 0
    assert sum(s.posts_by_platform.values()) == s.posts
    assert 0.7 < len(world.tweets) / s.posts < 0.85
    assert 0.15 < len(world.statuses) / s.posts < 0.25
    assert s.as_dict()["files"]["truth"] >= 10
    assert orjson.loads((world.root / "truth" / "summary.json").read_bytes())["posts"] == s.posts


def test_twitter_lines_are_v2_pages(world: World) -> None:
    assert world.pages and all(len(p["data"]) == 100 for p in world.pages[:-1])
    previous = 0
    for page in world.pages:
        assert set(page) == {"data", "includes", "meta", "__twarc"}
        users = {u["id"]: u for u in page["includes"]["users"]}
        cited = {t["id"] for t in page["includes"].get("tweets", [])}
        assert page["meta"]["result_count"] == len(page["data"])
        for tweet in page["data"]:
            assert set(tweet) >= TWEET_KEYS
            assert tweet["id"].isdigit() and int(tweet["id"]) > previous  # snowflakes grow with time
            previous = int(tweet["id"])
            assert ISO_MS.match(tweet["created_at"])
            assert tweet["author_id"] in users
            assert set(tweet["public_metrics"]) == {
                "retweet_count",
                "reply_count",
                "like_count",
                "quote_count",
            }
            for ref in tweet.get("referenced_tweets", []):
                assert ref["type"] in ("replied_to", "quoted", "retweeted")
            ent = tweet.get("entities", {})
            for m in ent.get("mentions", []):
                assert tweet["text"][m["start"] : m["end"]] == "@" + m["username"] and m["id"] in users
            for h in ent.get("hashtags", []):
                assert tweet["text"][h["start"] : h["end"]] == "#" + h["tag"]
            for u in ent.get("urls", []):
                assert tweet["text"][u["start"] : u["end"]] == u["url"] and u["expanded_url"].startswith(
                    "https://"
                )
            if "in_reply_to_user_id" in tweet:
                assert tweet["referenced_tweets"][0]["type"] == "replied_to"
        assert cited <= {r["id"] for t in page["data"] for r in t.get("referenced_tweets", [])}
    for user in world.pages[0]["includes"]["users"]:
        assert {"id", "username", "name", "description", "public_metrics", "created_at", "verified"} <= set(
            user
        )


def test_mastodon_lines_are_statuses(world: World) -> None:
    by_id = {s["id"]: s for s in world.statuses}
    assert len(by_id) == len(world.statuses)
    reblogs = 0
    for status in world.statuses:
        assert set(status) >= STATUS_KEYS and status["visibility"] == "public"
        assert ISO_MS.match(status["created_at"])
        account = status["account"]
        assert {"id", "username", "acct", "display_name", "note", "url", "fields", "followers_count",
                "following_count", "statuses_count", "created_at"} <= set(account)  # fmt: skip
        if status["reblog"] is not None:
            reblogs += 1
            assert status["content"] == "" and status["reblog"] == by_id[status["reblog"]["id"]]
            continue
        assert status["content"].startswith("<p>") and status["content"].endswith("</p>")
        for mention in status["mentions"]:
            assert f"@<span>{mention['username']}</span>" in status["content"]
        for tag in status["tags"]:
            assert f'/tags/{tag["name"]}"' in status["content"]
    assert reblogs > 0


def test_rss_feeds_parse_and_link_each_other(world: World) -> None:
    feeds = [feedparser.parse(str(p)) for p in sorted(world.root.glob("blogs/*.xml"))]
    assert feeds
    links = {e.link for f in feeds for e in f.entries}
    cross = 0
    for feed in feeds:
        assert not feed.bozo, feed.bozo_exception
        assert feed.feed.title and feed.feed.link
        for entry in feed.entries:
            assert entry.published_parsed and entry.title and entry.summary
            cross += sum(href in links for href in re.findall(r'href="([^"]+)"', entry.summary))
    assert cross > 0
    people = world.truth["people"]
    assert {f"blogs/{p.name}" for p in world.root.glob("blogs/*.xml")} == {
        p["blog_feed"] for p in people if p["blog_feed"]
    }


def test_follower_counts_match_the_edge_lists(world: World) -> None:
    followers = Counter(dst for _src, dst in world.follows["twitter"])
    following = Counter(src for src, _dst in world.follows["twitter"])
    users = {u["id"]: u for p in world.pages for u in p["includes"]["users"]}
    for uid, user in users.items():
        assert user["public_metrics"]["followers_count"] == followers[uid]
        assert user["public_metrics"]["following_count"] == following[uid]
    m_followers = Counter(dst for _src, dst in world.follows["mastodon"])
    for status in world.statuses[:500]:
        assert status["account"]["followers_count"] == m_followers[status["account"]["id"]]


def test_follower_degrees_are_heavy_tailed(world: World) -> None:
    counts = np.array([int(a["followers"]) for a in world.truth["accounts"]
                       if a["platform"] == "twitter" and a["role"] == "person"])  # fmt: skip
    assert counts.max() > 6 * np.median(counts)
    assert np.percentile(counts, 99) > 3 * np.percentile(counts, 50)


def test_follows_are_homophilous(world: World) -> None:
    community = {p["twitter_id"]: p["community"] for p in world.truth["people"] if p["twitter_id"]}
    pairs = [
        (community[s], community[d]) for s, d in world.follows["twitter"] if s in community and d in community
    ]
    inside = sum(a == b for a, b in pairs) / len(pairs)
    share = np.array(list(Counter(community.values()).values())) / len(community)
    assert inside > 2 * float((share**2).sum())
    assert inside > 0.6


def test_brand_talk_has_both_signs_and_persistent_opinions(world: World) -> None:
    labels = [
        row for row in world.truth["labels"] if row["brand"] and row["kind"] in ("post", "reply", "quote")
    ]
    by_brand: dict[str, Counter[int]] = defaultdict(Counter)
    for row in labels:
        by_brand[row["brand"]][int(row["sentiment"])] += 1
    assert len(by_brand) == 5
    for counts in by_brand.values():
        assert (
            sum(n for s, n in counts.items() if s > 0) > 10
            and sum(n for s, n in counts.items() if s < 0) > 10
        )
    person_of = {p["twitter_id"]: p["person_id"] for p in world.truth["people"] if p["twitter_id"]}
    person_of |= {p["mastodon_id"]: p["person_id"] for p in world.truth["people"] if p["mastodon_id"]}
    opinion = {(o["person_id"], o["brand"]): float(o["opinion"]) for o in world.truth["opinions"]}
    agree = total = 0
    for row in labels:
        if row["kind"] != "post" or row["author_id"] not in person_of or row["sentiment"] == "0":
            continue
        view = opinion[(person_of[row["author_id"]], row["brand"])]
        if abs(view) > 0.4:
            total += 1
            agree += (view > 0) == (int(row["sentiment"]) > 0)
    assert total > 100 and agree / total > 0.85


def test_texts_carry_sentiment_signal(world: World) -> None:
    sentiment = {row["post_id"]: int(row["sentiment"]) for row in world.truth["labels"]}
    scores: dict[str, list[int]] = {"pos": [], "neg": []}
    distinct: dict[int, set[str]] = defaultdict(set)
    for tweet in world.tweets:
        s = sentiment.get(tweet["id"])
        if s is None or s == 0:
            continue
        text = tweet["text"].lower()
        score = sum(w in text for w in POSITIVE) - sum(w in text for w in NEGATIVE)
        scores["pos" if s > 0 else "neg"].append(score)
        distinct[s].add(re.sub(r"@\w+", "@", text))
    assert np.mean(scores["pos"]) > 0.4 > -0.4 > np.mean(scores["neg"])
    assert all(len(texts) > 150 for texts in distinct.values())


def test_replies_cite_earlier_posts_except_documented_missing_parents(world: World) -> None:
    by_id = {t["id"]: t for t in world.tweets}
    missing = {row["post_id"] for row in world.truth["missing_parents"] if row["platform"] == "twitter"}
    replies = dangling = 0
    for tweet in world.tweets:
        for ref in tweet.get("referenced_tweets", []):
            parent = by_id.get(ref["id"])
            if parent is None:
                dangling += 1
                assert ref["type"] == "replied_to" and tweet["id"] in missing
                continue
            assert parent["created_at"] <= tweet["created_at"] and int(parent["id"]) < int(tweet["id"])
            if ref["type"] == "replied_to":
                replies += 1
                assert tweet["in_reply_to_user_id"] == parent["author_id"]
                assert tweet["conversation_id"] in by_id
    assert dangling == len(missing) and 0 < dangling < 0.03 * replies
    statuses = {s["id"] for s in world.statuses}
    m_missing = {row["post_id"] for row in world.truth["missing_parents"] if row["platform"] == "mastodon"}
    for status in world.statuses:
        if status["in_reply_to_id"] and status["in_reply_to_id"] not in statuses:
            assert status["id"] in m_missing


def test_reposts_travel_along_follow_edges(world: World) -> None:
    by_id = {t["id"]: t for t in world.tweets}
    cascades = [row for row in world.truth["cascades"] if row["platform"] == "twitter"]
    assert len(cascades) == sum(
        t.get("referenced_tweets", [{}])[0].get("type") == "retweeted" for t in world.tweets
    )
    reposters: dict[str, set[str]] = defaultdict(set)
    for row in cascades:
        original = by_id[row["original_id"]]
        assert (row["reposter_id"], row["via_id"]) in world.follows["twitter"]
        assert row["via_id"] == original["author_id"] or row["via_id"] in reposters[row["original_id"]]
        assert by_id[row["repost_id"]]["author_id"] == row["reposter_id"]
        reposters[row["original_id"]].add(row["reposter_id"])
    assert max(int(row["depth"]) for row in cascades) >= 2
    for status in world.statuses:
        if status["reblog"]:
            pair = (status["account"]["id"], status["reblog"]["account"]["id"])
            via = [r for r in world.truth["cascades"] if r["repost_id"] == status["id"]]
            assert via and (pair[0], via[0]["via_id"]) in world.follows["mastodon"]


def test_care_threads_escalate_or_resolve(world: World) -> None:
    threads = world.truth["care_threads"]
    outcomes = Counter(t["outcome"] for t in threads)
    assert outcomes["resolved"] > 5 and outcomes["escalated"] > 5
    by_id = {t["id"]: t for t in world.tweets}
    conversations: dict[str, list[dict]] = defaultdict(list)
    for tweet in world.tweets:
        conversations[tweet["conversation_id"]].append(tweet)
    brands = {b["brand"]: b for b in world.truth["brands"]}
    for thread in threads:
        if thread["platform"] != "twitter" or thread["turns"] != thread["turns_emitted"]:
            continue
        root = by_id[thread["conversation_id"]]
        support = brands[thread["brand"]]["twitter_support_handle"]
        assert root["text"].startswith("@" + support)
        turns = sorted(conversations[thread["conversation_id"]], key=lambda t: int(t["id"]))
        assert len(turns) == int(thread["turns"])
        support_id = root["entities"]["mentions"][0]["id"]
        for turn in turns[1:]:
            by_agent = turn["author_id"] == support_id
            addressed = turn["entities"]["mentions"][0]
            assert addressed["start"] == 0
            assert (addressed["username"] == support) != by_agent  # each side addresses the other
        last = turns[-1]["text"].lower()
        if thread["outcome"] == "resolved":
            assert any(w in last for w in ("thank", "working", "sorted", "did it"))
        else:
            assert any(w in last for w in ("press", "cancel", "regulator", "waiting", "unacceptable", "tired",
                                           "nothing", "worst"))  # fmt: skip
    stages = " ".join(t["stages"] for t in threads)
    assert "escalate3" in stages and "agent_resolve" in stages


def test_bots_burst_and_a_follow_ring_exists(world: World) -> None:
    bursts = world.truth["bursts"]
    assert bursts
    by_id = {t["id"]: t for t in world.tweets}
    for burst in bursts:
        retweets = [t for t in world.tweets
                    if t.get("referenced_tweets", [{}])[0].get("id") == burst["client_post_id"]]  # fmt: skip
        times = sorted(t["created_at"] for t in retweets)
        assert len(retweets) >= int(burst["reposts"]) > 0
        assert by_id[burst["client_post_id"]]["author_id"] == burst["client_id"]
        assert times[0][:13] == by_id[burst["client_post_id"]]["created_at"][:13] or len(times) > 3
    ring = [p["twitter_id"] for p in world.truth["people"] if p["f4f"] == "1"]
    assert len(ring) >= 8
    assert all((a, b) in world.follows["twitter"] for a in ring for b in ring if a != b)


def test_bios_carry_contact_channels_and_cross_links(world: World) -> None:
    people = {p["twitter_id"]: p for p in world.truth["people"] if p["twitter_id"]}
    users = {u["id"]: u for page in world.pages for u in page["includes"]["users"]}
    phones = emails = linked = websites = 0
    for uid, user in users.items():
        person = people.get(uid)
        if person is None:
            continue
        bio = user["description"]
        if person["email"]:
            user_part, domain = person["email"].split("@")
            assert person["email"] in bio or f"{user_part} [at] {domain.split('.')[0]}" in bio
            emails += 1
        if person["phone"]:
            digits = re.sub(r"\D", "", bio)
            assert person["phone"].lstrip("+")[-7:] in digits
            phones += 1
        if person["website"]:
            assert user["entities"]["url"]["urls"][0]["expanded_url"] == person["website"]
            websites += 1
        if person["crosslinked"] == "1":
            host_user = person["mastodon_acct"].split("@")
            expanded = [
                u["expanded_url"] for u in user.get("entities", {}).get("description", {}).get("urls", [])
            ]
            assert (
                f"@{person['mastodon_acct']}" in bio or f"https://{host_user[1]}/@{host_user[0]}" in expanded
            )
            linked += 1
    assert emails and phones and linked and websites
    formats = {re.sub(r"\d", "9", p["phone"]) for p in people.values() if p["phone"]}
    assert formats  # canonical E.164 in truth; the shown formats vary (checked above through digits)
    accounts = {s["account"]["id"]: s["account"] for s in world.statuses}
    m_people = {p["mastodon_id"]: p for p in world.truth["people"] if p["mastodon_id"]}
    both = 0
    for aid, account in accounts.items():
        person = m_people.get(aid)
        if person and person["crosslinked"] == "1":
            values = " ".join(f["value"] for f in account["fields"])
            assert f"twitter.com/{person['twitter_username']}" in values
            if person["website"]:
                assert person["website"].split("://")[1] in values
            both += 1
    assert both


def test_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="formats"):
        simulate_world(tmp_path / "a", people=50, days=2, formats=("myspace",))
    with pytest.raises(ValueError, match="people"):
        simulate_world(tmp_path / "a", people=5, days=2)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        simulate_world(tmp_path / "full", people=50, days=2)
    summary = simulate_world(tmp_path / "full", people=50, days=2, formats=("twitter",), overwrite=True)
    assert (tmp_path / "full" / "keep.txt").exists() and not (tmp_path / "full" / "mastodon").exists()
    assert summary.posts == summary.posts_by_platform["twitter"] == 100
    assert set(FORMATS) == {"twitter", "mastodon", "rss"}


def test_tiny_and_zero_budgets(tmp_path: Path) -> None:
    zero = simulate_world(tmp_path / "zero", people=30, days=1, posts=0)
    assert zero.posts == 0 and not list((tmp_path / "zero" / "twitter").glob("tweets-*"))
    few = simulate_world(tmp_path / "few", people=30, days=3, posts=7, formats=("twitter",))
    lines = (tmp_path / "few" / "twitter" / "tweets-00001.jsonl").read_bytes().splitlines()
    assert sum(len(orjson.loads(line)["data"]) for line in lines) == few.posts == 7


def test_throughput_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not a timed assertion: prints posts/s (see it with ``pytest -s``)."""
    summary = simulate_world(tmp_path / "bench", people=2000, days=10, seed=1, posts=60_000, workers=0)
    with capsys.disabled():
        print(
            f"\nsimulate: {summary.posts:,} posts in {summary.elapsed_s:.2f}s = {summary.as_dict()['posts_per_s']:,} posts/s"
        )
    assert summary.posts == 60_000
