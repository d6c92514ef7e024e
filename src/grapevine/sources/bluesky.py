"""Bluesky (AT Protocol): API views, raw records, Jetstream events and recorded XRPC calls.

``read`` takes JSON Lines (Jetstream events, one per line, is the lean path; a line may also be
a record, a PostView or a whole API response), one whole JSON document, or a recorded cassette
whose request URIs contain ``/xrpc/`` (see :mod:`grapevine.sources._recorded`).

What maps to what:

- Feeds (``getAuthorFeed``, ``getTimeline``, ``getFeed``, ``getListFeed``, ``getActorLikes``),
  threads (``getPostThread``, walked without recursion), ``searchPosts``, ``getPosts`` and
  ``getQuotes`` give posts and their authors. The root and parent a feed item carries, and the
  post a quote embeds, are mapped too.
- A ``reasonRepost`` in a feed is a repost post: its id is the repost record's URI when the
  view has it, else ``<post uri>#repost-by-<did>``; its author is the reposter.
- Profiles (``getProfile(s)``, ``searchActors``, suggestions, ``getLikes``, ``getRepostedBy``,
  list members) give accounts; ``getFollowers(subject)`` gives ``follower -> subject`` follow
  edges and ``getFollows(subject)`` gives ``subject -> follow``.
- Records (``listRecords``, ``getRecord``, notifications, Jetstream commits): a post record is a
  post, a repost record a repost post, a follow record a follow edge; the author DID is the
  authority of the record's at:// URI. Likes, deletes, identity and account events map to nothing.

Mapping choices: a post id is its at:// URI, an account id its DID. Mentions are the handles
the text shows at the facet's UTF-8 byte range (the DID when the range shows no ``@handle``);
hashtags and links come from facets, plus an external embed's URI. ``conversation_id`` is the
reply root's URI. Counts come from views only: a raw record has none, so they stay None. A malformed DID, at:// URI or datetime is a MappingError: identifiers are
checked with the atproto syntax rules (see :mod:`grapevine.sources._atproto`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any, ClassVar

from grapevine.models import Account, Edge, Mapped, Post
from grapevine.sources._atproto import (
    did_from_at_uri,
    is_valid_at_uri,
    is_valid_datetime,
    is_valid_did,
    is_valid_handle,
    is_valid_nsid,
    is_valid_record_key,
    parse_at_datetime,
    split_at_uri,
)
from grapevine.sources._common import extract_links, first_by_id, json_sample_kind, metric_count
from grapevine.sources._jsonrecords import iter_json_records
from grapevine.sources._recorded import interaction_status, is_cassette_sample, sample_uris
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source

__all__ = [
    "BlueskySource",
    "is_valid_at_uri",
    "is_valid_datetime",
    "is_valid_did",
    "is_valid_handle",
    "is_valid_nsid",
    "is_valid_record_key",
    "parse_at_datetime",
]

PLATFORM = "bluesky"
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
FOLLOW = "app.bsky.graph.follow"
_MENTION = "app.bsky.richtext.facet#mention"
_TAG = "app.bsky.richtext.facet#tag"
_LINK = "app.bsky.richtext.facet#link"
_REASON_REPOST = "app.bsky.feed.defs#reasonRepost"
_VIEW_RECORD = "app.bsky.embed.record#viewRecord"
_PROFILE_URL = "https://bsky.app/profile/"
#: A quoted post is mapped with the post that embeds it; deeper quotes only by URI.
_MAX_DEPTH = 2
#: Responses that are valid but hold nothing this model keeps (feed generators, lists, packs).
_IGNORED_RESPONSES = ("feeds", "view", "lists", "starterPack", "starterPacks", "relationships")
_XRPC = re.compile(r"/xrpc/(?:app\.bsky|com\.atproto|chat\.bsky)\.")


# --- small checked accessors ------------------------------------------------------------------


def _did(value: Any, what: str) -> str:
    if not is_valid_did(value):
        raise MappingError(f"{what} has an invalid DID {value!r:.80}")
    return value


def _text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise MappingError(f"{what} must be a string, got {type(value).__name__}")


def _object(value: Any, what: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise MappingError(f"{what} must be an object, got {type(value).__name__}")


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise MappingError(f"{what} must be a list, got {type(value).__name__}")


def _ref_uri(ref: Any, what: str) -> str:
    """The URI of a strong reference ``{uri, cid}``, checked."""
    uri = _object(ref, what).get("uri")
    if not is_valid_at_uri(uri):
        raise MappingError(f"{what} has an invalid at:// URI {uri!r:.80}")
    return uri


def _is_post_view(value: Any) -> bool:
    """A PostView, as opposed to a notFoundPost or blockedPost stand-in."""
    return isinstance(value, dict) and "record" in value and "author" in value and "uri" in value


# --- accounts ---------------------------------------------------------------------------------


def map_profile(data: Any) -> Account:
    """Map a ProfileView (basic, plain or detailed) to an Account keyed by DID."""
    profile = _object(data, "profile")
    did = _did(profile.get("did"), "profile")
    handle = profile.get("handle")
    if not isinstance(handle, str) or handle == "handle.invalid":
        handle = None  # the AppView's marker for a handle that no longer verifies
    description = _text(profile.get("description"), "profile description") or None
    verified = None
    verification = profile.get("verification")
    if isinstance(verification, dict) and isinstance(verification.get("verifiedStatus"), str):
        verified = verification["verifiedStatus"] == "valid"
    return Account(
        platform=PLATFORM,
        id=did,
        handle=handle,
        display_name=_text(profile.get("displayName"), "profile displayName") or None,
        bio=description,
        url=_PROFILE_URL + (handle or did),
        links=extract_links(description),
        followers_count=metric_count(profile.get("followersCount")),
        following_count=metric_count(profile.get("followsCount")),
        post_count=metric_count(profile.get("postsCount")),
        created_at=parse_at_datetime(profile.get("createdAt")),
        verified=verified,
    )


# --- posts ------------------------------------------------------------------------------------


def _facets(
    text: str | None, facets: Any, mentions: list[str], hashtags: list[str], links: list[str]
) -> None:
    """Collect mentions, hashtags and links from rich-text facets (byte ranges into UTF-8 text)."""
    encoded: bytes | None = None
    for facet in _list(facets, "post facets"):
        if not isinstance(facet, dict):
            raise MappingError("a post facet must be an object")
        for feature in _list(facet.get("features"), "facet features"):
            if not isinstance(feature, dict):
                continue
            kind = feature.get("$type")
            if kind == _MENTION:
                did = feature.get("did")
                mention = did if is_valid_did(did) else None
                index = facet.get("index")
                if text and isinstance(index, dict):
                    start, end = index.get("byteStart"), index.get("byteEnd")
                    if type(start) is int and type(end) is int and 0 <= start < end:
                        if encoded is None:
                            encoded = text.encode("utf-8", "surrogatepass")
                        shown = encoded[start:end].decode("utf-8", "replace").strip()
                        if shown.startswith("@") and is_valid_handle(shown[1:]):
                            mention = shown[1:]
                if mention:
                    mentions.append(mention)
            elif kind == _TAG:
                tag = feature.get("tag")
                if isinstance(tag, str) and tag.lstrip("#"):
                    hashtags.append(tag.lstrip("#"))
            elif kind == _LINK:
                uri = feature.get("uri")
                if isinstance(uri, str) and uri:
                    links.append(uri)


def _embed(embed: Any, links: list[str]) -> str | None:
    """The URI of the post a record embed quotes (None if it quotes none); external links go to ``links``."""
    if embed is None:
        return None
    embed = _object(embed, "post embed")
    kind = embed.get("$type")
    ref = None
    if kind == "app.bsky.embed.record":
        ref = embed.get("record")
    elif kind == "app.bsky.embed.recordWithMedia":
        ref = _object(embed.get("record"), "recordWithMedia record").get("record")
        embed = _object(embed.get("media") or {}, "recordWithMedia media")
        kind = embed.get("$type")
    if kind == "app.bsky.embed.external":
        uri = _object(embed.get("external"), "external embed").get("uri")
        if isinstance(uri, str) and uri:
            links.append(uri)
    if ref is None:
        return None
    uri = _ref_uri(ref, "embedded record")
    parts = split_at_uri(uri)
    # A record embed may show a feed generator, a list or a starter pack: only posts are quotes.
    return uri if parts is not None and parts[1] == POST else None


def map_post_record(
    uri: Any,
    record: Any,
    out: Mapped,
    author: Account | None = None,
    view: dict[str, Any] | None = None,
) -> str:
    """Append the post an ``app.bsky.feed.post`` record describes; return its id (the URI).

    ``author`` comes from a view (so the handle is known); ``view`` gives the counts.
    """
    parts = split_at_uri(uri)
    if parts is None or parts[1] is None or parts[2] is None:
        raise MappingError(f"invalid post at:// URI {uri!r:.80}")
    authority, collection, rkey = parts
    if collection != POST:
        raise MappingError(f"{uri!r:.80} is not an {POST} record")
    record = _object(record, "post record")
    kind = record.get("$type")
    if kind is not None and kind != POST:
        raise MappingError(f"expected an {POST} record, got {kind!r:.60}")
    if authority.startswith("did:"):
        author_id = authority
    elif author is not None:
        author_id = author.id
    else:
        raise MappingError(f"post URI {uri!r:.80} names a handle, not the author's DID")
    handle = author.handle if author is not None else None
    text = _text(record.get("text"), "post text")

    conversation_id = reply_to_id = reply_to_author_id = None
    reply = record.get("reply")
    if reply is not None:
        reply = _object(reply, "post reply")
        conversation_id = _ref_uri(reply.get("root"), "reply root")
        reply_to_id = _ref_uri(reply.get("parent"), "reply parent")
        reply_to_author_id = did_from_at_uri(reply_to_id)

    mentions: list[str] = []
    hashtags: list[str] = []
    links: list[str] = []
    if record.get("facets") is not None:
        _facets(text, record["facets"], mentions, hashtags, links)
    quote_of_id = _embed(record.get("embed"), links)
    if len(links) > 1:  # a facet and the external card often name the same URL
        links = list(dict.fromkeys(links))
    if len(mentions) > 1:
        mentions = list(dict.fromkeys(mentions))
    if len(hashtags) > 1:
        hashtags = list(dict.fromkeys(hashtags))
    langs = record.get("langs")
    lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    counts = view if view is not None else {}
    out.posts.append(
        Post(
            platform=PLATFORM,
            id=uri,
            author_id=author_id,
            author_handle=handle,
            text=text,
            created_at=parse_at_datetime(record.get("createdAt")),
            lang=lang,
            reply_to_id=reply_to_id,
            reply_to_author_id=reply_to_author_id,
            quote_of_id=quote_of_id,
            conversation_id=conversation_id,
            mentions=mentions,
            hashtags=hashtags,
            links=links,
            like_count=metric_count(counts.get("likeCount")),
            repost_count=metric_count(counts.get("repostCount")),
            reply_count=metric_count(counts.get("replyCount")),
            quote_count=metric_count(counts.get("quoteCount")),
            url=f"{_PROFILE_URL}{handle or author_id}/post/{rkey}",
        )
    )
    return uri


def map_record(uri: Any, record: Any, out: Mapped, author: Account | None = None) -> None:
    """Map a repository record by type: post, repost or follow; other collections map to nothing."""
    record = _object(record, "record")
    parts = split_at_uri(uri)
    if parts is None or parts[1] is None or parts[2] is None:
        raise MappingError(f"invalid record at:// URI {uri!r:.80}")
    kind = record.get("$type") or parts[1]
    if kind == POST:
        map_post_record(uri, record, out, author)
        return
    if kind not in (REPOST, FOLLOW):
        return
    owner = parts[0]
    if not owner.startswith("did:"):
        raise MappingError(f"record URI {uri!r:.80} names a handle, not the owner's DID")
    created_at = parse_at_datetime(record.get("createdAt"))
    if kind == FOLLOW:
        subject = _did(record.get("subject"), "follow subject")
        out.edges.append(Edge(PLATFORM, owner, subject, "follow", created_at=created_at))
        return
    out.posts.append(
        Post(
            platform=PLATFORM,
            id=uri,
            author_id=owner,
            author_handle=author.handle if author is not None else None,
            created_at=created_at,
            repost_of_id=_ref_uri(record.get("subject"), "repost subject"),
        )
    )


def _embedded_post(embed_view: Any, out: Mapped) -> None:
    """Map the post a view's record embed shows (``app.bsky.embed.record#viewRecord``), if any."""
    if not isinstance(embed_view, dict):
        return
    kind = embed_view.get("$type")
    shown = embed_view.get("record")
    if kind == "app.bsky.embed.recordWithMedia#view" and isinstance(shown, dict):
        shown = shown.get("record")
    elif kind != "app.bsky.embed.record#view":
        return
    if not isinstance(shown, dict) or shown.get("$type") != _VIEW_RECORD:
        return
    parts = split_at_uri(shown.get("uri"))
    if parts is None or parts[1] != POST:
        return
    author = map_profile(shown.get("author"))
    out.accounts.append(author)
    map_post_record(shown["uri"], shown.get("value"), out, author, shown)


def map_post_view(view: Any, out: Mapped, depth: int = 0) -> str:
    """Append a PostView (with its author and the post it quotes) to ``out``; return the post id."""
    view = _object(view, "post view")
    author = map_profile(view.get("author"))
    out.accounts.append(author)
    post_id = map_post_record(view.get("uri"), view.get("record"), out, author, view)
    if depth < _MAX_DEPTH:
        _embedded_post(view.get("embed"), out)
    return post_id


def map_feed_item(item: Any, out: Mapped) -> None:
    """Map a FeedViewPost: the post, the root and parent it replies to, and a repost reason."""
    item = _object(item, "feed item")
    post_id = map_post_view(item.get("post"), out)
    reply = item.get("reply")
    if isinstance(reply, dict):
        for key in ("root", "parent"):
            if _is_post_view(reply.get(key)):
                map_post_view(reply[key], out, depth=1)
    reason = item.get("reason")
    if isinstance(reason, dict) and reason.get("$type") == _REASON_REPOST:
        by = map_profile(reason.get("by"))
        out.accounts.append(by)
        repost_uri = reason.get("uri")
        out.posts.append(
            Post(
                platform=PLATFORM,
                id=repost_uri if is_valid_at_uri(repost_uri) else f"{post_id}#repost-by-{by.id}",
                author_id=by.id,
                author_handle=by.handle,
                created_at=parse_at_datetime(reason.get("indexedAt")),
                repost_of_id=post_id,
            )
        )


def map_thread(thread: Any, out: Mapped) -> None:
    """Map every post of a ThreadViewPost tree: the post, its parents up and its replies down."""
    pending = [thread]
    while pending:
        node = pending.pop()
        if not isinstance(node, dict) or not _is_post_view(node.get("post")):
            continue  # notFoundPost, blockedPost
        map_post_view(node["post"], out)
        if node.get("parent") is not None:
            pending.append(node["parent"])
        pending.extend(_list(node.get("replies"), "thread replies"))


def map_jetstream(event: dict[str, Any], out: Mapped) -> None:
    """Map a Jetstream event: commits that create or update posts, reposts and follows."""
    if event.get("kind") != "commit":
        return  # identity and account events
    did = _did(event.get("did"), "Jetstream event")
    commit = _object(event.get("commit"), "Jetstream commit")
    if commit.get("operation") not in ("create", "update"):
        return  # deletes
    collection = commit.get("collection")
    if collection not in (POST, REPOST, FOLLOW):
        return
    rkey = commit.get("rkey")
    if not is_valid_record_key(rkey):
        raise MappingError(f"Jetstream commit has an invalid record key {rkey!r:.80}")
    map_record(f"at://{did}/{collection}/{rkey}", commit.get("record"), out)


# --- API responses ----------------------------------------------------------------------------


def _follow_edges(body: dict[str, Any], key: str, out: Mapped) -> None:
    subject = map_profile(body.get("subject"))
    out.accounts.append(subject)
    for profile in _list(body.get(key), key):
        account = map_profile(profile)
        out.accounts.append(account)
        if key == "followers":
            out.edges.append(Edge(PLATFORM, account.id, subject.id, "follow"))
        else:
            out.edges.append(Edge(PLATFORM, subject.id, account.id, "follow"))


def _notification(note: Any, out: Mapped) -> None:
    note = _object(note, "notification")
    author = map_profile(note.get("author"))
    out.accounts.append(author)
    record = note.get("record")
    if isinstance(record, dict) and record.get("$type") in (POST, REPOST, FOLLOW):
        map_record(note.get("uri"), record, out, author)


def map_response(body: Any, out: Mapped, strict: bool = True) -> None:
    """Map one API response, record, PostView or Jetstream event by its shape."""
    if isinstance(body, list):
        for item in body:
            if isinstance(item, list):
                raise MappingError("Bluesky payloads are not nested lists")
            map_response(item, out, strict)
        return
    if not isinstance(body, dict):
        raise MappingError(f"expected a JSON object, got {type(body).__name__}")
    if "kind" in body and "did" in body:
        map_jetstream(body, out)
    elif isinstance(body.get("feed"), list):
        for item in body["feed"]:
            map_feed_item(item, out)
    elif "thread" in body:
        map_thread(body["thread"], out)
    elif isinstance(body.get("posts"), list):
        for view in body["posts"]:
            map_post_view(view, out)
    elif "followers" in body and "subject" in body:
        _follow_edges(body, "followers", out)
    elif "follows" in body and "subject" in body:
        _follow_edges(body, "follows", out)
    elif "notifications" in body:
        for note in _list(body["notifications"], "notifications"):
            _notification(note, out)
    elif "records" in body:
        for item in _list(body["records"], "records"):
            item = _object(item, "listed record")
            map_record(item.get("uri"), item.get("value"), out)
    elif "uri" in body and "value" in body:  # getRecord, or one listed record per line
        map_record(body["uri"], body["value"], out)
    elif "post" in body:  # one FeedViewPost
        map_feed_item(body, out)
    elif _is_post_view(body):
        map_post_view(body, out)
    elif "likes" in body:
        for like in _list(body["likes"], "likes"):
            out.accounts.append(map_profile(_object(like, "like").get("actor")))
    elif "items" in body and "list" in body:  # getList: the members
        for item in _list(body["items"], "list items"):
            out.accounts.append(map_profile(_object(item, "list item").get("subject")))
    elif key := next((k for k in ("repostedBy", "profiles", "actors", "suggestions") if k in body), None):
        for profile in _list(body[key], key):
            out.accounts.append(map_profile(profile))
    elif "did" in body and "handle" in body:  # getProfile
        out.accounts.append(map_profile(body))
    elif body.get("$type") == POST:
        raise MappingError("a bare post record has no at:// URI, so the post cannot be identified")
    elif strict and not any(key in body for key in _IGNORED_RESPONSES):
        raise MappingError("not a Bluesky API response, record or Jetstream event")


def map_interaction(interaction: Any, out: Mapped) -> None:
    """Map one recorded XRPC call; errors and other URLs map to nothing."""
    interaction = _object(interaction, "interaction")
    request = interaction.get("request")
    uri = request.get("uri") if isinstance(request, dict) else None
    if not isinstance(uri, str) or "/xrpc/" not in uri:
        return
    status = interaction_status(interaction)
    body = interaction.get("body")
    if status is None or not 200 <= status < 300 or not isinstance(body, dict):
        return
    map_response(body, out, strict=False)


class BlueskySource(Source):
    """Bluesky payloads: AppView API responses, repository records, Jetstream events, cassettes."""

    splittable = True  # JSON Lines: every line stands alone

    name: ClassVar[str] = "bluesky"
    platform = PLATFORM
    description: ClassVar[str] = (
        "Import Bluesky posts, profiles and follows "
        "(API responses, records, Jetstream JSON Lines or recorded XRPC calls)."
    )
    numbering: ClassVar[str] = "line"

    def detect(self, sample: bytes, name: str) -> float:
        if is_cassette_sample(sample):
            return 0.95 if any(_XRPC.search(uri) for uri in sample_uris(sample)) else 0.0
        if json_sample_kind(sample) is None or b'"acct"' in sample:
            return 0.0  # "acct" is Mastodon's
        if b'"time_us"' in sample and b'"kind"' in sample and b'"did"' in sample:
            return 0.95  # Jetstream
        has_did = b'"did:plc:' in sample or b'"did:web:' in sample or b"at://did:" in sample
        if has_did and b"app.bsky." in sample:
            return 0.9
        if has_did and b'"handle"' in sample:
            return 0.8
        return 0.4 if b"app.bsky." in sample else 0.0

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        return iter_json_records(stream)

    def map(self, record: RawRecord) -> Mapped:
        payload = record.payload
        out = Mapped()
        try:
            if isinstance(payload, dict) and "request" in payload and "body" in payload:
                map_interaction(payload, out)
            else:
                map_response(payload, out)
        except MappingError:
            raise
        except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError) as exc:
            raise MappingError(f"malformed Bluesky payload: {type(exc).__name__}: {exc}") from exc
        if len(out.posts) > 1:
            out.posts = first_by_id(out.posts)
        if len(out.accounts) > 1:
            out.accounts = first_by_id(out.accounts)
        return out
