"""RSS 0.9x/1.0/2.0, Atom 0.3/1.0, CDF and JSON Feed files: a feed is a blog, its items are posts.

A feed file is small, so ``read`` parses it whole (XML with feedparser, JSON Feed with orjson)
and yields one record per entry. Each record's payload is a plain JSON-able dict extracted from
the entry (dates already turned into ISO 8601 UTC strings), and its context is the channel
(title, link, self URL, subtitle, language, file name), so that the pure ``map`` can rebuild the
blog :class:`~grapevine.models.Account` next to every :class:`~grapevine.models.Post`.

Mapping choices:

- The blog's account id is the feed's site link, else its ``rel="self"`` URL, else the file name.
- A post id is the entry's id/guid, else its link, else a hash of title, date and text. Ids
  that are not URIs (a JSON Feed ``"1"``, an RSS guid ``"42"``) are only unique within one feed,
  so they are qualified as ``<blog id>#<id>``.
- Text is the full content when the entry has one, else the summary, as plain text.
- ``slash:comments`` gives ``reply_count``; an Atom threading ``thr:in-reply-to`` (comment feeds)
  gives ``reply_to_id``. Categories are not hashtags and are left out.
- A malformed (bozo) document is kept for whatever entries feedparser recovers; only a file with
  no entries and no channel at all becomes a :class:`~grapevine.sources.base.BadRecord`.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any, ClassVar
from urllib.parse import urlsplit

import orjson

from grapevine.models import Account, Mapped, Post
from grapevine.sources._common import html_links, html_to_text, json_sample_kind, parse_datetime
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source

__all__ = ["FeedSource"]

#: Feeds are small documents; a larger file is almost certainly not a feed and is refused
#: rather than parsed into memory whole.
MAX_FEED_BYTES = 64 * 1024 * 1024

_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xef\xbb\xbf", "utf-8"),
)
_FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
_ELEMENT_NAME = re.compile(r"<([A-Za-z_][\w.\-]*)(?::([A-Za-z_][\w.\-]*))?")
_JSON_FEED_VERSION = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/version/')


def _decode_sample(sample: bytes) -> str:
    """Decode the start of a file well enough to find its root element, whatever its UTF width."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return sample[len(bom) :].decode(encoding, "ignore")
    head = sample[:4]
    if len(head) == 4:
        # Without a BOM the zero bytes around the first "<" give the width and byte order away.
        if head[:3] == b"\x00\x00\x00":
            return sample.decode("utf-32-be", "ignore")
        if head[1:] == b"\x00\x00\x00":
            return sample.decode("utf-32-le", "ignore")
        if head[0] == 0 and head[2] == 0:
            return sample.decode("utf-16-be", "ignore")
        if head[1] == 0 and head[3] == 0:
            return sample.decode("utf-16-le", "ignore")
    # Element names are ASCII in every ASCII-compatible charset; latin-1 never fails.
    return sample.decode("latin-1")


def _root_element(text: str) -> str | None:
    """The root element's lower-cased local name; "" for a prolog with no element yet; None if not XML."""
    pos = 0
    length = len(text)
    in_prolog = False
    while pos < length:
        while pos < length and text[pos] in " \t\r\n\ufeff":
            pos += 1
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
        elif text.startswith("<!", pos):  # DOCTYPE, maybe with an internal subset
            bracket, close = text.find("[", pos), text.find(">", pos)
            end = text.find("]>", pos) if -1 < bracket < close else close
        elif text.startswith("<", pos):
            match = _ELEMENT_NAME.match(text, pos)
            return (match.group(2) or match.group(1)).lower() if match else None
        else:
            return None
        if end < 0:  # the sample ends inside a long comment or declaration
            return "" if in_prolog or text.startswith("<?xml", pos) else None
        in_prolog = True
        pos = text.index(">", end) + 1
    return "" if in_prolog else None


def _iso(parsed: Any) -> str | None:
    """feedparser's UTC ``struct_time`` as an ISO 8601 string, or None."""
    if parsed is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _text_field(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# feedparser's result dicts resolve aliases on lookup (``updated_parsed`` falls back to
# ``published_parsed`` with a DeprecationWarning); ``dict.get`` reads only what the feed said.


def _detail_type(entry: Any, key: str) -> str | None:
    detail = dict.get(entry, key)
    return detail.get("type") if isinstance(detail, dict) else None


def _entry_language(entry: Any) -> str | None:
    """The entry's own ``xml:lang``, which feedparser keeps on each text construct."""
    content = dict.get(entry, "content")
    details = [content[0]] if isinstance(content, list) and content else []
    details += [dict.get(entry, "summary_detail"), dict.get(entry, "title_detail")]
    for detail in details:
        if isinstance(detail, dict) and isinstance(detail.get("language"), str) and detail["language"]:
            return str(detail["language"])
    return None


def _extract_entry(entry: Any) -> dict[str, Any]:
    """A plain, JSON-able dict of the entry fields that ``map`` uses."""
    content = dict.get(entry, "content")
    first = content[0] if isinstance(content, list) and content and isinstance(content[0], dict) else {}
    author = dict.get(entry, "author_detail")
    author_name = author.get("name") if isinstance(author, dict) else None
    reply = dict.get(entry, "thr_in-reply-to")
    extracted = {
        "id": _text_field(dict.get(entry, "id")),
        "link": _text_field(dict.get(entry, "link")),
        "title": _text_field(dict.get(entry, "title")),
        "title_type": _detail_type(entry, "title_detail"),
        "content": _text_field(first.get("value")),
        "content_type": first.get("type"),
        "summary": _text_field(dict.get(entry, "summary")),
        "summary_type": _detail_type(entry, "summary_detail"),
        "author": _text_field(author_name) or _text_field(dict.get(entry, "author")),
        "published": _iso(dict.get(entry, "published_parsed") or dict.get(entry, "created_parsed")),
        "updated": _iso(dict.get(entry, "updated_parsed")),
        "language": _entry_language(entry),
        "comments": _text_field(dict.get(entry, "slash_comments")),
        "in_reply_to": _text_field(reply.get("ref")) if isinstance(reply, dict) else None,
    }
    return {key: value for key, value in extracted.items() if value is not None}


def _extract_channel(feed: Any, name: str) -> dict[str, Any]:
    links = dict.get(feed, "links")
    self_url = next(
        (
            link.get("href")
            for link in (links if isinstance(links, list) else [])
            if isinstance(link, dict) and link.get("rel") == "self"
        ),
        None,
    )
    channel = {
        "title": _text_field(dict.get(feed, "title")),
        "link": _text_field(dict.get(feed, "link")),
        "self": _text_field(self_url),
        "subtitle": _text_field(dict.get(feed, "subtitle")),
        "subtitle_type": _detail_type(feed, "subtitle_detail"),
        "language": _text_field(dict.get(feed, "language")),
        "file": name,
    }
    return {key: value for key, value in channel.items() if value is not None}


def _json_feed_date(value: Any) -> str | None:
    try:
        parsed = parse_datetime(value)
    except MappingError:
        return None
    return parsed.isoformat() if parsed else None


def _json_author(holder: dict[str, Any]) -> str | None:
    author = holder.get("author")
    if not isinstance(author, dict):  # JSON Feed 1.1 has a list of authors
        authors = holder.get("authors")
        author = authors[0] if isinstance(authors, list) and authors else None
    return _text_field(author.get("name")) if isinstance(author, dict) else None


def _json_feed(document: dict[str, Any], name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The channel and the entries of a JSON Feed, in the same shape as the XML ones."""
    channel = {
        "title": _text_field(document.get("title")),
        "link": _text_field(document.get("home_page_url")),
        "self": _text_field(document.get("feed_url")),
        "subtitle": _text_field(document.get("description")),
        "language": _text_field(document.get("language")),
        "file": name,
    }
    entries = []
    items = document.get("items")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        item_id = item.get("id")
        html = _text_field(item.get("content_html"))
        entry = {
            "id": str(item_id) if isinstance(item_id, str | int) and not isinstance(item_id, bool) else None,
            "link": _text_field(item.get("url")),
            "external_link": _text_field(item.get("external_url")),
            "title": _text_field(item.get("title")),
            "title_type": "text/plain",
            "content": html or _text_field(item.get("content_text")),
            "content_type": "text/html" if html else "text/plain",
            "summary": _text_field(item.get("summary")),
            "author": _json_author(item) or _json_author(document),
            "published": _json_feed_date(item.get("date_published")),
            "updated": _json_feed_date(item.get("date_modified")),
            "language": _text_field(item.get("language")),
        }
        entries.append({key: value for key, value in entry.items() if value is not None})
    return {key: value for key, value in channel.items() if value is not None}, entries


def _plain(value: Any, content_type: Any) -> str | None:
    """Entry text as plain text: HTML is converted, text/plain is only trimmed."""
    if not isinstance(value, str):
        return None
    # JSON Feed summaries and descriptions are plain text; so is anything typed text/plain.
    text = value.strip() if content_type in ("text/plain", None) else html_to_text(value)
    return text or None


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host or None


def _count(value: Any) -> int | None:
    """A comment count from ``slash:comments``; feeds are messy, so junk is unknown, not an error."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _string(mapping: dict[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    if value is None or isinstance(value, str):
        return value
    raise MappingError(f"feed field {key!r} should be a string, got {type(value).__name__}")


class FeedSource(Source):
    """RSS, RDF, Atom, CDF and JSON Feed files (one feed per file, one post per entry)."""

    name: ClassVar[str] = "feed"
    platform = "blog"
    description: ClassVar[str] = (
        "Read RSS, RDF, Atom and JSON Feed files: the feed is a blog, each item a post."
    )
    numbering: ClassVar[str] = "record"

    def detect(self, sample: bytes, name: str) -> float:
        """High only when the root element is a feed element (or the JSON names its JSON Feed version)."""
        if json_sample_kind(sample) == "object":
            return 0.95 if _JSON_FEED_VERSION.search(sample[:8192]) else 0.0
        root = _root_element(_decode_sample(sample))
        if root is None:
            return 0.0
        if root in _FEED_ROOTS:
            return 0.95
        # XML with another root (an HTML page, a sitemap): feedparser might salvage something,
        # but any source that knows the format better should win.
        return 0.1

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        """Parse the whole feed and yield one record per entry, numbered from 1."""
        data = stream.read(MAX_FEED_BYTES + 1)
        if len(data) > MAX_FEED_BYTES:
            yield BadRecord(
                1, f"file is larger than {MAX_FEED_BYTES // 2**20} MiB; feeds are small documents"
            )
            return
        if json_sample_kind(data[:4096]) == "object":
            try:
                document = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                yield BadRecord(1, f"invalid JSON Feed: {exc}", data[:10_000])
                return
            if not isinstance(document, dict):
                yield BadRecord(1, "invalid JSON Feed: expected an object", data[:10_000])
                return
            channel, entries = _json_feed(document, name)
        else:
            try:
                import feedparser  # here: its import (20 ms) is not needed to detect sources

                parsed = feedparser.parse(io.BytesIO(data))
            except Exception as exc:  # feedparser is lenient; this guards only pathological input
                yield BadRecord(1, f"cannot parse feed: {type(exc).__name__}: {exc}", data[:10_000])
                return
            if parsed.get("bozo") and not parsed.entries and not parsed.feed:
                reason = parsed.get("bozo_exception")
                yield BadRecord(1, f"not a readable feed: {reason or 'unknown error'}", data[:10_000])
                return
            channel = _extract_channel(parsed.feed, name)
            entries = [_extract_entry(entry) for entry in parsed.entries]
        for number, entry in enumerate(entries, 1):
            yield RawRecord(number, entry, orjson.dumps(entry), channel)

    def map(self, record: RawRecord) -> Mapped:
        """One blog post and its blog account, rebuilt from the entry and the channel context."""
        entry = record.payload
        channel = record.context or {}
        if not isinstance(entry, dict):
            raise MappingError(f"expected a feed entry object, got {type(entry).__name__}")
        if not isinstance(channel, dict):
            raise MappingError("feed channel context should be an object")
        link = _string(channel, "link")
        self_url = _string(channel, "self")
        blog_id = link or self_url or _string(channel, "file")
        if not blog_id:
            raise MappingError("feed has no link, no self URL and no file name to identify the blog")
        blog_handle = _host(link or self_url)
        channel_language = _string(channel, "language")
        account = Account(
            platform=self.platform,
            id=blog_id,
            handle=blog_handle,
            display_name=_string(channel, "title"),
            bio=_plain(channel.get("subtitle"), channel.get("subtitle_type")),
            url=link or self_url,
            is_blog=True,
        )

        entry_link = _string(entry, "link")
        title = _plain(_string(entry, "title"), entry.get("title_type"))
        content = _string(entry, "content")
        content_type = entry.get("content_type")
        body = content if content is not None else _string(entry, "summary")
        body_type = content_type if content is not None else entry.get("summary_type")
        text = _plain(body, body_type)
        published = _string(entry, "published")
        created_at = parse_datetime(published or _string(entry, "updated"))

        post_id = _string(entry, "id") or entry_link
        if post_id is None:
            digest = hashlib.sha1(
                "\x1f".join((title or "", published or "", text or "")).encode("utf-8", "surrogatepass"),
                usedforsecurity=False,
            ).hexdigest()[:20]
            post_id = f"{blog_id}#{digest}"
        elif ":" not in post_id:
            post_id = f"{blog_id}#{post_id}"

        links: list[str] = []
        candidates = [entry_link, _string(entry, "external_link")]
        if body and body_type != "text/plain":
            candidates += html_links(body)
        for candidate in candidates:
            if candidate and candidate.startswith(("http://", "https://")) and candidate not in links:
                links.append(candidate)

        post = Post(
            platform=self.platform,
            id=post_id,
            author_id=blog_id,
            author_handle=_string(entry, "author") or blog_handle,
            text=text,
            created_at=created_at,
            lang=_string(entry, "language") or channel_language,
            reply_to_id=_string(entry, "in_reply_to"),
            links=links,
            reply_count=_count(entry.get("comments")),
            title=title,
            url=entry_link,
            community=_string(channel, "title"),
        )
        return Mapped(posts=[post], accounts=[account])
