"""RedditSource on the PRAW cassettes, the flat comment dump and hand-made payloads."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from grapevine.models import Mapped, Post
from grapevine.sources.base import BadRecord, MappingError, RawRecord
from grapevine.sources.reddit import RedditSource

SOURCE = RedditSource()


def read_all(path: Path) -> list[RawRecord | BadRecord]:
    with path.open("rb") as stream:
        return list(SOURCE.read(stream, path.name))


def map_all(records: list[RawRecord | BadRecord]) -> Mapped:
    mapped = Mapped()
    for record in records:
        assert isinstance(record, RawRecord), record
        mapped.extend(SOURCE.map(record))
    return mapped


def read_bytes(data: bytes) -> list[RawRecord | BadRecord]:
    return list(SOURCE.read(io.BytesIO(data), "sample.json"))


def unique_posts(mapped: Mapped) -> dict[str, Post]:
    posts: dict[str, Post] = {}
    for post in mapped.posts:
        posts.setdefault(post.id, post)
    return posts


@pytest.fixture(scope="module")
def reddit_dir(data_dir: Path) -> Path:
    folder = data_dir / "payloads" / "reddit"
    if not folder.is_dir():
        pytest.skip("Reddit payloads not present")
    return folder


@pytest.fixture(scope="module")
def flat_posts(reddit_dir: Path) -> list[Post]:
    records = read_all(reddit_dir / "praw_comments_flat.jsonl")
    assert all(isinstance(record, RawRecord) for record in records)
    return map_all(records).posts


def cassette(reddit_dir: Path, name: str) -> Mapped:
    return map_all(read_all(reddit_dir / "praw_cassettes" / f"{name}.json"))


# -- the flat comment dump (Pushshift-like NDJSON) ---------------------------------------------


def test_flat_dump_maps_every_comment_once(flat_posts: list[Post]) -> None:
    assert len(flat_posts) == 2406
    assert len({post.id for post in flat_posts}) == 2406
    assert all(post.id.startswith("t1_") and post.platform == "reddit" for post in flat_posts)
    assert all(post.conversation_id and post.conversation_id.startswith("t3_") for post in flat_posts)


def test_flat_dump_first_line_field_by_field(flat_posts: list[Post]) -> None:
    post = flat_posts[0]
    assert post.id == "t1_dkk4qjd"
    assert post.reply_to_id == "t1_dkk4qin"
    assert post.conversation_id == "t3_6otocc"
    assert post.author_id == post.author_handle == "<USERNAME>"
    assert post.text == "32"
    assert post.created_at == datetime(2017, 7, 22, 6, 57, 48, tzinfo=UTC)
    assert post.like_count == 1
    assert post.reply_count is None  # comments do not report it
    assert post.community == "<TEST_SUBREDDIT>"
    assert post.url == "https://www.reddit.com/comments/6otocc/_/dkk4qjd/"
    assert post.deleted is False


def test_flat_dump_threads_connect(flat_posts: list[Post]) -> None:
    ids = {post.id for post in flat_posts}
    connected = [p for p in flat_posts if p.reply_to_id in ids or p.reply_to_id == p.conversation_id]
    assert len(connected) == 2342  # the other 64 hang under unexpanded "more" stubs
    top_level = [p for p in flat_posts if p.reply_to_id == p.conversation_id]
    assert len(top_level) == 851
    threads = Counter(post.conversation_id for post in flat_posts)
    assert len(threads) == 156
    assert threads.most_common(3) == [("t3_n49rw", 1428), ("t3_3hahrw", 541), ("t3_6wmniq", 201)]


def test_flat_dump_deleted_and_removed(flat_posts: list[Post]) -> None:
    deleted = [post for post in flat_posts if post.deleted]
    assert len(deleted) == 32
    assert all(post.text is None for post in deleted)
    assert sum(post.author_id is None for post in flat_posts) == 189
    gone = next(post for post in flat_posts if post.id == "t1_d7ltvl0")
    assert (gone.author_id, gone.text, gone.reply_to_id) == (None, None, "t3_52o2fl")


# -- API responses recorded in cassettes ---------------------------------------------------------


def test_parent_chain_cassette_links_up_to_the_submission(reddit_dir: Path) -> None:
    posts = unique_posts(cassette(reddit_dir, "TestComment.test_parent__chain"))
    chain = []
    current: str | None = "t1_dkk4qjd"
    while current in posts:
        chain.append(current)
        current = posts[current].reply_to_id
    assert len(chain) == 33
    assert chain[-1] == "t3_6otocc"
    assert current is None  # the submission replies to nothing
    submission = posts["t3_6otocc"]
    assert submission.title == submission.text == "Comment Chain"
    assert submission.reply_count == 32
    assert submission.url == "https://www.reddit.com/r/<TEST_SUBREDDIT>/comments/6otocc/comment_chain/"


def test_large_comment_forest_nested_replies_and_more_stubs(reddit_dir: Path) -> None:
    records = read_all(reddit_dir / "praw_cassettes" / "TestCommentForest.test_replace__all_large.json")
    assert len(records) == 236
    first = records[0]
    assert isinstance(first, RawRecord)
    assert b'"kind":"more"' in first.raw  # the tree ends in "load more" stubs
    first_page = SOURCE.map(first)
    kinds = Counter(post.id[:3] for post in first_page.posts)
    assert kinds == {"t1_": 485, "t3_": 1}

    posts = unique_posts(map_all(records))
    comments = [post for post in posts.values() if post.id.startswith("t1_")]
    assert len(comments) == 1428
    assert {post.conversation_id for post in comments} == {"t3_n49rw"}
    assert all(post.reply_to_id in posts for post in comments)
    assert sum(post.deleted for post in comments) == 25

    def depth(post: Post) -> int:
        level = 0
        while post.reply_to_id and post.reply_to_id.startswith("t1_"):
            post, level = posts[post.reply_to_id], level + 1
        return level

    assert max(depth(post) for post in comments) == 10


def test_reply_to_author_comes_from_the_parent_in_the_same_response(reddit_dir: Path) -> None:
    page = SOURCE.map(read_all(reddit_dir / "praw_cassettes" / "TestCommentForest.test_replace__all.json")[0])
    posts = unique_posts(page)
    submission = posts["t3_3hahrw"]
    assert submission.author_id == "your_local_librarian"
    for post in posts.values():
        if post.reply_to_id in posts:
            assert post.reply_to_author_id == posts[post.reply_to_id].author_id


def test_link_submission(reddit_dir: Path) -> None:
    posts = unique_posts(cassette(reddit_dir, "TestCommentForest.test_replace__all"))
    post = posts["t3_3hahrw"]
    assert post.title == post.text == "Ba Dum Tsss"
    assert post.links == ["http://i.imgur.com/eoF76hj.gifv"]
    assert post.url == "https://www.reddit.com/r/funny/comments/3hahrw/ba_dum_tsss/"
    assert post.community == "funny"
    assert post.reply_count == 543
    assert post.created_at == datetime.fromtimestamp(1439797480, tz=UTC)


def test_self_submission_text_mentions_and_accounts(reddit_dir: Path) -> None:
    mapped = cassette(reddit_dir, "TestSubredditListings.test_hot")
    assert len(mapped.posts) == 102
    post = mapped.posts[0]
    assert post.id == "t3_46c00m"
    assert post.title == "THE ASKREDDIT MOBILE DESIGN EXTRAVAGANZA CONTEST!"
    assert post.text is not None
    assert post.text.startswith(post.title + "\n\nHi everybody! (Hi Doctor Nick!)")
    assert post.links == []  # a self post's url is its own permalink
    assert post.mentions == ["drunken_economist"]
    assert (post.like_count, post.reply_count, post.community) == (1382, 433, "AskReddit")
    author = next(account for account in mapped.accounts if account.id == "orangejulius")
    assert author.handle == "orangejulius"
    assert author.followers_count is None


def test_deleted_comment_cassette(reddit_dir: Path) -> None:
    posts = unique_posts(cassette(reddit_dir, "TestComment.test_refresh__deleted_comment"))
    comment = posts["t1_d7ltvl0"]
    assert comment.deleted is True
    assert comment.text is None and comment.author_id is None
    assert comment.reply_to_id == comment.conversation_id == "t3_52o2fl"


def test_every_cassette_reads_and_maps(reddit_dir: Path) -> None:
    counts = {}
    for path in sorted((reddit_dir / "praw_cassettes").glob("*.json")):
        records = read_all(path)
        assert not [record for record in records if isinstance(record, BadRecord)]
        counts[path.stem] = len(unique_posts(map_all(records)))
    assert counts["TestComment.test_invalid"] == 0
    assert counts["TestListingGenerator.test_no_items"] == 0
    assert counts["TestRedditor.test_stream__comments"] == 101
    assert counts["TestSubredditListings.test_new"] == 100


def test_cassette_skips_failed_interactions() -> None:
    recorded = {
        "interactions": [
            {"request": {"method": "GET", "uri": "https://oauth.reddit.com/comments/x/"}, "status": 404},
            {
                "request": {"method": "GET", "uri": "https://oauth.reddit.com/api/info/?id=t1_a"},
                "status": {"code": 200, "message": "OK"},
                "body": {"kind": "t1", "data": {"id": "a", "link_id": "t3_b", "parent_id": "t3_b"}},
            },
        ]
    }
    data = orjson.dumps(recorded)
    assert SOURCE.detect(data, "c.json") >= 0.9
    records = read_bytes(data)
    assert [record.number for record in records] == [2]
    assert [post.id for post in map_all(records).posts] == ["t1_a"]


# -- hand-made payloads ------------------------------------------------------------------------


def test_pushshift_submission_and_bare_ids() -> None:
    lines = [
        {
            "id": "abc",
            "title": "Brand X broke again",
            "selftext": "See https://example.com/status and ask u/helpdesk",
            "url": "https://www.reddit.com/r/tech/comments/abc/brand_x/",
            "permalink": "/r/tech/comments/abc/brand_x/",
            "is_self": True,
            "author": "alice",
            "created_utc": "1600000000",
            "score": 10,
            "num_comments": 2,
            "subreddit": "tech",
        },
        {
            "id": "c1",
            "parent_id": "abc",
            "link_id": "abc",
            "author": "bob",
            "body": "[removed]",
            "created_utc": 1600000100,
            "score": 3,
            "subreddit": "tech",
        },
        {"id": "c2", "parent_id": "t1_c1", "link_id": "t3_abc", "author": None, "body": "me too"},
    ]
    data = b"\n".join(orjson.dumps(line) for line in lines) + b"\n"
    assert SOURCE.detect(data, "RS_2020.ndjson") >= 0.9
    records = read_bytes(data)
    assert [record.number for record in records] == [1, 2, 3]
    submission, removed, reply = map_all(records).posts
    assert submission.id == submission.conversation_id == "t3_abc"
    assert submission.text == "Brand X broke again\n\nSee https://example.com/status and ask u/helpdesk"
    assert submission.links == ["https://example.com/status"]
    assert submission.mentions == ["helpdesk"]
    assert submission.created_at == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)
    assert (removed.id, removed.reply_to_id, removed.conversation_id) == ("t1_c1", "t3_abc", "t3_abc")
    assert removed.deleted and removed.text is None and removed.author_id == "bob"
    assert (reply.reply_to_id, reply.author_id, reply.like_count) == ("t1_c1", None, None)


def test_markdown_links_and_mentions() -> None:
    body = "Ask /u/Some_User or u/x-y_z. [docs](https://example.com/a_b) and [https://b.org](https://b.org)"
    post = SOURCE.map(
        RawRecord(1, {"id": "q", "link_id": "t3_p", "parent_id": "t3_p", "body": body}, b"")
    ).posts[0]
    assert post.mentions == ["Some_User", "x-y_z"]
    assert post.links == ["https://example.com/a_b", "https://b.org"]


def test_hidden_score_is_unknown_and_redditor_is_an_account() -> None:
    comment = {"kind": "t1", "data": {"id": "h", "link_id": "t3_p", "score": 1, "score_hidden": True}}
    assert SOURCE.map(RawRecord(1, comment, b"")).posts[0].like_count is None
    about = {
        "kind": "t2",
        "data": {
            "name": "spez",
            "id": "1w72",
            "link_karma": 100,
            "comment_karma": 200,
            "created_utc": 1118030400.0,
            "subreddit": {"public_description": "CEO", "title": "spez"},
        },
    }
    mapped = SOURCE.map(RawRecord(1, about, b""))
    assert mapped.posts == []
    (account,) = mapped.accounts
    assert (account.id, account.handle, account.bio, account.followers_count) == ("spez", "spez", "CEO", None)
    assert account.created_at == datetime(2005, 6, 6, 4, 0, tzinfo=UTC)


def test_more_stubs_and_unknown_things_map_to_nothing() -> None:
    listing = {
        "kind": "Listing",
        "data": {
            "children": [
                {"kind": "more", "data": {"count": 3, "children": ["a", "b"], "parent_id": "t3_x"}},
                {"kind": "t5", "data": {"display_name": "tech"}},
            ]
        },
    }
    assert len(SOURCE.map(RawRecord(1, listing, b""))) == 0


@pytest.mark.parametrize(
    "payload",
    [
        5,
        "text",
        {"foo": 1},
        {"kind": "t1", "data": "oops"},
        {"kind": "t1", "data": {"id": 5}},
        {"kind": "t3", "data": {"id": "x", "title": ["a"]}},
        {"kind": "t1", "data": {"id": "x", "score": "lots"}},
        {"kind": "t1", "data": {"id": "x", "created_utc": "yesterday"}},
        {"kind": "t1", "data": {"id": "x", "author": {"name": "a"}}},
        {"id": "x", "body": "hi", "parent_id": 7},
    ],
)
def test_bad_shapes_raise_mapping_error(payload: object) -> None:
    with pytest.raises(MappingError):
        SOURCE.map(RawRecord(1, payload, b""))


def test_hostile_input_does_not_crash() -> None:
    deep: object = {"kind": "t1", "data": {"id": "leaf", "body": "\x00" + "x" * 100_000}}
    for level in range(3000):  # far deeper than Python's recursion limit
        deep = {
            "kind": "t1",
            "data": {"id": f"c{level}", "replies": {"kind": "Listing", "data": {"children": [deep]}}},
        }
    assert len(SOURCE.map(RawRecord(1, deep, b"")).posts) == 3001

    records = read_bytes(b'{"id": "a", "body": "ok", "subreddit": "s"}\n{"id": "b", "bo\n\xff\xfe\n')
    assert [type(record).__name__ for record in records] == ["RawRecord", "BadRecord", "BadRecord"]
    truncated = read_bytes(b'[{"kind": "Listing", "data": {"children": [')
    assert len(truncated) == 1 and isinstance(truncated[0], BadRecord)
    assert read_bytes(b"") == read_bytes(b" \n\n") == []


def test_detection_claims_reddit_files_only(data_dir: Path, reddit_dir: Path) -> None:
    for path in sorted(reddit_dir.rglob("*.json*")):
        assert SOURCE.detect(path.read_bytes()[:65536], path.name) >= 0.9, path
    others = [
        path
        for path in sorted((data_dir / "payloads").rglob("*"))
        if path.is_file() and "reddit" not in path.parts and path.suffix != ".md"
    ]
    assert len(others) > 100
    claimed = [path for path in others if SOURCE.detect(path.read_bytes()[:65536], path.name) > 0.3]
    assert claimed == []
