"""IBM's Twitter customer-care conversations (Conversational Document Prediction, EMNLP 2020).

The file is a JSON list of conversations::

    {"dialogHeader": {"company", "conversationDateTime", "duration", "messageCount", "sessionID"},
     "dialogContent": [{"client" | "client1" | "agent": screen name, "datetime", "message", "tweet_ID"}],
     "agentURL": {"doc_id", "turn", "tweet_ID", "url", "url_utterance"}}

Each conversation is one record (numbered from 1). Every turn becomes a post, and so does the
closing agent tweet in ``agentURL`` (always a separate tweet after the last turn). Turns are
threaded in order: each replies to the turn before it. ``conversation_id`` is the first
tweet's id, which is what Twitter itself calls a conversation id, so these posts thread with
Twitter data from other sources; the dataset's ``sessionID`` stays in the archived record.
The ``agentURL`` tweet has no date in the data: its time is read from its snowflake id
(exact to the millisecond; the ids of all 686 dated turns in the dev split agree with their
dates). Accounts are keyed by screen name, the only user identifier the data has; the agent's
account is the company.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from grapevine.models import Account, Mapped, Post
from grapevine.sources._common import (
    extract_hashtags,
    extract_links,
    extract_mentions,
    json_sample_kind,
    parse_datetime,
)
from grapevine.sources._tweetids import clean_id, snowflake_time
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source

__all__ = ["CustomerCareSource"]

# A turn names its author under one of these keys ("client1" is a second customer joining in).
_AUTHOR_KEYS = ("client", "agent", "client1", "client2", "client3")


class CustomerCareSource(Source):
    """Conversations of customers with brand support accounts on Twitter, one record each."""

    name = "customer-care"
    platform = "twitter"
    description = "Read IBM's Twitter customer-care conversations (dialogContent JSON) as reply threads."
    numbering = "record"

    def detect(self, sample: bytes, name: str) -> float:
        if json_sample_kind(sample) == "array" and b'"dialogContent"' in sample:
            return 0.95 if b'"dialogHeader"' in sample else 0.7
        return 0.0

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        data = stream.read()
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            yield BadRecord(1, f"invalid JSON: {exc}", data[:10_000])
            return
        if not isinstance(document, list):
            yield BadRecord(1, "expected a JSON list of conversations", data[:10_000])
            return
        for number, conversation in enumerate(document, 1):
            yield RawRecord(number, conversation, orjson.dumps(conversation))

    def map(self, record: RawRecord) -> Mapped:
        conversation = record.payload
        if not isinstance(conversation, dict):
            raise MappingError(f"expected a conversation object, got {type(conversation).__name__}")
        header = conversation.get("dialogHeader")
        company = _text(header.get("company"), "dialogHeader.company") if isinstance(header, dict) else None
        turns = conversation.get("dialogContent")
        if not isinstance(turns, list):
            raise MappingError("conversation has no dialogContent list")
        closing = conversation.get("agentURL")
        if not turns and not isinstance(closing, dict):
            raise MappingError("conversation has neither turns nor an agentURL tweet")

        posts: list[Post] = []
        handles: dict[str, None] = {}  # ordered set: accounts in order of first appearance
        previous: Post | None = None
        for index, turn in enumerate(turns, 1):
            if not isinstance(turn, dict):
                raise MappingError(f"turn {index} is not an object")
            author = _turn_author(turn, index)
            message = _text(turn.get("message"), f"turn {index} message")
            post = _post(
                self.platform,
                _tweet_id(turn.get("tweet_ID"), f"turn {index}"),
                author,
                message,
                previous,
                posts[0].id if posts else None,
            )
            post.created_at = parse_datetime(turn.get("datetime"))
            posts.append(post)
            handles[author] = None
            previous = post

        if isinstance(closing, dict):
            if not company:
                raise MappingError("agentURL tweet but no dialogHeader.company to attribute it to")
            tweet_id = _tweet_id(closing.get("tweet_ID"), "agentURL")
            post = _post(
                self.platform,
                tweet_id,
                company,
                _text(closing.get("url_utterance"), "agentURL url_utterance"),
                previous,
                posts[0].id if posts else None,
            )
            post.created_at = snowflake_time(tweet_id)
            url = closing.get("url")
            if isinstance(url, str) and url and url not in post.links:
                post.links.append(url)
            posts.append(post)
            handles[company] = None

        accounts = [Account(self.platform, handle, handle=handle) for handle in handles]
        return Mapped(posts=posts, accounts=accounts)


def _post(
    platform: str, tweet_id: str, author: str, text: str | None, previous: Post | None, root: str | None
) -> Post:
    return Post(
        platform=platform,
        id=tweet_id,
        author_id=author,
        author_handle=author,
        text=text,
        reply_to_id=previous.id if previous else None,
        reply_to_author_id=previous.author_id if previous else None,
        conversation_id=root or tweet_id,
        mentions=extract_mentions(text),
        hashtags=extract_hashtags(text),
        links=extract_links(text),
    )


def _turn_author(turn: dict[str, Any], index: int) -> str:
    for key in _AUTHOR_KEYS:
        value = turn.get(key)
        if value is not None:
            author = _text(value, f"turn {index} {key}")
            if author:
                return author
    raise MappingError(f"turn {index} names no client or agent")


def _tweet_id(value: Any, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise MappingError(f"{where} has no tweet_ID")
    tweet_id = clean_id(value, f"{where} tweet_ID")
    if tweet_id is None:
        raise MappingError(f"{where} has an empty tweet_ID")
    return tweet_id


def _text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MappingError(f"{what} is {type(value).__name__}, expected text")
    return value
