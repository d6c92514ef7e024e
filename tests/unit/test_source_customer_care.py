"""The customer-care source: IBM's Twitter support conversations as threaded posts."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from grapevine.models import Mapped
from grapevine.sources._tweetids import snowflake_time
from grapevine.sources.base import BadRecord, MappingError, RawRecord
from grapevine.sources.customer_care import CustomerCareSource

SOURCE = CustomerCareSource()


@pytest.fixture(scope="module")
def dev(data_dir: Path) -> tuple[list[RawRecord | BadRecord], list[Mapped]]:
    with open(data_dir / "twitter_cdp" / "dev.json", "rb") as stream:
        records = list(SOURCE.read(stream, "dev.json"))
    mapped = [SOURCE.map(r) for r in records if isinstance(r, RawRecord)]
    return records, mapped


def test_all_525_conversations_map(dev):
    records, mapped = dev
    assert len(records) == len(mapped) == 525
    assert [r.number for r in records[:3]] == [1, 2, 3]
    posts = [p for m in mapped for p in m.posts]
    # 686 dialog turns plus one closing agent tweet per conversation
    assert len(posts) == 686 + 525
    # two conversations share a 4-turn prefix, two others a 2-turn prefix: same tweets
    assert len({p.id for p in posts}) == 1205
    assert all(p.created_at is not None for p in posts)
    assert len({a.id for m in mapped for a in m.accounts}) == 563


def test_conversations_rebuild_from_the_archive(dev):
    records, mapped = dev
    for record, result in zip(records, mapped, strict=True):
        assert isinstance(record, RawRecord)
        payload = SOURCE.load_raw(record.raw, record.context)
        assert payload == record.payload
        assert SOURCE.map(RawRecord(record.number, payload, record.raw)) == result


def test_first_conversation_is_threaded(dev):
    _, mapped = dev
    question, answer = mapped[0].posts
    assert (question.id, question.author_id) == ("1245403438755852288", "CinVakas")
    assert question.created_at == datetime(2020, 4, 1, 17, 31, 32, tzinfo=UTC)
    assert question.reply_to_id is None
    assert question.conversation_id == "1245403438755852288"
    assert question.mentions == ["TeamYouTube"]
    assert (answer.id, answer.author_id) == ("1245425308704149506", "TeamYouTube")
    assert (answer.reply_to_id, answer.reply_to_author_id) == ("1245403438755852288", "CinVakas")
    assert answer.conversation_id == "1245403438755852288"
    # the closing tweet has no date in the data: it comes from its snowflake id
    assert answer.created_at == datetime(2020, 4, 1, 18, 58, 27, 135000, tzinfo=UTC)
    url = "https://web.archive.org/web/20200401224734/https://support.google.com/youtube/answer/185111"
    assert answer.links == [url]
    assert [(a.id, a.handle) for a in mapped[0].accounts] == [
        ("CinVakas", "CinVakas"),
        ("TeamYouTube", "TeamYouTube"),
    ]


def test_second_client_and_agent_turns(dev):
    records, mapped = dev
    index = next(i for i, r in enumerate(records) if r.payload["dialogHeader"]["company"] == "TMobileHelp")
    posts = mapped[index].posts
    assert [p.author_id for p in posts] == ["TMobile", "Hedgehog91x", "TMobileHelp"]
    assert [p.reply_to_id for p in posts] == [None, posts[0].id, posts[1].id]
    assert {p.conversation_id for p in posts} == {"1245342671700258816"}
    agent_turns = [
        p
        for r, m in zip(records, mapped, strict=True)
        for p in m.posts[:-1]
        if p.author_id == r.payload["dialogHeader"]["company"]
    ]
    assert len(agent_turns) == 61  # "agent" turns inside dialogContent are the company's


def test_snowflake_times_agree_with_the_dated_turns(dev):
    records, mapped = dev
    dated = [
        p for r, m in zip(records, mapped, strict=True) for p in m.posts[: len(r.payload["dialogContent"])]
    ]
    assert len(dated) == 686
    for post in dated:
        assert abs(snowflake_time(post.id) - post.created_at) < timedelta(seconds=1)


def test_detect(data_dir: Path):
    with open(data_dir / "twitter_cdp" / "dev.json", "rb") as stream:
        assert SOURCE.detect(stream.read(64 * 1024), "dev.json") == 0.95
    assert SOURCE.detect(b'[{"id": 1}]', "x.json") == 0.0
    assert SOURCE.detect(b'{"dialogContent": []}', "x.json") == 0.0
    assert SOURCE.detect(b"tweet_id,text\n", "x.csv") == 0.0


def test_bad_files_and_conversations():
    (bad,) = SOURCE.read(io.BytesIO(b'[{"dialogHeader": '), "cut.json")
    assert isinstance(bad, BadRecord) and bad.number == 1 and "invalid JSON" in bad.reason
    (bad,) = SOURCE.read(io.BytesIO(b'{"a": 1}'), "object.json")
    assert isinstance(bad, BadRecord) and "list" in bad.reason

    turn = {"client": "ann", "datetime": "2020-01-01T00:00:00.000Z", "message": "hi", "tweet_ID": "5"}
    good = {"dialogHeader": {"company": "Acme"}, "dialogContent": [turn]}
    assert [p.id for p in SOURCE.map(RawRecord(1, good, b"")).posts] == ["5"]
    for conversation in (
        "not an object",
        {"dialogContent": "nope"},
        {"dialogContent": [], "dialogHeader": {}},
        {**good, "dialogContent": [{**turn, "tweet_ID": None}]},
        {**good, "dialogContent": [{**turn, "tweet_ID": "12ab"}]},
        {**good, "dialogContent": [{k: v for k, v in turn.items() if k != "client"}]},
        {**good, "dialogContent": [{**turn, "message": ["x"]}]},
        {**good, "dialogContent": [{**turn, "datetime": "soon"}]},
        {**good, "dialogContent": [7]},
        {"dialogContent": [turn], "agentURL": {"tweet_ID": "6"}},  # no company to credit
    ):
        with pytest.raises(MappingError):
            SOURCE.map(RawRecord(1, conversation, orjson.dumps(conversation)))
