"""CSV sources: TWCS customer-support tweets, the US airline sentiment tweets, and any CSV.

All three stream the file through :class:`~grapevine.sources._csvrows.CsvTable`: one
:class:`RawRecord` per data row, numbered by the physical line the row starts on, with the row
as a ``{column: value}`` dict and its original bytes as ``raw``. A row holding invalid UTF-8 is
kept (decoded with U+FFFD, flagged in ``context``); a row with more fields than the header, an
unterminated quoted field or a NUL byte becomes a :class:`BadRecord` with its line number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import IO, Any, ClassVar

from grapevine.models import Account, Mapped, Post
from grapevine.sources._common import (
    as_int,
    extract_hashtags,
    extract_links,
    extract_mentions,
    parse_datetime,
    parse_twitter_datetime,
)
from grapevine.sources._csvrows import (
    CsvTable,
    require_columns,
    row_from_raw,
    sample_header,
    sample_is_table,
)
from grapevine.sources._tweetids import clean_id, snowflake_time
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source, SourceError

__all__ = ["AirlineSource", "GenericCsvSource", "TwcsSource"]


def _row(record: RawRecord) -> dict[str, Any]:
    row = record.payload
    if not isinstance(row, dict):
        raise MappingError(f"expected a CSV row as a dict, got {type(row).__name__}")
    return row


def _cell(row: dict[str, Any], column: str) -> str:
    """A cell's text, ``""`` when the column is absent; a non-text value is a MappingError."""
    value = row.get(column)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MappingError(f"column {column!r} holds {type(value).__name__}, expected text")
    return value


def _text_post(
    platform: str,
    post_id: str,
    author: str | None,
    text: str | None,
    created_at: datetime | None,
    **fields: Any,
) -> Post:
    # Entities come from the text: these files carry no entity lists (the "@" / "#" / "http"
    # checks inside the extractors keep most rows off the regexes).
    return Post(
        platform=platform,
        id=post_id,
        author_id=author,
        author_handle=author,
        text=text,
        created_at=created_at,
        mentions=extract_mentions(text),
        hashtags=extract_hashtags(text),
        links=extract_links(text),
        **fields,
    )


def _content_id(prefix: str, *parts: str) -> str:
    """A stable id for a row whose own id is missing or unusable: a hash of its content."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=8)
    return f"{prefix}:{digest.hexdigest()}"


class _CsvRowSource(Source):
    """A source whose records are CSV rows from :class:`CsvTable` (header in the context)."""

    def load_raw(self, raw: bytes, context: dict[str, Any] | None) -> dict[str, str]:
        return row_from_raw(raw, context)


class TwcsSource(_CsvRowSource):
    """Customer Support on Twitter (ThoughtVector/Kaggle ``twcs.csv``, also its pandas re-saves).

    ``author_id`` is a brand's screen name (``AppleSupport``) or an anonymised customer number;
    both serve as account id and handle, since the text mentions customers by that number.
    ``inbound`` (customer vs brand) and ``response_tweet_id`` stay in the archived row.
    """

    name = "twcs"
    platform = "twitter"
    description = "Read the Customer Support on Twitter (TWCS) CSV: one post per row, replies linked."
    numbering = "line"

    _REQUIRED = ("tweet_id", "author_id", "created_at", "text")

    def detect(self, sample: bytes, name: str) -> float:
        names = sample_header(sample)
        if names and {"tweet_id", "author_id", "inbound"} <= set(names):
            return 0.95
        return 0.0

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        table = CsvTable(stream, name, ",")
        require_columns(table, self._REQUIRED, "TWCS")
        yield from table.records()

    def map(self, record: RawRecord) -> Mapped:
        row = _row(record)
        tweet_id = clean_id(_cell(row, "tweet_id"), "tweet_id")
        if tweet_id is None:
            raise MappingError("row has no tweet_id")
        author = _cell(row, "author_id").strip()
        if not author:
            raise MappingError(f"tweet {tweet_id} has no author_id")
        created = _cell(row, "created_at")
        post = _text_post(
            self.platform,
            tweet_id,
            author,
            _cell(row, "text") or None,
            parse_twitter_datetime(created) if created else None,
            reply_to_id=clean_id(_cell(row, "in_response_to_tweet_id"), "in_response_to_tweet_id"),
        )
        return Mapped(posts=[post], accounts=[Account(self.platform, author, handle=author)])


# The dataset's times were stamped in the collector's zone: the Kaggle original writes
# "2015-02-24 11:35:52 -0800", and every row's id-encoded time is 8 h after its local time.
_AIRLINE_ZONE = timezone(timedelta(hours=-8))
_EXCEL_EPOCH = datetime(1899, 12, 30)


class AirlineSource(_CsvRowSource):
    """Twitter US Airline Sentiment (CrowdFlower/Kaggle ``Tweets.csv``), also after Excel damage.

    Reads the Kaggle layout, the Excel-saved copy (``=@`` formula escapes, Excel date serials,
    ids rounded to 15 digits, a few cut-off emoji bytes) and the cleaned copy
    (``tweet_id_rounded``, ``tweet_created_local_excel_serial_decoded``).

    Ids: the rounded tweet ids are not unique and not real, so a post's id is
    ``airline:`` + a hash of author, time and text (identical for the Excel and the clean copy;
    the 155 rows that repeat another row exactly share one id). Time: taken from the id, whose
    high bits survive the rounding (exact UTC, to the millisecond); without a usable id the date
    column is read as UTC-8, the zone the dataset was stamped in. The author's screen name is
    the account id (no user ids in the data); airline, sentiment and reasons stay in the row.
    """

    name = "airline"
    platform = "twitter"
    description = "Read the Twitter US airline sentiment CSV (Kaggle, Excel-mangled or cleaned)."
    numbering = "line"

    def detect(self, sample: bytes, name: str) -> float:
        names = sample_header(sample)
        if names and "airline_sentiment" in names and "text" in names:
            return 0.95
        return 0.0

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        table = CsvTable(stream, name, ",")
        require_columns(table, ("name", "text"), "airline sentiment")
        yield from table.records()

    def map(self, record: RawRecord) -> Mapped:
        row = _row(record)
        author = _cell(row, "name").strip()
        if not author:
            raise MappingError("row has no author name")
        text = _cell(row, "text")
        if text.startswith("=@"):  # Excel's formula escaping of a text that starts with "@"
            text = text[1:]
        if not text:
            raise MappingError(f"tweet by {author} has no text")
        created = snowflake_time(_cell(row, "tweet_id") or _cell(row, "tweet_id_rounded"))
        if created is None:
            created = _airline_local_time(
                _cell(row, "tweet_created") or _cell(row, "tweet_created_local_excel_serial_decoded")
            )
        post = _text_post(
            self.platform,
            _content_id("airline", author, created.isoformat() if created else "", text),
            author,
            text,
            created,
            repost_count=as_int(_cell(row, "retweet_count")),
        )
        return Mapped(posts=[post], accounts=[Account(self.platform, author, handle=author)])


def _airline_local_time(value: str) -> datetime | None:
    """An Excel serial (``42059.4832407407``) or a date text, in the dataset's UTC-8 when naive."""
    value = value.strip()
    if not value:
        return None
    if value[0].isdigit() and value.count("-") == 0 and value.count(":") == 0:
        try:
            days = float(value)
        except ValueError:
            raise MappingError(f"invalid date {value!r:.60}") from None
        if not 1 <= days < 2_958_466:  # Excel's own range: 1900-01-01 .. 9999-12-31
            raise MappingError(f"Excel date serial out of range: {value!r:.60}")
        local = _EXCEL_EPOCH + timedelta(seconds=round(days * 86_400))
        return local.replace(tzinfo=_AIRLINE_ZONE).astimezone(UTC)
    if len(value) > 20 and value[19] == " ":  # "2015-02-24 11:35:52 -0800"
        value = value[:19] + value[20:]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MappingError(f"invalid date {value!r:.60}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_AIRLINE_ZONE)
    return parsed.astimezone(UTC)


class GenericCsvSource(_CsvRowSource):
    """Any CSV with a header row, one post per row; the options name the columns.

    Without an ``id`` column (or with an empty id cell) the id is ``csv:`` + a hash of the row's
    values, so re-importing the same rows yields the same ids. A row without text is
    quarantined. Dates may be ISO 8601, Twitter-style or Unix seconds; naive ones are UTC.
    """

    name = "csv"
    platform = "csv"
    description = "Read posts from any CSV with a header row (--option text=COLUMN ...)."
    numbering = "line"
    options: ClassVar[dict[str, str]] = {
        "text": "column holding the post text (default: text)",
        "id": "column holding the post id (default: id; hashed from the row when absent)",
        "author": "column holding the author's id or handle (default: author)",
        "created_at": "column holding the post time (default: created_at)",
        "reply_to": "column holding the id of the post replied to (default: reply_to)",
        "lang": "column holding the language code (default: lang)",
        "platform": "platform to file the posts under (default: csv)",
        "delimiter": "field separator (default: the commonest of , TAB ; | in the header)",
    }
    _COLUMN_OPTIONS = ("text", "id", "author", "created_at", "reply_to", "lang")

    def __init__(self) -> None:
        self._columns = {key: key for key in self._COLUMN_OPTIONS}
        self._explicit: frozenset[str] = frozenset()
        self._delimiter: str | None = None

    def configure(self, **options: str) -> None:
        columns = dict(self._columns)
        for key in self._COLUMN_OPTIONS:
            if key in options:
                if not options[key].strip():
                    raise SourceError(f"source 'csv': option {key!r} needs a column name")
                columns[key] = options[key].strip()
        self._columns = columns
        self._explicit = self._explicit | {k for k in options if k in self._COLUMN_OPTIONS}
        if "platform" in options:
            platform = options["platform"].strip()
            if not platform:
                raise SourceError("source 'csv': option 'platform' needs a name")
            self.platform = platform  # per-instance, set by --option
        if "delimiter" in options:
            delimiter = options["delimiter"]
            if delimiter.lower() in ("tab", "\\t"):
                delimiter = "\t"
            if len(delimiter) != 1:
                raise SourceError("source 'csv': option 'delimiter' must be one character")
            self._delimiter = delimiter

    def detect(self, sample: bytes, name: str) -> float:
        # Low on purpose: any header row fits, so every specific CSV source should win.
        return 0.2 if sample_is_table(sample) else 0.0

    def read(self, stream: IO[bytes], name: str) -> Iterator[RawRecord | BadRecord]:
        table = CsvTable(stream, name, self._delimiter)
        needed = {"text"} | self._explicit
        require_columns(table, [self._columns[k] for k in self._COLUMN_OPTIONS if k in needed], "csv")
        yield from table.records()

    def map(self, record: RawRecord) -> Mapped:
        row = _row(record)
        columns = self._columns
        text = _cell(row, columns["text"])
        if not text.strip():
            raise MappingError(f"line {record.number}: no text in column {columns['text']!r}")
        post_id = _cell(row, columns["id"]).strip()
        if not post_id:
            values = [v if isinstance(v, str) else repr(v) for v in row.values()]
            post_id = _content_id("csv", *values)
        author = _cell(row, columns["author"]).strip() or None
        reply_to = _cell(row, columns["reply_to"]).strip() or None
        post = _text_post(
            self.platform,
            post_id,
            author,
            text,
            parse_datetime(_cell(row, columns["created_at"]).strip()),
            reply_to_id=reply_to,
            lang=_cell(row, columns["lang"]).strip() or None,
        )
        accounts = [Account(self.platform, author, handle=author)] if author else []
        return Mapped(posts=[post], accounts=accounts)
