"""Mastodon: statuses, accounts, threads, notifications and search results from the REST API.

``read`` takes JSON Lines (one Status per line is the lean path the simulator writes; a line
may also be an Account, a timeline page, a Context, a Notification, a Conversation or a search
result), one whole JSON document (an array of statuses or a single object), or a recorded
cassette of API interactions (see :mod:`grapevine.sources._recorded`).

Mapping choices:

- Ids are the server's ids (strings); ``account.acct`` is the handle as the server shows it:
  ``user`` for local accounts, ``user@host`` for remote ones.
- ``content`` is HTML: it becomes plain text with the converter of
  :mod:`grapevine.sources._html` (the same text as ``html_to_text``, several times
  faster, and linear on hostile markup). A content warning (``spoiler_text``) is prepended on
  its own line. The ``RE: <link>`` paragraph that Mastodon 4.4 adds to quotes for
  old clients is dropped, since ``quote_of_id`` says the same.
- Links are the anchors of the content that are not mentions or hashtags, plus the card URL;
  an account's links are the anchors in its profile fields.
- A reblog is a post with ``repost_of_id`` (and no text of its own); the reblogged status is
  mapped too. A quote (``quote.quoted_status``, Mastodon 4.4+) sets ``quote_of_id`` and the
  quoted status is mapped too. Edits keep the id, so the latest version wins in the store.
- A count the server left out is None; a negative one (a server's broken counter cache, seen
  in the wild) is None too.
- Mastodon has no thread id on a status, so ``conversation_id`` stays None (a Conversation
  entity is a direct-message thread and is not a post thread).
- In a cassette, an interaction counts only when its URI is under ``/api/v1/`` or ``/api/v2/``,
  its status is 2xx and its body is JSON (streams and health checks are text). A
  ``DELETE /api/v1/statuses/:id`` response is the deleted status: it maps with ``deleted=True``.
  The accounts of ``/api/v1/accounts/:id/followers`` and ``/following`` also give follow edges.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import urlsplit

from grapevine.models import Account, Edge, Mapped, Post
from grapevine.sources._common import first_by_id, json_sample_kind
from grapevine.sources._common import metric_count as _count
from grapevine.sources._html import mastodon_html_links, mastodon_html_to_text, strip_quote_inline
from grapevine.sources._mastodon_typed import (
    TypedStatus,
    decode_status,
    map_typed_status_rows,
)
from grapevine.sources._mastodon_values import PLATFORM
from grapevine.sources._mastodon_values import account_created as _account_created
from grapevine.sources._mastodon_values import bio_text as _bio
from grapevine.sources._mastodon_values import profile_links as _profile_links
from grapevine.sources._mastodon_values import status_datetime as _datetime
from grapevine.sources._recorded import interaction_status, is_cassette_sample, sample_uris
from grapevine.sources._typed import TypedLinesSource
from grapevine.sources.base import MappingError

__all__ = ["MastodonSource", "mastodon_html_links", "mastodon_html_to_text"]


#: A reblog or quote is mapped together with the status it wraps; deeper nesting only by id.
_MAX_DEPTH = 2

_MASTODON_API = re.compile(
    r"/api/v[12]/(?:accounts|statuses|timelines|notifications|conversations|bookmarks|favourites"
    r"|search|instance|trends|lists|polls|streaming|follow_requests|blocks|mutes|domain_blocks"
    r"|tags|followed_tags|featured_tags|suggestions|markers|filters|apps|announcements|preferences"
    r"|directory|endorsements|reports|media|scheduled_statuses|push|admin|custom_emojis)\b"
)
_FOLLOW_LIST = re.compile(r"/api/v1/accounts/([^/?#]+)/(followers|following)/?$")
_STATUS_PATH = re.compile(r"/api/v1/statuses/[^/?#]+/?$")
_SKIPPED_PATHS = ("/history", "/source")  # edit history and source text carry no status ids

# --- mapping ----------------------------------------------------------------------------------


def _id(value: Any, what: str) -> str:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None:
        raise MappingError(f"{what} has no id")
    raise MappingError(f"{what} id must be a string, got {type(value).__name__}")


def _optional_id(value: Any, what: str) -> str | None:
    return None if value is None or value == "" else _id(value, what)


def _text_field(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise MappingError(f"{what} must be a string, got {type(value).__name__}")


def _list_field(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise MappingError(f"{what} must be a list, got {type(value).__name__}")


def map_account(data: Any) -> Account:
    """Map a Mastodon Account entity."""
    if not isinstance(data, dict):
        raise MappingError(f"account must be an object, got {type(data).__name__}")
    get = data.get
    links: list[str] = []
    for field in _list_field(get("fields"), "account fields"):
        value = field.get("value") if isinstance(field, dict) else None
        if isinstance(value, str) and "<a" in value:
            links.extend(_profile_links(value))
    if len(links) > 1:
        links = list(dict.fromkeys(links))
    account_id = _id(get("id"), "account")
    handle = _text_field(get("acct"), "account acct") or None
    display_name = _text_field(get("display_name"), "account display_name") or None
    note = _text_field(get("note"), "account note")
    url = _text_field(get("url"), "account url") or None
    created = get("created_at")
    # Positional: keyword calls with this many arguments cost several times more in CPython.
    return Account(
        PLATFORM,
        account_id,
        handle,
        display_name,
        None if note is None else _bio(note),  # bio
        url,
        links,
        _count(get("followers_count")),
        _count(get("following_count")),
        _count(get("statuses_count")),  # post_count
        _account_created(created) if type(created) is str else _datetime(created),
    )


def _status_text(data: dict[str, Any]) -> tuple[str | None, list[str]]:
    """Plain text and links of a status: HTML ``content``, or the plain ``text`` of a deleted one."""
    content = data.get("content")
    if content is None:
        text = _text_field(data.get("text"), "status text")
        links: list[str] = []
    elif isinstance(content, str):
        if "quote-inline" in content:
            content = strip_quote_inline(content)
        text = mastodon_html_to_text(content)
        links = mastodon_html_links(content)
    else:
        raise MappingError(f"status content must be a string, got {type(content).__name__}")
    spoiler = data.get("spoiler_text")
    if spoiler:
        if not isinstance(spoiler, str):
            raise MappingError("status spoiler_text must be a string")
        text = f"{spoiler}\n{text}" if text else spoiler
    return text, links


def _quoted_id(quote: Any, out: Mapped, depth: int) -> str | None:
    """The id of the status a ``quote`` points to (mapping it into ``out`` when it is included)."""
    if quote is None:
        return None
    if not isinstance(quote, dict):
        raise MappingError(f"status quote must be an object, got {type(quote).__name__}")
    if "account" in quote and "id" in quote:  # forks that put the quoted Status itself here
        quoted: Any = quote
    else:
        quoted = quote.get("quoted_status")
    if quoted is None:  # a revoked or pending quote, or a shallow one that only has the id
        return _optional_id(quote.get("quoted_status_id"), "quoted status")
    if not isinstance(quoted, dict):
        raise MappingError("quoted_status must be an object")
    if depth < _MAX_DEPTH:
        return map_status(quoted, out, depth + 1)
    return _id(quoted.get("id"), "quoted status")


def map_status(data: Any, out: Mapped, depth: int = 0, deleted: bool = False) -> str:
    """Append a Status (and the statuses and accounts it embeds) to ``out``; return its id."""
    if not isinstance(data, dict):
        raise MappingError(f"status must be an object, got {type(data).__name__}")
    status_id = _id(data.get("id"), "status")
    author = map_account(data.get("account"))
    out.accounts.append(author)

    repost_of_id = None
    reblog = data.get("reblog")
    if reblog is not None:
        if not isinstance(reblog, dict):
            raise MappingError("status reblog must be an object")
        if depth < _MAX_DEPTH:
            repost_of_id = map_status(reblog, out, depth + 1)
        else:
            repost_of_id = _id(reblog.get("id"), "reblogged status")
        text: str | None = None  # a reblog's content is empty; the words belong to the original
        links: list[str] = []
    else:
        text, links = _status_text(data)

    card = data.get("card")
    if isinstance(card, dict):
        card_url = card.get("url")
        if isinstance(card_url, str) and card_url and card_url not in links:
            links.append(card_url)

    mentions = [
        m["acct"]
        for m in _list_field(data.get("mentions"), "status mentions")
        if isinstance(m, dict) and isinstance(m.get("acct"), str)
    ]
    hashtags = [
        t["name"]
        for t in _list_field(data.get("tags"), "status tags")
        if isinstance(t, dict) and isinstance(t.get("name"), str)
    ]
    language = data.get("language")
    created_at = _datetime(data.get("created_at"))
    reply_to_id = _optional_id(data.get("in_reply_to_id"), "in_reply_to")
    reply_to_author_id = _optional_id(data.get("in_reply_to_account_id"), "in_reply_to_account")
    quote_of_id = _quoted_id(data.get("quote"), out, depth)
    # Positional (in the field order of Post): keyword calls this long cost several times more.
    out.posts.append(
        Post(
            PLATFORM,
            status_id,
            author.id,
            author.handle,
            text,
            created_at,
            language if isinstance(language, str) and language else None,  # lang
            reply_to_id,
            reply_to_author_id,
            quote_of_id,
            repost_of_id,
            None,  # conversation_id: Mastodon has none
            mentions,
            hashtags,
            links,
            _count(data.get("favourites_count")),  # like_count
            _count(data.get("reblogs_count")),  # repost_count
            _count(data.get("replies_count")),  # reply_count
            _count(data.get("quotes_count")),  # quote_count
            None,  # title
            _text_field(data.get("url") or data.get("uri"), "status url"),
            None,  # community
            deleted,
        )
    )
    return status_id


def _is_status(data: dict[str, Any]) -> bool:
    return "account" in data and "id" in data and ("content" in data or "text" in data)


def map_entity(data: Any, out: Mapped, strict: bool = True, deleted: bool = False, level: int = 0) -> None:
    """Map any Mastodon API entity (or a list of them) into ``out``.

    With ``strict``, an object that is none of the known entities is a MappingError; without
    it (cassette bodies: instance info, polls, relationships ...) it is skipped.
    """
    if isinstance(data, list):
        if level > 1:
            raise MappingError("Mastodon entities are nested too deeply")
        for item in data:
            map_entity(item, out, strict, deleted, level + 1)
        return
    if not isinstance(data, dict):
        if strict:
            raise MappingError(f"expected a Mastodon entity object, got {type(data).__name__}")
        return
    if _is_status(data):
        map_status(data, out, deleted=deleted)
    elif "acct" in data:
        out.accounts.append(map_account(data))
    elif "ancestors" in data or "descendants" in data:  # Context
        for key in ("ancestors", "descendants"):
            for status in _list_field(data.get(key), f"context {key}"):
                map_status(status, out)
    elif "notification_groups" in data or ("statuses" in data and "accounts" in data):
        # Grouped notifications (v2) and search results: full accounts and statuses side by
        # side. Grouped notifications' "partial_accounts" lack counts and are left out.
        for account in _list_field(data.get("accounts"), "accounts"):
            out.accounts.append(map_account(account))
        for status in _list_field(data.get("statuses"), "statuses"):
            map_status(status, out)
    elif "last_status" in data and "accounts" in data:  # Conversation (a direct-message thread)
        for account in _list_field(data.get("accounts"), "conversation accounts"):
            out.accounts.append(map_account(account))
        if data.get("last_status") is not None:
            map_status(data["last_status"], out)
    elif "type" in data and "account" in data:  # Notification
        out.accounts.append(map_account(data["account"]))
        if data.get("status") is not None:
            map_status(data["status"], out)
    elif "accounts" in data and "id" in data:  # familiar followers of one account
        for account in _list_field(data.get("accounts"), "accounts"):
            out.accounts.append(map_account(account))
    elif strict:
        raise MappingError(
            "not a Mastodon status, account, context, notification, conversation or search result"
        )


def map_interaction(interaction: Any, out: Mapped) -> None:
    """Map one recorded API interaction; anything that is not a 2xx JSON API answer maps to nothing."""
    if not isinstance(interaction, dict):
        raise MappingError("interaction must be an object")
    request = interaction.get("request")
    uri = request.get("uri") if isinstance(request, dict) else None
    if not isinstance(uri, str) or ("/api/v1/" not in uri and "/api/v2/" not in uri):
        return
    status = interaction_status(interaction)
    body = interaction.get("body")
    if status is None or not 200 <= status < 300 or not isinstance(body, dict | list):
        return
    path = urlsplit(uri).path
    if path.endswith(_SKIPPED_PATHS):
        return
    follow_list = _FOLLOW_LIST.search(path)
    if follow_list and isinstance(body, list):
        subject, relation = follow_list.groups()
        for item in body:
            account = map_account(item)
            out.accounts.append(account)
            if relation == "followers":
                out.edges.append(Edge(PLATFORM, account.id, subject, "follow"))
            else:
                out.edges.append(Edge(PLATFORM, subject, account.id, "follow"))
        return
    method = request.get("method") if isinstance(request, dict) else None
    deleted = method == "DELETE" and _STATUS_PATH.search(path) is not None
    map_entity(body, out, strict=False, deleted=deleted)


class MastodonSource(TypedLinesSource):
    """Mastodon REST API payloads: JSON Lines of statuses, whole API responses or cassettes."""

    splittable = True  # JSON Lines: every line stands alone

    name: ClassVar[str] = "mastodon"
    platform = PLATFORM
    description: ClassVar[str] = (
        "Import Mastodon statuses, accounts, threads and notifications "
        "(JSON Lines, API responses or recorded cassettes)."
    )
    numbering: ClassVar[str] = "line"

    def detect(self, sample: bytes, name: str) -> float:
        if is_cassette_sample(sample):
            return 0.95 if any(_MASTODON_API.search(uri) for uri in sample_uris(sample)) else 0.0
        if json_sample_kind(sample) is None or b'"acct"' not in sample:
            return 0.0  # every Mastodon account (and so every status) has "acct"
        is_status = b'"account"' in sample and b'"content"' in sample
        if is_status and (b'"reblog"' in sample or b'"favourites_count"' in sample):
            return 0.9
        if b'"ancestors"' in sample and b'"descendants"' in sample:
            return 0.9
        if b'"note"' in sample and (b'"statuses_count"' in sample or b'"followers_count"' in sample):
            return 0.8
        return 0.3

    typed = TypedStatus  # the fast lane (see _mastodon_typed), posts as rows
    decode_typed = staticmethod(decode_status)
    map_typed_rows = staticmethod(map_typed_status_rows)

    def map_general(self, payload: Any) -> Mapped:
        out = Mapped()
        try:
            if type(payload) is dict and "content" in payload and "account" in payload:
                map_status(payload, out)  # the hot path: one status per line
                if len(out.accounts) == 1 and len(out.posts) == 1:
                    return out
            elif isinstance(payload, dict) and "interactions" not in payload and "request" in payload:
                map_interaction(payload, out)
            else:
                map_entity(payload, out)
        except MappingError:
            raise
        except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError) as exc:
            raise MappingError(f"malformed Mastodon payload: {type(exc).__name__}: {exc}") from exc
        out.posts = first_by_id(out.posts)
        out.accounts = first_by_id(out.accounts)
        return out
