"""MastodonSource on the real Mastodon.py cassettes and on small hand-made JSON Lines fixtures."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from grapevine.models import Mapped
from grapevine.sources._common import html_to_text
from grapevine.sources.base import BadRecord, MappingError, RawRecord
from grapevine.sources.mastodon import MastodonSource, mastodon_html_links, mastodon_html_to_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon"
SOURCE = MastodonSource()


@pytest.fixture(scope="module")
def cassettes(data_dir: Path) -> Path:
    folder = data_dir / "payloads" / "mastodon" / "mastodon_py_cassettes"
    if not folder.is_dir():
        pytest.skip(f"Mastodon cassettes not found in {folder}")
    return folder


def records(path: Path) -> list[RawRecord | BadRecord]:
    with path.open("rb") as stream:
        return list(SOURCE.read(stream, path.name))


def raw_records(path: Path) -> list[RawRecord]:
    """The records of a file that parsed (the unparseable ones are checked separately)."""
    return [r for r in records(path) if isinstance(r, RawRecord)]


def interaction(folder: Path, name: str, number: int) -> Mapped:
    """Map interaction ``number`` (1-based) of a cassette."""
    record = records(folder / name)[number - 1]
    assert isinstance(record, RawRecord) and record.number == number
    return SOURCE.map(record)


def only_post(mapped: Mapped, post_id: str) -> Any:
    matches = [p for p in mapped.posts if p.id == post_id]
    assert len(matches) == 1, [p.id for p in mapped.posts]
    return matches[0]


# --- real cassettes ---------------------------------------------------------------------------


def test_every_cassette_reads_and_maps(cassettes: Path) -> None:
    files = sorted(cassettes.glob("*.json"))
    assert len(files) == 77
    interactions = posts = 0
    for path in files:
        for record in records(path):
            assert isinstance(record, RawRecord), (path.name, record)
            mapped = SOURCE.map(record)  # never raises on real server output
            interactions += 1
            posts += len(mapped.posts)
            for post in mapped.posts:
                assert post.platform == "mastodon" and post.id.isdigit()
                assert post.created_at is not None and post.created_at.tzinfo is not None
                assert post.text is None or "<" not in post.text
            for account in mapped.accounts:
                assert account.id.isdigit() and account.handle
    assert interactions == 436  # PROVENANCE.md: 77 files, 436 interactions
    assert posts > 400


def test_detects_mastodon_cassettes(cassettes: Path) -> None:
    for path in cassettes.glob("*.json"):
        score = SOURCE.detect(path.read_bytes()[:65536], path.name)
        if path.name == "test_nodeinfo.json":
            assert score == 0.0  # only /.well-known/nodeinfo: no Mastodon API call in it
        else:
            assert score >= 0.9, path.name


def test_reply_has_parent_and_parent_author(cassettes: Path) -> None:
    mapped = interaction(cassettes, "test_status_reply.json", 3)
    reply = only_post(mapped, "117020583258292382")
    assert reply.reply_to_id == "117020583245459824"
    assert reply.reply_to_author_id == "117020566092212359"
    assert reply.author_id == "117020565693913441" and reply.author_handle == "admin"
    assert reply.mentions == ["mastodonpy_test_2"]
    assert reply.text == "@mastodonpy_test_2 same!"
    assert reply.links == []  # the mention anchor is not a link
    assert reply.lang == "en" and reply.conversation_id is None
    assert (reply.like_count, reply.repost_count, reply.reply_count, reply.quote_count) == (0, 0, 0, 0)
    assert reply.url == "http://localhost:3000/@admin/117020583258292382"


def test_reblog_is_a_repost_of_the_original(cassettes: Path) -> None:
    mapped = interaction(cassettes, "test_status_reblog_unreblog.json", 2)
    wrapper = only_post(mapped, "117020586027094262")
    original = only_post(mapped, "117020586019094258")
    assert wrapper.repost_of_id == "117020586019094258"
    assert wrapper.text is None and wrapper.lang is None
    assert original.text == "Toot!" and original.repost_of_id is None
    assert [a.id for a in mapped.accounts] == ["117020565966271181"]  # self-boost: one account


def test_quote_points_to_the_quoted_status(cassettes: Path) -> None:
    mapped = interaction(cassettes, "test_status_post_with_quote.json", 2)
    quote = only_post(mapped, "117020582925004921")
    quoted = only_post(mapped, "117020582917124092")
    assert quote.quote_of_id == "117020582917124092"
    assert quote.text == "yoooooooo"  # the "RE: <link>" fallback paragraph is dropped
    assert quote.links == []
    assert quoted.text == "Toot!" and quoted.quote_count == 1


def test_revoked_quote_has_no_target(cassettes: Path) -> None:
    accepted = interaction(cassettes, "test_status_quote_revoke.json", 2)
    revoked = interaction(cassettes, "test_status_quote_revoke.json", 3)
    assert only_post(accepted, "117020583080889590").quote_of_id == "117020583073249915"
    assert only_post(revoked, "117020583080889590").quote_of_id is None


def test_reply_with_quote_has_both(cassettes: Path) -> None:
    post = only_post(interaction(cassettes, "test_status_reply_with_quote.json", 4), "117020583142008690")
    assert post.reply_to_id == "117020583129611179"
    assert post.quote_of_id == "117020583121982310"
    assert post.text == "@mastodonpy_test yoooo check this out"


def test_html_content_becomes_clean_text(cassettes: Path) -> None:
    timeline = interaction(cassettes, "test_home_tl.json", 2)
    assert len(timeline.posts) == 13
    texts = {p.id: p.text for p in timeline.posts}
    assert texts["117020592137523525"] == "you can't say that on television"
    assert texts["117020588169351887"] == "@mastodonpy_test beep beep I'm a jeep"
    card = only_post(interaction(cassettes, "test_status_card.json", 1), "117020609135389699")
    assert card.text == "http://example.org/"  # the invisible "http://" span is part of the text
    assert card.links == ["http://example.org/"]


def test_content_warning_is_prepended(cassettes: Path) -> None:
    mapped = interaction(cassettes, "test_status_post_Content_warning-public_.json", 1)
    assert mapped.posts[0].text == "Content warning\nToot!"


def test_account_fields(cassettes: Path) -> None:
    account = interaction(cassettes, "test_status_post_with_quote.json", 1).accounts[0]
    assert account.id == "117020565966271181" and account.handle == "mastodonpy_test"
    assert account.bio == "I walk funny"
    assert account.links == []  # its fields are "toasty." and "no!!!", no links
    assert account.url == "http://localhost:3000/@mastodonpy_test"
    assert account.display_name == "John Lennon"
    assert account.post_count is not None and account.created_at is not None


def test_edit_keeps_the_id_and_history_is_skipped(cassettes: Path) -> None:
    edited = interaction(cassettes, "test_status_edit.json", 3)
    assert edited.posts[0].id == "117020586180926938"
    assert edited.posts[0].text == "the best editor? why, of course it is the KDE Advanced Text Editor, Kate"
    assert len(interaction(cassettes, "test_status_edit.json", 5)) == 0  # /history has no ids
    assert len(interaction(cassettes, "test_status_edit.json", 6)) == 0  # /source


def test_delete_response_is_a_deleted_post(cassettes: Path) -> None:
    mapped = interaction(cassettes, "test_status_reply.json", 4)
    post = only_post(mapped, "117020583258292382")
    assert post.deleted is True and post.text == "@mastodonpy_test_2 same!"


def test_errors_and_streams_map_to_nothing(cassettes: Path) -> None:
    assert len(interaction(cassettes, "test_status_missing.json", 1)) == 0  # 404
    assert len(interaction(cassettes, "test_lang_for_errors.json", 1)) == 0  # 422
    assert len(interaction(cassettes, "test_stream_user_local.json", 6)) == 0  # text/event-stream
    assert len(interaction(cassettes, "test_instance.json", 1)) == 0  # instance info


def test_followers_cassette_is_an_empty_list(cassettes: Path) -> None:
    # The recorded test account had no followers yet: the page maps, with no edges.
    mapped = interaction(cassettes, "test_account_followers.json", 2)
    assert mapped.edges == [] and mapped.accounts == []


def test_notifications_conversations_and_search(cassettes: Path) -> None:
    note = interaction(cassettes, "test_notifications.json", 2)
    assert [a.handle for a in note.accounts] == ["admin"]
    assert note.posts[0].id == "117020576916218297" and note.posts[0].mentions == ["mastodonpy_test"]
    conversations = interaction(cassettes, "test_conversations.json", 3)
    assert {p.id for p in conversations.posts} == {"117020593780198542", "117020588388552703"}
    grouped = interaction(cassettes, "test_grouped_notifications.json", 4)
    assert [a.handle for a in grouped.accounts] == ["mastodonpy_test_2", "mastodonpy_test"]
    assert [p.text for p in grouped.posts] == ["Testing grouped notifications!"]
    search = interaction(cassettes, "test_search.json", 1)
    assert [a.handle for a in search.accounts] == ["mastodonpy_test", "mastodonpy_test_2"]


def test_fast_html_matches_html_to_text_on_real_markup(cassettes: Path) -> None:
    markup: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            for key in ("content", "note", "value"):
                if isinstance(value.get(key), str):
                    markup.add(value[key])
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for path in cassettes.glob("*.json"):
        collect(orjson.loads(path.read_bytes()))
    assert len(markup) > 50
    for html in markup:
        assert mastodon_html_to_text(html) == html_to_text(html), html


# --- converters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<p>a  b\tc</p><p>  </p><p>d&amp;e &lt;b&gt;</p>",
        "x<br><br>y<br />z",
        "<p>a\n  b</p>",
        '<p>a <a href="u" title="a>b">t</a> end</p>',
        "plain &amp; text  ",
        "<p>1 < 2 and 3 > 2</p>",
        "<p></p>",
        "<div><p>x</p><ul><li>a</li><li>b</li></ul></div>",
        "<!-- comment --><p>x</p><script>alert(1)</script>",
        "<P>Upper</P><BR>x",
        "<p>caf&eacute; &#x1F600;</p>",
    ],
)
def test_fast_html_matches_html_to_text(html: str) -> None:
    assert mastodon_html_to_text(html) == html_to_text(html)


def test_html_links_skip_mentions_and_hashtags() -> None:
    html = (
        '<p><span class="h-card"><a href="https://a.example/@bob" class="u-url mention">@<span>bob</span></a>'
        '</span> <a href="https://a.example/tags/x" class="mention hashtag" rel="tag">#<span>x</span></a> '
        '<a href="https://example.com/?a=1&amp;b=2" rel="nofollow">link</a> '
        "<a href='https://single.example/'>single</a></p>"
    )
    assert mastodon_html_links(html) == ["https://example.com/?a=1&b=2", "https://single.example/"]
    assert mastodon_html_links('<p><a href="https://a.example/@bob" class="u-url mention">@bob</a></p>') == []


# --- hand-made JSON Lines and cassette ----------------------------------------------------------


def test_json_lines_fixture() -> None:
    path = FIXTURES / "statuses.jsonl"
    assert SOURCE.detect(path.read_bytes()[:65536], path.name) >= 0.9
    read = records(path)
    assert [r.number for r in read] == [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14]  # line 6 is blank
    bad = [r for r in read if isinstance(r, BadRecord)]
    assert [r.number for r in bad] == [12] and "invalid JSON" in bad[0].reason

    ok = raw_records(path)
    status = SOURCE.map(ok[0])
    post, author = status.posts[0], status.accounts[0]
    assert (
        post.text
        == "Long read\nHello @bob, see https://example.com/article?a=1&b=2 #fediverse\nSecond paragraph's end."
    )
    assert post.mentions == ["bob@social.example"] and post.hashtags == ["fediverse"]
    assert post.links == ["https://example.com/article?a=1&b=2"]  # content link and card, once
    assert post.lang == "de" and post.quote_count == 0
    assert author.handle == "alice" and author.display_name == "Alice 🌻"
    assert author.bio == "Coffee & code. Writes at https://alice.example.org"
    assert author.links == ["https://alice.example.org/blog"]
    assert (author.followers_count, author.following_count, author.post_count) == (10, 5, 42)

    reply = SOURCE.map(ok[1]).posts[0]
    assert reply.reply_to_id == "5001" and reply.reply_to_author_id == "1001"
    assert reply.quote_count is None  # not reported by this server: unknown, not 0
    reblog = SOURCE.map(ok[2])
    assert only_post(reblog, "5003").repost_of_id == "5001" and {a.id for a in reblog.accounts} == {
        "1001",
        "2002",
    }
    assert only_post(SOURCE.map(ok[3]), "5004").quote_of_id == "5001"
    assert [p.id for p in SOURCE.map(ok[4]).posts] == ["5001", "5002"]  # a timeline page
    assert [p.id for p in SOURCE.map(ok[5]).posts] == ["5001", "5002"]  # a context
    assert [a.id for a in SOURCE.map(ok[6]).accounts] == ["1001"] and not SOURCE.map(ok[6]).posts
    assert [p.id for p in SOURCE.map(ok[7]).posts] == ["5002"]  # a notification
    assert [p.id for p in SOURCE.map(ok[8]).posts] == ["5002"]  # a conversation
    search = SOURCE.map(ok[9])
    assert [a.id for a in search.accounts] == ["1001", "2002"] and [p.id for p in search.posts] == ["5002"]
    for record in ok[10:]:  # lines 13 and 14: an id that is an object, a status without account
        with pytest.raises(MappingError):
            SOURCE.map(record)


def test_follower_and_following_edges() -> None:
    read = raw_records(FIXTURES / "followers_cassette.json")
    followers = SOURCE.map(read[0])
    assert [(e.src, e.dst, e.kind) for e in followers.edges] == [
        ("2002", "1001", "follow"),
        ("3003", "1001", "follow"),
    ]
    assert [a.handle for a in followers.accounts] == ["bob@social.example", "carol@other.example"]
    following = SOURCE.map(read[1])
    assert [(e.src, e.dst) for e in following.edges] == [("1001", "2002")]
    assert [len(SOURCE.map(r)) for r in read[2:4]] == [0, 0]  # 404 and an event stream
    deleted = SOURCE.map(read[4]).posts[0]
    assert deleted.deleted and deleted.text == "@alice Agreed!"
    assert len(SOURCE.map(read[5])) == 0  # not an /api/ call


def test_whole_file_array_yields_one_record_per_status() -> None:
    lines = (FIXTURES / "statuses.jsonl").read_bytes().splitlines()
    document = b"[\n" + b",\n".join(lines[:2]) + b"\n]\n"
    read = list(SOURCE.read(io.BytesIO(document), "page.json"))
    assert [r.number for r in read] == [1, 2]
    assert [SOURCE.map(r).posts[0].id for r in read if isinstance(r, RawRecord)] == ["5001", "5002"]


def test_read_streams_line_by_line() -> None:
    line = (FIXTURES / "statuses.jsonl").read_bytes().splitlines()[0]
    stream = io.BytesIO(b"\n".join([line] * 1000))
    first = next(iter(SOURCE.read(stream, "big.jsonl")))
    assert isinstance(first, RawRecord) and first.number == 1 and first.raw == line
    assert stream.tell() < 3 * len(line)  # the rest of the file is still unread


def test_does_not_claim_other_platforms() -> None:
    twitter = b'{"id_str": "1", "user": {"favourites_count": 3, "statuses_count": 4}, "text": "hi", "favorite_count": 1}'
    reddit = (
        b'{"kind": "Listing", "data": {"children": [{"kind": "t1", "data": {"body": "hi", "author": "x"}}]}}'
    )
    bluesky = b'{"did": "did:plc:abc", "time_us": 1, "kind": "commit", "commit": {"collection": "app.bsky.feed.post"}}'
    for sample in (twitter, reddit, bluesky, b"id,text\n1,hi\n", b"<rss></rss>"):
        assert SOURCE.detect(sample, "x.json") == 0.0


# --- hostile input ----------------------------------------------------------------------------

_HOSTILE_VALUES: list[Any] = [
    None,
    0,
    -1,
    1.5,
    True,
    "",
    "x" * 100_000,
    "\x00",
    [],
    [1, "a"],
    {},
    {"id": None},
]


def _mutations(base: dict[str, Any]) -> list[Any]:
    """Each key dropped, and each key (and each key of the account) set to each hostile value."""
    variants: list[Any] = [None, 1, "text", [], [None], [[[]]], {}, {"content": None}]
    for key in base:
        dropped = dict(base)
        del dropped[key]
        variants.append(dropped)
        for value in _HOSTILE_VALUES:
            variants.append({**base, key: value})
    for key in base["account"]:
        for value in _HOSTILE_VALUES:
            variants.append({**base, "account": {**base["account"], key: value}})
    return variants


def test_map_raises_only_mapping_error_on_hostile_variants() -> None:
    lines = (FIXTURES / "statuses.jsonl").read_bytes().splitlines()
    for base in (orjson.loads(lines[0]), orjson.loads(lines[3])):  # a plain status and a quote
        for variant in _mutations(base):
            try:
                mapped = SOURCE.map(RawRecord(1, variant, b""))
            except MappingError:
                continue
            for post in mapped.posts:
                assert isinstance(post.id, str) and post.id


@pytest.mark.parametrize(
    "markup",
    [
        "<a " * 30_000,
        "<a " * 30_000 + ">",
        "<p " * 30_000 + 'class="quote-inline"',
        '<p class="quote-inline">' * 5_000,
        '<a href="' * 10_000 + ">",
        "<!--" + "<a " * 30_000,
        "<script>" * 10_000,
        "<a b='" * 15_000 + ">",
        '<a href="https://x.example/" class="u-url mention">' * 3_000,
    ],
)
def test_hostile_markup_is_handled_in_linear_time(markup: str) -> None:
    status = {"id": "1", "account": {"id": "2", "acct": "a", "note": markup, "fields": [{"value": markup}]}}
    start = time.perf_counter()
    SOURCE.map(RawRecord(1, {**status, "content": markup + "quote-inline"}, b""))
    assert time.perf_counter() - start < 2.0  # the naive regexes took from 10 s to minutes here


def test_reader_layouts() -> None:
    line = (FIXTURES / "statuses.jsonl").read_bytes().splitlines()[1]
    bom = list(SOURCE.read(io.BytesIO(b"\xef\xbb\xbf" + line + b"\n"), "bom.jsonl"))
    assert [type(r).__name__ for r in bom] == ["RawRecord"]
    broken_first = list(SOURCE.read(io.BytesIO(b'{"id": \n' + line + b"\n" + line + b"\n"), "x.jsonl"))
    assert [(type(r).__name__, r.number) for r in broken_first] == [
        ("BadRecord", 1),
        ("RawRecord", 2),
        ("RawRecord", 3),
    ]
    one_line_cassette = orjson.dumps(
        {"interactions": [{"request": {"uri": "http://h/api/v1/x"}, "status": 500}]}
    )
    assert [r.number for r in SOURCE.read(io.BytesIO(one_line_cassette), "c.json")] == [1]


def test_every_field_lands_in_its_own_column() -> None:
    """The hot path builds Post and Account positionally: each value must reach its named field."""
    status = {
        "id": "11",
        "created_at": "2024-03-01T00:03:14.506Z",
        "in_reply_to_id": "10",
        "in_reply_to_account_id": "20",
        "language": "de",
        "url": "https://social.example/@ana/11",
        "replies_count": 3,
        "reblogs_count": 4,
        "favourites_count": 5,
        "quotes_count": 6,
        "content": '<p>Hallo <a href="https://ana.example/post">link</a></p>',
        "mentions": [{"acct": "bob@other.example"}],
        "tags": [{"name": "rust"}],
        "reblog": None,
        "account": {
            "id": "21",
            "acct": "ana",
            "display_name": "Ana A.",
            "note": "<p>Bio &amp; more</p>",
            "url": "https://social.example/@ana",
            "followers_count": 7,
            "following_count": 8,
            "statuses_count": 9,
            "created_at": "2023-01-02T00:00:00.000Z",
            "fields": [{"name": "Web", "value": '<a href="https://ana.example">ana.example</a>'}],
        },
    }
    mapped = SOURCE.map(RawRecord(1, status, orjson.dumps(status)))
    (post,) = mapped.posts
    (account,) = mapped.accounts
    assert {
        "platform": post.platform,
        "id": post.id,
        "author_id": post.author_id,
        "author_handle": post.author_handle,
        "text": post.text,
        "created_at": post.created_at.isoformat() if post.created_at else None,
        "lang": post.lang,
        "reply_to_id": post.reply_to_id,
        "reply_to_author_id": post.reply_to_author_id,
        "quote_of_id": post.quote_of_id,
        "repost_of_id": post.repost_of_id,
        "conversation_id": post.conversation_id,
        "mentions": post.mentions,
        "hashtags": post.hashtags,
        "links": post.links,
        "like_count": post.like_count,
        "repost_count": post.repost_count,
        "reply_count": post.reply_count,
        "quote_count": post.quote_count,
        "title": post.title,
        "url": post.url,
        "community": post.community,
        "deleted": post.deleted,
    } == {
        "platform": "mastodon",
        "id": "11",
        "author_id": "21",
        "author_handle": "ana",
        "text": "Hallo link",
        "created_at": "2024-03-01T00:03:14.506000+00:00",
        "lang": "de",
        "reply_to_id": "10",
        "reply_to_author_id": "20",
        "quote_of_id": None,
        "repost_of_id": None,
        "conversation_id": None,
        "mentions": ["bob@other.example"],
        "hashtags": ["rust"],
        "links": ["https://ana.example/post"],
        "like_count": 5,
        "repost_count": 4,
        "reply_count": 3,
        "quote_count": 6,
        "title": None,
        "url": "https://social.example/@ana/11",
        "community": None,
        "deleted": False,
    }
    assert (
        account.platform,
        account.id,
        account.handle,
        account.display_name,
        account.bio,
        account.url,
        account.links,
        account.followers_count,
        account.following_count,
        account.post_count,
        account.created_at.isoformat() if account.created_at else None,
        account.verified,
        account.location,
        account.is_blog,
    ) == (
        "mastodon",
        "21",
        "ana",
        "Ana A.",
        "Bio & more",
        "https://social.example/@ana",
        ["https://ana.example"],
        7,
        8,
        9,
        "2023-01-02T00:00:00+00:00",
        None,
        None,
        False,
    )
