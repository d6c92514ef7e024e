"""Twitter sources (v1.1, v2, RumourEval) on the real samples and on small hand-made payloads."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from grapevine.models import Mapped, Post
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source
from grapevine.sources.twitter import (
    RumourEvalSource,
    TwitterV1Source,
    TwitterV2Source,
    map_v1_status,
    map_v2_page,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twitter"
V1, V2, RUMOUREVAL = TwitterV1Source(), TwitterV2Source(), RumourEvalSource()
SOURCES: list[Source] = [V1, V2, RUMOUREVAL]
TWARC = "payloads/twitter_v2/twarc-csv_test-data"
CASSETTES = "payloads/twitter_tweepy_cassettes"


def read_all(source: Source, path: Path) -> tuple[list[RawRecord], list[BadRecord]]:
    good: list[RawRecord] = []
    bad: list[BadRecord] = []
    with open(path, "rb") as stream:
        for record in source.read(stream, path.name):
            if isinstance(record, BadRecord):
                bad.append(record)
            else:
                good.append(record)
    return good, bad


def map_file(source: Source, path: Path) -> Mapped:
    records, bad = read_all(source, path)
    assert not bad, bad[:1]
    mapped = Mapped()
    for record in records:
        mapped.extend(source.map(record))
    return mapped


def scores(path: Path) -> dict[str, float]:
    with open(path, "rb") as stream:
        sample = stream.read(64 * 1024)
    return {source.name: source.detect(sample, path.name) for source in SOURCES}


def best(path: Path) -> str | None:
    found = scores(path)
    name = max(found, key=lambda key: found[key])
    return name if found[name] >= 0.3 else None


def posts_by_id(mapped: Mapped) -> dict[str, Post]:
    """The first post of each id, as the store keeps it."""
    found: dict[str, Post] = {}
    for post in mapped.posts:
        found.setdefault(post.id, post)
    return found


# -- every real file reads and maps --------------------------------------------------------


def _real_files(data_dir: Path) -> list[Path]:
    files = sorted((data_dir / "payloads/twitter_v1").glob("*.jsonl"))
    files += sorted(p for p in (data_dir / TWARC).iterdir() if p.is_file())
    files += sorted((data_dir / CASSETTES).glob("*.json"))
    files += sorted((data_dir / "rumoureval2017").glob("*.jsonl"))
    return files


def test_every_real_file_reads_and_maps_without_errors(data_dir: Path) -> None:
    by_name = {source.name: source for source in SOURCES}
    files = _real_files(data_dir)
    assert len(files) > 150
    totals: Counter[str] = Counter()
    for path in files:
        source = by_name.get(best(path) or "", V2)  # unclaimed files (empty, compliance) go to v2
        records, bad = read_all(source, path)
        expected_bad = 1 if path.name == "streaming_output_with_error.jsonl" else 0
        assert len(bad) == expected_bad, (path.name, bad[:1])
        for record in records:
            mapped = source.map(record)  # any exception fails the test
            for post in mapped.posts:
                assert post.platform == "twitter" and post.id and post.url
                assert post.created_at is None or post.created_at.tzinfo is not None
            totals["posts"] += len(mapped.posts)
            totals["accounts"] += len(mapped.accounts)
    assert totals["posts"] > 7_000 and totals["accounts"] > 6_000


def test_empty_file_reads_nothing_and_is_not_claimed(data_dir: Path) -> None:
    path = data_dir / TWARC / "empty.json"
    assert path.stat().st_size == 0
    for source in SOURCES:
        assert read_all(source, path) == ([], [])
    assert max(scores(path).values()) == 0.0


# -- detection -----------------------------------------------------------------------------


def test_detection_picks_the_right_source_for_each_sample(data_dir: Path) -> None:
    assert best(data_dir / "payloads/twitter_v1/rumoureval2017_v1.1_tweets_sample.jsonl") == "twitter-v1"
    assert best(data_dir / "rumoureval2017/rumoureval2017_traindev_threads.jsonl") == "rumoureval"
    unclaimed = {"empty.json", "tweets_compliance.jsonl", "users_compliance.jsonl"}
    for path in sorted((data_dir / TWARC).iterdir()):
        if path.suffix in (".jsonl", ".json"):
            assert best(path) == (None if path.name in unclaimed else "twitter-v2"), path.name
    for path in sorted((data_dir / CASSETTES).glob("*.json")):
        # tweepy names its API v2 (Client) cassettes test_client_*, test_asyncclient_*, test_manage_*
        v2 = path.name.startswith(("test_client_", "test_asyncclient_", "test_manage_"))
        chosen = best(path)
        if chosen is not None:  # cassettes with no tweet/user endpoints are still Twitter's
            assert chosen == ("twitter-v2" if v2 else "twitter-v1"), path.name
    for name in ("edited.jsonl", "flat.jsonl", "users.jsonl", "brexit.jsonl"):
        assert scores(data_dir / TWARC / name)["twitter-v1"] == 0.0, name


def test_pages_without_tweets_are_claimed_weakly_and_map_to_nothing(data_dir: Path) -> None:
    for name in ("counts.jsonl", "lists.jsonl"):
        path = data_dir / TWARC / name
        found = scores(path)
        assert 0.3 <= found["twitter-v2"] <= 0.6, name
        mapped = map_file(V2, path)
        assert len(mapped) == 0, name


def test_compliance_events_map_to_nothing_when_forced(data_dir: Path) -> None:
    for name in ("tweets_compliance.jsonl", "users_compliance.jsonl"):
        records, bad = read_all(V2, data_dir / TWARC / name)
        assert len(records) == 2 and not bad
        assert all(len(V2.map(record)) == 0 for record in records)


def test_other_platforms_are_not_claimed(data_dir: Path) -> None:
    others = [data_dir / "payloads" / folder for folder in ("mastodon", "bluesky", "reddit", "rss_atom")]
    paths = [p for folder in others for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".md"]
    paths += sorted((data_dir / "twcs_slice").glob("*.csv")) + sorted(
        (data_dir / "airline_tweets").glob("*.csv")
    )
    assert len(paths) > 100
    for path in paths:
        assert max(scores(path).values()) == 0.0, path


def test_detection_of_hand_made_layouts() -> None:
    for name in ("v1_extended.jsonl", "v1_array.json", "v1_search.json"):
        assert best(FIXTURES / name) == "twitter-v1", name
    mastodon = b'{"id": "1", "content": "<p>hi</p>", "account": {"id": "2", "acct": "a", "username": "a"}}\n'
    bluesky = b'{"uri": "at://did:plc:abc/app.bsky.feed.post/1", "author": {"did": "did:plc:abc"}}\n'
    reddit = (
        b'{"kind": "Listing", "data": {"children": [{"kind": "t1", "data": {"id": "x", "body": "hi"}}]}}\n'
    )
    mastodon_search = b'{"accounts": [], "statuses": [], "hashtags": []}\n'
    for sample in (mastodon, mastodon_search, bluesky, reddit, b"", b"id,text\n1,hello\n"):
        assert all(source.detect(sample, "x.json") == 0.0 for source in SOURCES), sample


# -- v1.1 ----------------------------------------------------------------------------------


def test_v1_sample_file_maps_every_status(data_dir: Path) -> None:
    records, bad = read_all(V1, data_dir / "payloads/twitter_v1/rumoureval2017_v1.1_tweets_sample.jsonl")
    assert len(records) == 80 and not bad
    assert [record.number for record in records[:3]] == [1, 2, 3]  # line numbers
    mapped = Mapped()
    for record in records:
        mapped.extend(V1.map(record))
    assert len(mapped.posts) == 80
    # v1.1 has no reply or quote counts: unknown, not 0
    assert all(post.reply_count is None and post.quote_count is None for post in mapped.posts)
    source = posts_by_id(mapped)["552783667052167168"]
    assert source.author_handle == "euronews" and source.author_id == "25067168"
    assert source.like_count == 38 and source.repost_count == 486
    assert source.hashtags == ["CharlieHebdo"]
    assert source.created_at == datetime(2015, 1, 7, 11, 7, 51, tzinfo=UTC)
    assert source.url == "https://twitter.com/euronews/status/552783667052167168"
    reply = posts_by_id(mapped)["552785374507175936"]
    assert reply.reply_to_id == "552783667052167168" and reply.reply_to_author_id == "25067168"
    assert reply.mentions == ["euronews"]
    euronews = next(a for a in mapped.accounts if a.id == "25067168")
    assert (euronews.followers_count, euronews.following_count, euronews.post_count) == (129573, 337, 48440)
    assert euronews.verified is True and euronews.links[0] == "http://www.euronews.com/"


def test_v1_retweet_points_at_its_original_which_is_also_a_post(data_dir: Path) -> None:
    mapped = map_file(V1, data_dir / CASSETTES / "testgetretweets.json")
    posts = posts_by_id(mapped)
    retweet = posts["486663181901627392"]
    assert retweet.repost_of_id == "266367358078169089"
    assert retweet.like_count is None and retweet.repost_count is None
    original = posts["266367358078169089"]
    assert original.author_handle == "Twitter" and original.repost_count == 211
    assert len(mapped.posts) == len(posts) == 16  # 15 retweets + the original, once


def test_v1_quote_points_at_the_quoted_post(data_dir: Path) -> None:
    posts = posts_by_id(map_file(V1, data_dir / CASSETTES / "testcachedresult.json"))
    quote = posts["1359273099355713538"]  # embeds its quoted_status: that one is a post too
    assert quote.quote_of_id == "1359272698325655561"
    assert posts["1359272698325655561"].author_handle == "IgorBrigadir"
    # a user's latest status (users/show) names its quote by id only
    by_id_only = posts["1344098500896837632"]
    assert by_id_only.quote_of_id == "1344098443288055808" and "1344098443288055808" not in posts
    assert by_id_only.author_handle == "TweepyDev"
    assert "https://github.com/tweepy/tweepy/issues/1389" in by_id_only.links


def test_v1_cassette_responses(data_dir: Path) -> None:
    followers = map_file(V1, data_dir / CASSETTES / "testgetfollowers.json")
    assert [a.handle for a in followers.accounts] == ["jessicagarson", "Harmon758"]
    search = json.loads((data_dir / CASSETTES / "testsearchtweets.json").read_bytes())
    statuses = search["interactions"][0]["body"]["statuses"]
    posts = posts_by_id(map_file(V1, data_dir / CASSETTES / "testsearchtweets.json"))
    assert {s["id_str"] for s in statuses} <= set(posts)
    destroyed = map_file(V1, data_dir / CASSETTES / "testupdateanddestroystatus.json")
    assert [(p.id, p.deleted) for p in destroyed.posts] == [
        ("1149868020346556416", False),
        ("1149868020346556416", True),
        ("1149868022850609159", False),
        ("1149868022850609159", True),
    ]
    # direct messages, ids, lists and geo map to nothing
    for name in (
        "testgetdirectmessages.json",
        "testgetfollowerids.json",
        "testgetlists.json",
        "testgeoapis.json",
    ):
        assert len(map_file(V1, data_dir / CASSETTES / name)) == 0, name


def test_v1_extended_full_text_entities_and_metrics() -> None:
    mapped = map_file(V1, FIXTURES / "v1_extended.jsonl")
    posts = posts_by_id(mapped)
    long_post = posts["914800000000000001"]
    assert (long_post.text or "").endswith(
        "kept whole in extended_tweet.full_text #longform @alice https://t.co/xyz"
    )
    assert long_post.hashtags == ["longform"] and long_post.mentions == ["alice"]
    assert long_post.links == ["https://example.org/longform"]
    assert (long_post.like_count, long_post.repost_count, long_post.reply_count, long_post.quote_count) == (
        7,
        3,
        2,
        1,
    )
    reply = posts["914800000000000002"]
    assert reply.text == "@grapevine_hq Fish & chips <3 #food"
    assert reply.hashtags == ["food"] and reply.lang is None
    assert reply.reply_to_id == "914800000000000001" and reply.reply_to_author_id == "42"
    assert reply.reply_count is None
    retweet = posts["914800000000000003"]
    assert retweet.repost_of_id == "914800000000000001"
    assert (
        retweet.text
        == "RT @grapevine_hq: Long posts arrive cut in compatibility mode: the whole text lives here"
    )
    quote = posts["914800000000000004"]
    assert quote.quote_of_id == "914800000000000002" and quote.links[0].endswith("/914800000000000002")
    account = next(a for a in mapped.accounts if a.id == "42")
    assert account.links == ["https://grapevine.example.org"] and account.location is None
    assert account.bio == "Listening &amp; learning. Mail us: team@example.org"
    assert account.created_at == datetime(2009, 3, 17, 7, 0, tzinfo=UTC)  # +0100 offset
    assert (account.followers_count, account.following_count, account.post_count) == (1200, 80, 5400)


def test_v1_array_and_search_documents_read_as_records() -> None:
    records, bad = read_all(V1, FIXTURES / "v1_array.json")
    assert [r.number for r in records] == [1, 2] and not bad
    search, bad = read_all(V1, FIXTURES / "v1_search.json")
    assert len(search) == 1 and not bad
    posts = V1.map(search[0]).posts
    assert [p.id for p in posts] == [
        "914800000000000003",
        "914800000000000001",
        "914800000000000004",
        "914800000000000002",
    ]


def test_map_v1_status_is_a_public_pure_function() -> None:
    status = json.loads((FIXTURES / "v1_extended.jsonl").read_text().splitlines()[2])
    before = json.dumps(status, sort_keys=True)
    mapped = map_v1_status(status)
    assert [p.id for p in mapped.posts] == ["914800000000000003", "914800000000000001"]
    assert json.dumps(status, sort_keys=True) == before
    with pytest.raises(MappingError):
        map_v1_status({"text": "no id"})


# -- RumourEval ----------------------------------------------------------------------------


def test_rumoureval_threads(data_dir: Path) -> None:
    records, bad = read_all(RUMOUREVAL, data_dir / "rumoureval2017/rumoureval2017_traindev_threads.jsonl")
    assert len(records) == 297 and not bad
    total = 0
    for record in records:
        mapped = RUMOUREVAL.map(record)
        thread_id = record.payload["thread_id"]
        assert len(mapped.posts) == 1 + len(record.payload["replies"])
        assert mapped.posts[0].id == thread_id
        assert all(post.conversation_id == thread_id for post in mapped.posts)
        total += len(mapped.posts)
    assert total == 4519
    first = RUMOUREVAL.map(records[0])
    reply = posts_by_id(first)["552785374507175936"]
    assert reply.reply_to_id == "552783667052167168"


# -- v2 ------------------------------------------------------------------------------------


def test_v2_brexit_page_gives_data_tweets_and_includes(data_dir: Path) -> None:
    path = data_dir / TWARC / "brexit.jsonl"
    records, _ = read_all(V2, path)
    assert len(records) == 1  # one page, one record
    page = records[0].payload
    mapped = V2.map(records[0])
    posts = posts_by_id(mapped)
    data_ids = {t["id"] for t in page["data"]}
    include_ids = {t["id"] for t in page["includes"]["tweets"]}
    assert len(data_ids) == 100 and len(include_ids) == 59 and len(data_ids & include_ids) == 4
    assert set(posts) == data_ids | include_ids and len(mapped.posts) == 155
    assert len(mapped.accounts) == 177
    retweet = posts["1440716856763977732"]
    assert retweet.repost_of_id == "1440713161355583489" and retweet.like_count is None
    assert (retweet.text or "").startswith("RT @carolJhedges: . #BorisJohnson")
    quote = posts["1440715975020584960"]
    assert quote.quote_of_id == "1440660748275834882"
    assert (quote.text or "").startswith("And @AngelaRayner & #NicolaSturgeon")
    assert (quote.like_count, quote.repost_count, quote.reply_count, quote.quote_count) == (0, 0, 0, 0)
    reply = posts["1440716745577140229"]
    assert reply.reply_to_id == "1440621713281093641" and reply.conversation_id == "1440621713281093641"
    assert reply.reply_to_author_id == "1717521084" and reply.mentions == ["AndrewKnight226"]
    assert reply.url == "https://twitter.com/calin_a/status/1440716745577140229"


def test_v2_edit_history_keeps_the_newest_version_once(data_dir: Path) -> None:
    latest, older = "1576994789110992896", "1576994746135764992"
    for name in ("edited.jsonl", "edited_after.jsonl", "edited_before.jsonl"):
        mapped = map_file(V2, data_dir / TWARC / name)
        assert [p.id for p in mapped.posts] == [latest], name
        assert mapped.posts[0].text == "hey :) https://t.co/rnwEIoNuqd"
        assert mapped.posts[0].like_count is not None and mapped.posts[0].author_handle == "wongmjane"
    quoted = posts_by_id(map_file(V2, data_dir / TWARC / "quoted_edit.jsonl"))
    assert set(quoted) == {"1576995594388000768", latest}
    reply = quoted["1576995594388000768"]
    assert reply.quote_of_id == latest and reply.reply_to_id == latest
    # the older version alone (no newer one in the record) is kept: it is the only copy
    page = json.loads((data_dir / TWARC / "edited_before.jsonl").read_bytes())
    page["includes"]["tweets"] = [t for t in page["includes"]["tweets"] if t["id"] == older]
    assert [p.id for p in map_v2_page(page).posts] == [older]


def test_v2_withheld_content_is_kept(data_dir: Path) -> None:
    records, bad = read_all(V2, data_dir / TWARC / "withheld.jsonl")
    assert len(records) == 5 and not bad
    mapped = Mapped()
    for record in records:
        mapped.extend(V2.map(record))
    data_ids = {t["id"] for r in records for t in json.loads(r.raw)["data"]}  # a payload may be typed
    posts = posts_by_id(mapped)
    assert len(data_ids) == 215 and data_ids <= set(posts)
    withheld = posts["25712847277"]
    assert (withheld.text or "").startswith("Israelis like to build.") and withheld.reply_count == 4501
    account = next(a for a in mapped.accounts if a.id == "1272921762")
    assert account.handle == "ddeleteddddddd" and account.followers_count == 4075
    # withheld text may be missing altogether
    page = {
        "data": {"id": "5", "author_id": "9", "conversation_id": "5", "withheld": {"country_codes": ["DE"]}}
    }
    post = map_v2_page(page).posts[0]
    assert post.id == "5" and post.text is None


def test_v2_streaming_file_with_a_broken_line(data_dir: Path) -> None:
    records, bad = read_all(V2, data_dir / TWARC / "streaming_output_with_error.jsonl")
    assert [r.number for r in records] == [1, 2, 3, 4, 5, 6, 7]
    assert len(bad) == 1 and bad[0].number == 8 and "invalid JSON" in bad[0].reason
    first = V2.map(records[0])
    assert first.posts[0].id == records[0].payload["data"]["id"]  # "data" is one object here


def test_v2_flattened_tweets(data_dir: Path) -> None:
    records, bad = read_all(V2, data_dir / TWARC / "flat.jsonl")
    assert len(records) == 100 and not bad
    first = V2.map(records[0])
    retweet, original = first.posts
    assert (
        retweet.id == "1380242611781386245" and retweet.repost_of_id == original.id == "1380175475545362437"
    )
    assert retweet.author_handle == "Alexandravm12" and original.author_handle == "williamserafino"
    assert original.like_count == 241 and (original.text or "").endswith("hace sentir su regreso.")
    assert {a.handle for a in first.accounts} == {"Alexandravm12", "williamserafino"}


def test_v2_users_page(data_dir: Path) -> None:
    mapped = map_file(V2, data_dir / TWARC / "users.jsonl")
    accounts = {a.id: a for a in mapped.accounts}
    user = accounts["119369819"]
    assert (user.handle, user.followers_count, user.following_count, user.post_count) == (
        "DoDirty78",
        580,
        518,
        55186,
    )
    assert user.links == [] and user.location == "NC" and user.verified is False
    assert accounts["95500726"].links == ["http://Facebook.com/johnny.d.hoang"]
    assert len(mapped.posts) == 52  # the pinned tweets in includes


def test_v2_cassettes(data_dir: Path) -> None:
    followers = map_file(V2, data_dir / CASSETTES / "test_client_get_users_followers.json")
    assert len(followers.accounts) == len(followers.edges) == 100
    assert all(e.dst == "783214" and e.kind == "follow" for e in followers.edges)
    following = map_file(V2, data_dir / CASSETTES / "test_client_get_users_following.json")
    assert all(e.src == "783214" for e in following.edges) and len(following.edges) == 35
    tweet = map_file(V2, data_dir / CASSETTES / "test_client_get_tweet.json").posts
    assert [p.id for p in tweet] == ["1293593516040269825"] and tweet[0].hashtags == ["TwitterAPI"]
    assert tweet[0].url == "https://twitter.com/i/web/status/1293593516040269825"  # author unknown
    for name in ("test_manage_and_lookup_direct_messages.json", "test_client_get_spaces.json"):
        assert len(map_file(V2, data_dir / CASSETTES / name)) == 0, name


def test_errors_only_page_maps_to_nothing() -> None:
    page = {"errors": [{"title": "Not Found Error", "resource_id": "1", "type": "about:blank"}]}
    assert len(map_v2_page(page)) == 0
    assert len(V2.map(RawRecord(1, page, b""))) == 0


# -- hostile input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "payload"),
    [
        (V1, "just a string"),
        (V1, {"id_str": "1", "text": 5}),
        (V1, {"id_str": "1", "text": "x", "user": "not an object"}),
        (V1, {"id_str": "1", "text": "x", "created_at": "yesterday"}),
        (V1, {"id_str": "1", "text": "x", "entities": "nope"}),
        (V1, {"id_str": "1", "text": "x", "retweet_count": "many"}),
        (V1, {"id": True, "text": "x"}),
        (V1, {"hello": "world"}),
        (V2, {"data": "nope"}),
        (V2, {"data": [1, 2]}),
        (V2, {"data": {"id": "1", "text": "x", "created_at": "not a date"}}),
        (V2, {"data": {"id": "1", "text": "x", "referenced_tweets": "nope"}}),
        (V2, {"data": {"id": ["1"], "text": "x"}}),
        (V2, {"data": {"id": "1", "text": "x"}, "includes": []}),
        (V2, 42),
        (RUMOUREVAL, {"thread_id": "1"}),
        (RUMOUREVAL, {"thread_id": "1", "source": {"id_str": "1", "text": "x"}, "replies": "nope"}),
        (RUMOUREVAL, ["not", "threads"]),
    ],
)
def test_bad_shapes_raise_mapping_errors(source: Source, payload: object) -> None:
    with pytest.raises(MappingError):
        source.map(RawRecord(1, payload, b""))


def test_hostile_bytes_become_bad_records_or_plain_posts() -> None:
    deep: dict[str, object] = {"id_str": "1", "text": "x"}
    for level in range(2, 200):  # retweets nested far deeper than the API ever does
        deep = {"id_str": str(level), "text": "y", "retweeted_status": deep}
    lines = [
        b'{"id_str": "1", "text": "ok \\u0000 nul", "user": {"id_str": "2", "screen_name": "a"}}',
        b'{"id_str": "2", "text": "\xff\xfe invalid utf-8"}',
        b'{"id_str": "3", "text": "cut',
        json.dumps({"id_str": "4", "text": "z" * 2_000_000}).encode(),
        json.dumps(deep).encode(),
    ]
    records: list[RawRecord] = []
    bad: list[BadRecord] = []
    for record in V1.read(io.BytesIO(b"\n".join(lines)), "hostile.jsonl"):
        if isinstance(record, BadRecord):
            bad.append(record)
        else:
            records.append(record)
    assert [b.number for b in bad] == [2, 3]
    mapped = [V1.map(record) for record in records]
    assert mapped[0].posts[0].text == "ok \x00 nul"
    assert len(mapped[1].posts[0].text or "") == 2_000_000
    assert 1 < len(mapped[2].posts) < 10  # nesting is followed a few levels, not without bound


def test_v2_every_field_lands_in_its_own_column() -> None:
    """The hot path builds Post and Account positionally: each value must reach its named field."""
    tweet = {
        "id": "5",
        "text": "hi @bob &amp; #rust https://t.co/x",
        "author_id": "9",
        "created_at": "2024-03-01T00:00:04.990Z",
        "conversation_id": "3",
        "in_reply_to_user_id": "8",
        "lang": "fr",
        "referenced_tweets": [{"type": "replied_to", "id": "4"}, {"type": "quoted", "id": "2"}],
        "public_metrics": {"retweet_count": 1, "reply_count": 2, "like_count": 3, "quote_count": 4},
        "entities": {
            "mentions": [{"username": "bob"}],
            "hashtags": [{"tag": "rust"}],
            "urls": [{"url": "https://t.co/x", "expanded_url": "https://rust.example"}],
        },
    }
    user = {
        "id": "9",
        "username": "ana",
        "name": "Ana A.",
        "description": "bio",
        "created_at": "2021-03-17T01:53:07.000Z",
        "location": "Lyon",
        "verified": True,
        "url": "https://ana.example",
        "public_metrics": {"followers_count": 10, "following_count": 11, "tweet_count": 12},
    }
    mapped = map_v2_page({"data": [tweet], "includes": {"users": [user]}})
    (post,) = mapped.posts
    (account,) = mapped.accounts
    assert [getattr(post, name) for name in Post.__slots__] == [
        "twitter",
        "5",
        "9",
        "ana",
        "hi @bob & #rust https://t.co/x",
        datetime(2024, 3, 1, 0, 0, 4, 990000, tzinfo=UTC),
        "fr",
        "4",
        "8",
        "2",
        None,
        "3",
        ["bob"],
        ["rust"],
        ["https://rust.example"],
        3,
        1,
        2,
        4,
        None,
        "https://twitter.com/ana/status/5",
        None,
        False,
    ]
    assert [getattr(account, name) for name in account.__slots__] == [
        "twitter",
        "9",
        "ana",
        "Ana A.",
        "bio",
        "https://twitter.com/ana",
        ["https://ana.example"],
        10,
        11,
        12,
        datetime(2021, 3, 17, 1, 53, 7, tzinfo=UTC),
        True,
        "Lyon",
        False,
    ]


def test_a_repeated_v2_user_maps_once_and_merging_never_changes_a_mapped_account() -> None:
    from grapevine.sources._twitter_v2 import map_v2_user
    from grapevine.store import Batch

    user = {"id": "42", "username": "ada", "name": "Ada", "public_metrics": {"followers_count": 7}}
    first = map_v2_user(user)
    assert map_v2_user(dict(user)) is first  # an equal object on a later page
    renamed = map_v2_user({**user, "name": "Ada L.", "public_metrics": {}})
    assert renamed is not first and renamed.display_name == "Ada L." and renamed.followers_count is None
    # The batch merges the two sightings into a new Account; the memoized ones stay as mapped.
    batch = Batch("twitter-v2", "f.jsonl", "k")
    batch.add_accounts([first], 1)
    batch.add_accounts([renamed], 2)
    merged = batch.accounts[("twitter", "42")]
    assert (merged.display_name, merged.followers_count) == ("Ada L.", 7)
    assert first.display_name == "Ada" and renamed.followers_count is None
    assert map_v2_user(dict(user)) == first  # mapped again after another version: the same values
