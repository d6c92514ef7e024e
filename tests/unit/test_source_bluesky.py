"""BlueskySource on the real bskyr XRPC cassettes, the atproto interop fixtures and hand-made Jetstream lines."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from grapevine.models import Mapped
from grapevine.sources.base import BadRecord, MappingError, RawRecord
from grapevine.sources.bluesky import (
    BlueskySource,
    is_valid_at_uri,
    is_valid_datetime,
    is_valid_did,
    is_valid_handle,
    is_valid_nsid,
    is_valid_record_key,
    parse_at_datetime,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bluesky"
SOURCE = BlueskySource()
KENNY = "did:plc:wpe35pganb6d4pg4ekmfy6u5"  # chriskenny.bsky.social, the account most cassettes ask about


@pytest.fixture(scope="module")
def bluesky_dir(data_dir: Path) -> Path:
    folder = data_dir / "payloads" / "bluesky"
    if not folder.is_dir():
        pytest.skip(f"Bluesky payloads not found in {folder}")
    return folder


@pytest.fixture(scope="module")
def cassettes(bluesky_dir: Path) -> Path:
    return bluesky_dir / "bskyr_recorded_api"


def records(path: Path) -> list[RawRecord | BadRecord]:
    with path.open("rb") as stream:
        return list(SOURCE.read(stream, path.name))


def cassette(folder: Path, name: str) -> Mapped:
    """Map the one interaction each bskyr cassette holds."""
    (record,) = records(folder / name)
    assert isinstance(record, RawRecord)
    return SOURCE.map(record)


def post(mapped: Mapped, uri: str) -> Any:
    matches = [p for p in mapped.posts if p.id == uri]
    assert len(matches) == 1, [p.id for p in mapped.posts]
    return matches[0]


def record_map(payload: Any) -> Mapped:
    return SOURCE.map(RawRecord(1, payload, b""))


# --- identifier syntax against the official interop fixtures --------------------------------------


def _examples(folder: Path, name: str) -> list[str]:
    text = (folder / "atproto-interop-tests" / "syntax" / name).read_text(encoding="utf-8")
    # Whitespace is meaningful in these files (" at://..." is an invalid example): no stripping.
    return [line for line in text.split("\n") if line and not line.startswith("#")]


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("did", is_valid_did),
        ("aturi", is_valid_at_uri),
        ("datetime", is_valid_datetime),
        ("handle", is_valid_handle),
        ("nsid", is_valid_nsid),
        ("recordkey", is_valid_record_key),
    ],
)
def test_syntax_matches_interop_fixtures(bluesky_dir: Path, kind: str, check: Any) -> None:
    valid = _examples(bluesky_dir, f"{kind}_syntax_valid.txt")
    invalid = _examples(bluesky_dir, f"{kind}_syntax_invalid.txt")
    assert len(valid) > 10 and len(invalid) > 10
    assert [v for v in valid if not check(v)] == []
    assert [v for v in invalid if check(v)] == []


def test_datetimes_parse_or_raise(bluesky_dir: Path) -> None:
    for value in _examples(bluesky_dir, "datetime_syntax_valid.txt"):
        parsed = parse_at_datetime(value)
        # Year 0000 is valid atproto but out of Python's range: unknown rather than an error.
        assert parsed is None if value.startswith("0000") else parsed.tzinfo is UTC  # type: ignore[union-attr]
    semantic = _examples(bluesky_dir, "datetime_parse_invalid.txt")
    for value in semantic + _examples(bluesky_dir, "datetime_syntax_invalid.txt"):
        with pytest.raises(MappingError):
            parse_at_datetime(value)
    assert parse_at_datetime("1985-04-12T23:20:50.123-07:00") == datetime(1985, 4, 13, 6, 20, 50, 123000, UTC)


def test_invalid_lexicon_records_as_posts_do_not_crash(bluesky_dir: Path) -> None:
    lexicon = bluesky_dir / "atproto-interop-tests" / "lexicon"
    entries = orjson.loads((lexicon / "record-data-invalid.json").read_bytes())
    models = orjson.loads(
        (bluesky_dir / "atproto-interop-tests" / "data-model" / "data-model-invalid.json").read_bytes()
    )
    values = [leaf for entry in entries for leaf in entry["data"].values()] + [m["json"] for m in models]
    assert len(entries) == 50
    uri = "at://did:plc:asdf123/app.bsky.feed.post/3ltest2aaaa2a"
    base = {"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2025-01-01T00:00:00Z"}
    variants = [{**entry["data"], "$type": "app.bsky.feed.post"} for entry in entries]
    fields = ("text", "createdAt", "langs", "facets", "embed", "reply")
    variants += [{**base, field: value} for field in fields for value in values]
    mapped = 0
    for value in variants:
        try:
            record_map({"uri": uri, "cid": "bafyrei", "value": value})
            mapped += 1
        except MappingError:
            pass
    assert 0 < mapped < len(variants)


# --- real cassettes ---------------------------------------------------------------------------


def test_every_cassette_reads_and_maps(cassettes: Path) -> None:
    files = sorted(cassettes.glob("*.json"))
    assert len(files) == 28
    posts = 0
    for path in files:
        assert SOURCE.detect(path.read_bytes()[:65536], path.name) >= 0.9, path.name
        for record in records(path):
            assert isinstance(record, RawRecord)
            mapped = SOURCE.map(record)
            posts += len(mapped.posts)
            for item in mapped.posts:
                assert (
                    item.id.startswith("at://did:") and item.author_id and item.author_id.startswith("did:")
                )
                assert item.created_at is not None and item.created_at.tzinfo is UTC
            for account in mapped.accounts:
                assert is_valid_did(account.id)
    assert posts > 250


def test_author_feed_replies_carry_root_and_parent(cassettes: Path) -> None:
    feed = cassette(cassettes, "f_autfeed.json")
    reply = post(feed, f"at://{KENNY}/app.bsky.feed.post/3lof7sovfok2h")
    parent = "at://did:plc:z4cp3uwgxiioi7uaxn2boq47/app.bsky.feed.post/3lobj4swhjo2x"
    assert reply.reply_to_id == parent and reply.conversation_id == parent
    assert reply.reply_to_author_id == "did:plc:z4cp3uwgxiioi7uaxn2boq47"
    assert reply.author_handle == "chriskenny.bsky.social" and reply.lang == "en"
    assert (reply.like_count, reply.repost_count, reply.reply_count, reply.quote_count) == (0, 0, 1, 0)
    assert reply.url == "https://bsky.app/profile/chriskenny.bsky.social/post/3lof7sovfok2h"
    assert reply.created_at == datetime(2025, 5, 5, 1, 30, 17, 912000, UTC)
    root = post(feed, parent)  # the item's reply context is mapped too
    assert (
        root.author_handle == "smachlis.bsky.social" and root.hashtags == ["RStats"] and root.like_count == 7
    )


def test_repost_in_author_feed(cassettes: Path) -> None:
    feed = cassette(cassettes, "f_autfeed.json")
    original = "at://did:plc:n65dhyosfrm6t7jhzum76exq/app.bsky.feed.post/3lnneysi3ps2c"
    repost = post(feed, f"{original}#repost-by-{KENNY}")
    assert repost.repost_of_id == original and repost.author_id == KENNY
    assert repost.author_handle == "chriskenny.bsky.social" and repost.text is None
    assert repost.created_at == datetime(2025, 4, 25, 18, 43, 12, 48000, UTC)
    assert post(feed, original).author_handle == "mickael.canouil.fr"
    assert sum(p.repost_of_id is not None for p in feed.posts) == 7


def test_mentions_use_utf8_byte_offsets(cassettes: Path) -> None:
    feed = cassette(cassettes, "f_autfeed.json")
    # "So here’s my @typst.app + @quarto.org": the curly quote is 3 bytes, 1 character.
    dissertation = post(feed, f"at://{KENNY}/app.bsky.feed.post/3lo7irc7njk2p")
    assert dissertation.mentions == ["typst.app", "quarto.org"]
    quotes = cassette(cassettes, "f_getquotes.json")
    emoji = post(quotes, "at://did:plc:5c2r73erhng4bszmxlfdtscf/app.bsky.feed.post/3lc5c5qv72r2w")
    assert "🔥" in emoji.text and emoji.mentions == ["bskyr.bsky.social"]
    assert emoji.links == ["https://christophertkenny.com/bskyr/"]
    first = post(quotes, "at://did:plc:3ixxligsafp4u6ghljcoetnm/app.bsky.feed.post/3lc6isqcp6u2y")
    assert first.quote_of_id == emoji.id
    assert first.mentions == ["bskyr.bsky.social", "chriskenny.bsky.social"] and first.hashtags == ["rstats"]


def test_post_thread(cassettes: Path) -> None:
    thread = cassette(cassettes, "f_postthread.json")
    (only,) = thread.posts
    assert only.id == "at://did:plc:ic6zqvuw5ulmfpjiwnhsr2ns/app.bsky.feed.post/3k7qmjev5lr2s"
    assert only.reply_to_id is None and only.conversation_id is None
    assert only.links == ["http://localview.net", "https://rstats.ai/gov.html"]
    assert only.like_count == 4 and only.author_handle == "soubhikbarari.bsky.social"


def test_list_records_and_get_record(cassettes: Path) -> None:
    listed = cassette(cassettes, "r_listrcd.json")
    assert len(listed.posts) == 50 and listed.accounts == []
    first, second = listed.posts[0], listed.posts[1]
    assert first.author_id == KENNY and first.author_handle is None  # a record has no handle
    assert first.reply_to_id == "at://did:plc:z4cp3uwgxiioi7uaxn2boq47/app.bsky.feed.post/3lobj4swhjo2x"
    assert first.like_count is None  # raw records carry no counts: unknown, not 0
    assert first.url == f"https://bsky.app/profile/{KENNY}/post/3lof7sovfok2h"
    assert (
        second.quote_of_id == "at://did:plc:qnzaaisqa3lafzmtjxt5nt52/app.bsky.feed.post/3loacnvvpgn22"
    )  # recordWithMedia
    assert second.links == ["https://christophertkenny.com/bskyr/news/index.html"]
    assert second.hashtags == ["rstats"]
    (got,) = cassette(cassettes, "r_getRecord.json").posts
    assert got.id == "at://did:plc:ic6zqvuw5ulmfpjiwnhsr2ns/app.bsky.feed.post/3k7qmjev5lr2s"


def test_follower_and_follow_edges(cassettes: Path) -> None:
    followers = cassette(cassettes, "g_followers.json")
    assert len(followers.edges) == 48 and {e.dst for e in followers.edges} == {KENNY}
    assert (
        followers.edges[0].src == "did:plc:bv65fgjvl2xbzcpwbomsqahm" and followers.edges[0].kind == "follow"
    )
    subject = next(a for a in followers.accounts if a.id == KENNY)
    assert subject.handle == "chriskenny.bsky.social" and subject.links == ["https://christophertkenny.com/"]
    follows = cassette(cassettes, "g_follows.json")
    assert len(follows.edges) == 48 and {e.src for e in follows.edges} == {KENNY}
    assert follows.edges[0].dst == "did:plc:kcuy3xb6uc6sapzsdotflgpp"


def test_profiles_and_actor_lists(cassettes: Path) -> None:
    (profile,) = cassette(cassettes, "a_profile.json").accounts
    assert (profile.followers_count, profile.following_count, profile.post_count) == (554, 296, 65)
    assert (
        profile.display_name == "Chris Kenny"
        and profile.url == "https://bsky.app/profile/chriskenny.bsky.social"
    )
    assert len(cassette(cassettes, "a_search.json").accounts) == 10
    likes = cassette(cassettes, "f_postlikes.json")
    assert len(likes.accounts) == 4 and likes.posts == [] and likes.edges == []
    assert [a.handle for a in cassette(cassettes, "f_reposts.json").accounts] == ["jaeyeonkim.bsky.social"]
    assert len(cassette(cassettes, "f_sugg.json")) == 0  # feed generators: nothing to keep


def test_notifications(cassettes: Path) -> None:
    notes = cassette(cassettes, "n_notifications.json")
    assert len(notes.edges) == 17 and {e.dst for e in notes.edges} == {"did:plc:5c2r73erhng4bszmxlfdtscf"}
    reposts = [p for p in notes.posts if p.repost_of_id]
    assert len(reposts) == 2 and all("/app.bsky.feed.repost/" in p.id for p in reposts)
    assert len(notes.posts) == 20  # 11 mentions + 7 quotes + 2 reposts; likes map to nothing


# --- hand-made fixtures -----------------------------------------------------------------------


def test_jetstream_lines() -> None:
    path = FIXTURES / "jetstream.jsonl"
    assert SOURCE.detect(path.read_bytes()[:65536], path.name) >= 0.9
    read = records(path)
    assert isinstance(read[-1], BadRecord) and read[-1].number == 12  # a truncated last line
    ok = [r for r in read if isinstance(r, RawRecord)]
    mapped = [SOURCE.map(r) for r in ok[:8]]

    (created,) = mapped[0].posts
    bob, alice = "did:plc:bob4yt2qsnwnzx3ce7iwo4hq", "did:plc:alice2lbxvmspu3uqvjfgvtq"
    assert created.id == f"at://{bob}/app.bsky.feed.post/3lpost1aaaa2a" and created.author_id == bob
    # "Grüße" puts the mention at bytes 11-29 but characters 9-27: only byte slicing finds it.
    assert created.mentions == ["alice.bsky.social"] and created.hashtags == ["café"]
    assert created.links == ["https://example.com/a"] and created.lang == "de"
    assert created.conversation_id == f"at://{alice}/app.bsky.feed.post/3lroot2aaaa2a"
    assert created.reply_to_id == "at://did:web:carol.example.com/app.bsky.feed.post/3lparent2aa2a"
    assert created.reply_to_author_id == "did:web:carol.example.com"
    assert created.quote_of_id == f"at://{alice}/app.bsky.feed.post/3lquoted2aa2a"
    assert created.created_at == datetime(2025, 5, 1, 12, 0, 0, 123000, UTC)
    assert created.url == f"https://bsky.app/profile/{bob}/post/3lpost1aaaa2a"
    assert mapped[1].posts[0].links == ["https://news.example.org/story"]  # external embed
    (repost,) = mapped[2].posts
    assert (
        repost.id == f"at://{alice}/app.bsky.feed.repost/3lrepost1aa2a" and repost.repost_of_id == created.id
    )
    (follow,) = mapped[3].edges
    assert (follow.src, follow.dst, follow.kind) == (alice, bob, "follow")
    assert [len(m) for m in mapped[4:8]] == [0, 0, 0, 0]  # like, delete, identity, account
    for record in ok[8:10]:
        with pytest.raises(MappingError):
            SOURCE.map(record)  # a bad createdAt, a bad DID


def test_post_thread_fixture_walks_parents_and_replies() -> None:
    (record,) = records(FIXTURES / "post_thread.json")  # pretty-printed: one whole document
    assert isinstance(record, RawRecord)
    thread = SOURCE.map(record)
    root = "at://did:plc:alice2lbxvmspu3uqvjfgvtq/app.bsky.feed.post/3lthreadroot2"
    middle = "at://did:plc:bob4yt2qsnwnzx3ce7iwo4hq/app.bsky.feed.post/3lthreadmid22"
    focus = "at://did:web:carol.example.com/app.bsky.feed.post/3lthreadfocus"
    replies = {p.id: p.reply_to_id for p in thread.posts}
    assert replies == {
        root: None,
        middle: root,
        focus: middle,
        "at://did:plc:alice2lbxvmspu3uqvjfgvtq/app.bsky.feed.post/3lthreadreply": focus,
    }
    assert {p.conversation_id for p in thread.posts if p.id != root} == {root}
    assert post(thread, root).like_count == 7 and len(thread.accounts) == 3


def test_bare_post_record_cannot_be_identified() -> None:
    with pytest.raises(MappingError, match="URI"):
        record_map({"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2025-01-01T00:00:00Z"})


def test_malformed_identifiers_are_mapping_errors() -> None:
    good = {"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2025-01-01T00:00:00Z"}
    for uri in (
        "at://did:plc:x/app.bsky.feed.post/",
        "https://bsky.app/x",
        "at://did:plc:x/app.bsky.feed.like/3l",
    ):
        with pytest.raises(MappingError):
            record_map({"uri": uri, "value": good})  # no rkey, not at://, not a post collection
    reply = {"root": {"uri": "at://bad uri"}, "parent": {"uri": "at://did:plc:x/app.bsky.feed.post/1"}}
    with pytest.raises(MappingError, match="reply root"):
        record_map({"uri": "at://did:plc:x/app.bsky.feed.post/3l", "value": {**good, "reply": reply}})


def test_does_not_claim_other_platforms() -> None:
    twitter = b'{"data": [{"id": "1", "author_id": "2", "text": "hi"}], "includes": {"users": []}}'
    reddit = b'{"kind": "t1", "data": {"id": "x", "body": "at the app store", "author": "y"}}'
    mastodon = (
        b'{"id": "1", "account": {"acct": "a", "note": "did:plc:x"}, "content": "app.bsky.", "reblog": null}'
    )
    for sample in (twitter, reddit, mastodon, b"id,text\n1,hi\n"):
        assert SOURCE.detect(sample, "x.json") == 0.0


def test_read_handles_whole_arrays_and_blank_input() -> None:
    lines = (FIXTURES / "jetstream.jsonl").read_bytes().splitlines()[:2]
    document = b"[\n" + b",\n".join(lines) + b"\n]"
    assert [r.number for r in SOURCE.read(io.BytesIO(document), "a.json")] == [1, 2]
    assert list(SOURCE.read(io.BytesIO(b"\n\n"), "empty.jsonl")) == []
    (bad,) = SOURCE.read(io.BytesIO(b'{\n  "feed": [\n'), "cut.json")
    assert isinstance(bad, BadRecord) and "invalid JSON" in bad.reason


# --- hostile input ----------------------------------------------------------------------------

_HOSTILE_VALUES: list[Any] = [
    None,
    0,
    -7,
    2.5,
    True,
    "",
    "at://",
    "did:x",
    "\x00" * 3,
    "x" * 50_000,
    [],
    [{}],
    {},
]


def _mutations(base: dict[str, Any], path: tuple[str, ...] = ()) -> list[Any]:
    """The base with each key dropped or set to each hostile value, at every object level."""
    variants: list[Any] = []
    node: Any = base
    for key in path:
        node = node[key]

    def with_node(value: Any) -> Any:
        copy = orjson.loads(orjson.dumps(base))
        if not path:
            return value
        target = copy
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return copy

    for key, child in node.items():
        dropped = dict(node)
        del dropped[key]
        variants.append(with_node(dropped))
        for value in _HOSTILE_VALUES:
            variants.append(with_node({**node, key: value}))
        if isinstance(child, dict) and len(path) < 4:
            variants += _mutations(base, (*path, key))
    return variants


def test_map_raises_only_mapping_error_on_hostile_variants(cassettes: Path) -> None:
    feed = orjson.loads((cassettes / "f_autfeed.json").read_bytes())["interactions"][0]["body"]["feed"]
    listed = orjson.loads((cassettes / "r_listrcd.json").read_bytes())["interactions"][0]["body"]["records"]
    jetstream = orjson.loads((FIXTURES / "jetstream.jsonl").read_bytes().splitlines()[0])
    bases = [feed[0], feed[6], listed[1], jetstream, {"feed": [feed[0]]}]
    checked = 0
    for base in bases:
        for variant in [None, 3, "x", [], [[]], *_mutations(base)]:
            checked += 1
            try:
                mapped = record_map(variant)
            except MappingError:
                continue
            assert all(isinstance(p.id, str) and p.id for p in mapped.posts)
    assert checked > 1000


def test_hostile_sizes_are_handled_quickly() -> None:
    did = "did:plc:bob4yt2qsnwnzx3ce7iwo4hq"
    uri = f"at://{did}/app.bsky.feed.post/3lpost1aaaa2a"
    facets = [
        {
            "index": {"byteStart": i * 15, "byteEnd": i * 15 + 14},
            "features": [
                {"$type": "app.bsky.richtext.facet#mention", "did": f"did:plc:x{i}"},
                {"$type": "app.bsky.richtext.facet#tag", "tag": f"t{i % 7}"},
            ],
        }
        for i in range(20_000)
    ]
    payloads: list[Any] = [
        {
            "uri": uri,
            "value": {
                "text": "@a.bsky.social " * 20_000,
                "createdAt": "2025-01-01T00:00:00Z",
                "facets": facets,
            },
        },
        {"uri": "at://did:plc:" + "a" * 1_000_000 + "/app.bsky.feed.post/3l", "value": {"text": "x"}},
        {"uri": uri, "value": {"text": "x", "createdAt": "2025-01-01T00:00:00." + "1" * 1_000_000 + "Z"}},
        {"did": did, "handle": "b.bsky.social", "description": "http://" * 300_000},
    ]
    start = time.perf_counter()
    outcomes = []
    for payload in payloads:
        try:
            outcomes.append(len(record_map(payload)))
        except MappingError:
            outcomes.append(-1)
    assert time.perf_counter() - start < 2.0
    assert outcomes == [1, -1, -1, 1]
    first = record_map(payloads[0]).posts[0]
    assert len(first.mentions) == 1 and first.mentions == ["a.bsky.social"] and len(first.hashtags) == 7
