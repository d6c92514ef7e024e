"""The CSV sources (twcs, airline, generic csv) and the streaming row reader behind them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grapevine.models import Post
from grapevine.sources import _csvrows
from grapevine.sources._csvrows import CsvTable, split_fields
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source, SourceError
from grapevine.sources.csv import AirlineSource, GenericCsvSource, TwcsSource

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csv"


def read_all(source: Source, path: Path) -> list[RawRecord | BadRecord]:
    with open(path, "rb") as stream:
        return list(source.read(stream, str(path)))


def map_posts(source: Source, records: list[RawRecord | BadRecord]) -> list[Post]:
    posts: list[Post] = []
    for record in records:
        assert isinstance(record, RawRecord), getattr(record, "reason", record)
        posts.extend(source.map(record).posts)
    return posts


def sample_of(path: Path) -> bytes:
    with open(path, "rb") as stream:
        return stream.read(64 * 1024)


# --- the row reader -------------------------------------------------------------------------


def test_split_fields_follows_the_default_dialect():
    assert split_fields('a,"b,c",d') == ["a", "b,c", "d"]
    assert split_fields('"say ""hi""",x') == ['say "hi"', "x"]
    assert split_fields("a,,") == ["a", "", ""]
    assert split_fields('5" screen,x') == ['5" screen', "x"]  # a quote mid-field is literal
    assert split_fields('"ab"cd,e') == ["abcd", "e"]  # text after a closing quote is kept
    assert split_fields("x\r\ry,z") == ["x\r\ry", "z"]  # bare CR in an unquoted field


def table_records(data: bytes) -> list[RawRecord | BadRecord]:
    return list(CsvTable(io.BytesIO(data), "t.csv").records())


def test_rows_are_numbered_by_their_first_physical_line():
    records = table_records(b'h1,h2\n1,"two\nlines"\n2,x\r\n\n3,"a\r\nb\r\nc"\n4,y')
    assert [(r.number, r.payload["h1"]) for r in records if isinstance(r, RawRecord)] == [
        (2, "1"),
        (4, "2"),
        (6, "3"),
        (9, "4"),
    ]
    assert records[0].raw == b'1,"two\nlines"'
    assert records[2].payload["h2"] == "a\r\nb\r\nc"


def test_a_quote_that_never_closes_costs_only_its_own_row(monkeypatch):
    records = table_records(b'h1,h2\n1,ok\n2,"never closed\n3,x\n4,y\n')
    assert [(r.number, type(r).__name__) for r in records] == [
        (2, "RawRecord"),
        (3, "BadRecord"),
        (4, "RawRecord"),
        (5, "RawRecord"),
    ]
    assert records[1].reason == (
        "line 3: unterminated quoted field: the row starting here is still open at the end "
        "of the file; lines 4-5 were read again as rows"
    )
    assert records[1].raw == b'2,"never closed'
    monkeypatch.setattr(_csvrows, "MAX_RECORD_LINES", 2)
    data = b'h1,h2\n"a\n1,x\n2,y\n3,z\n"b\nc",4\n'
    got = [(r.number, r.payload["h1"] if isinstance(r, RawRecord) else "bad") for r in table_records(data)]
    assert got == [(2, "bad"), (3, "1"), (4, "2"), (5, "3"), (6, "b\nc")]


def test_damaged_rows_are_reported_not_raised():
    records = table_records(b"a,b\n1,2,3\nx\x00,y\n\xff\xfe,z\nshort\n")
    too_many, nul, latin, short = records
    assert isinstance(too_many, BadRecord) and "3 fields" in too_many.reason
    assert isinstance(nul, BadRecord) and "NUL" in nul.reason
    assert isinstance(latin, RawRecord) and latin.payload["a"] == "\ufffd\ufffd"
    assert latin.context == {"header": ["a", "b"], "decoding": "invalid UTF-8 replaced with U+FFFD"}
    assert isinstance(short, RawRecord) and short.payload == {"a": "short", "b": ""}


def test_rows_rebuild_from_the_archive():
    records = table_records('h1;h2\n1;"two\nlines"\n\xe9t\xe9;x\n'.encode("latin-1"))
    assert [r.context for r in records] == [
        {"header": ["h1", "h2"], "delimiter": ";"},
        {"header": ["h1", "h2"], "delimiter": ";", "decoding": "invalid UTF-8 replaced with U+FFFD"},
    ]
    for record in records:
        assert isinstance(record, RawRecord)
        assert GenericCsvSource().load_raw(record.raw, record.context) == record.payload
    with pytest.raises(MappingError, match="header"):
        GenericCsvSource().load_raw(b"1,2", None)
    with pytest.raises(MappingError, match="3 fields"):
        GenericCsvSource().load_raw(b"1,2,3", {"header": ["a", "b"]})


def test_header_problems_fail_the_file():
    with pytest.raises(SourceError, match="empty"):
        CsvTable(io.BytesIO(b"\n\n"), "empty.csv")
    with pytest.raises(SourceError, match="tweet_id"):
        read_all_bytes(TwcsSource(), b"a,b\n1,2\n")


def read_all_bytes(source: Source, data: bytes) -> list[RawRecord | BadRecord]:
    return list(source.read(io.BytesIO(data), "x.csv"))


_cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=8))
def test_reads_back_what_the_stdlib_writer_writes(rows):
    rows = [row for row in rows if any(row)]  # a row of empty cells is written as a blank line
    buffer = io.StringIO(newline="")
    # CRLF rows: with "\n" alone a cell ending in an unquoted "\r" would read as a CRLF ending
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["a", "b", "c"])
    starts = []
    for row in rows:
        starts.append(buffer.getvalue().count("\n") + 1)
        writer.writerow(row)
    records = table_records(buffer.getvalue().encode("utf-8"))
    assert [(r.number, list(r.payload.values())) for r in records if isinstance(r, RawRecord)] == list(
        zip(starts, rows, strict=True)
    )


# --- twcs -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def twcs(data_dir: Path) -> tuple[list[RawRecord | BadRecord], list[Post]]:
    records = read_all(TwcsSource(), data_dir / "twcs_slice" / "twcs_first5000.csv")
    return records, map_posts(TwcsSource(), records)


def test_twcs_reads_all_5000_tweets_without_quarantine(twcs):
    records, posts = twcs
    assert len(records) == 5000
    assert not [r for r in records if isinstance(r, BadRecord)]
    assert len({p.id for p in posts}) == 5000
    assert records[-1].number == 5310  # 190 texts span lines, so rows end past line 5001
    assert sum("\n" in (p.text or "") for p in posts) == 190


def test_twcs_keeps_the_row_with_bare_carriage_returns_whole(twcs):
    records, posts = twcs
    index = next(i for i, p in enumerate(posts) if p.id == "3399")
    post = posts[index]
    assert post.text == "@AskPayPal \r\rI just love the start of email \U0001f601 https://t.co/8u1Pf5rJoN"
    assert post.author_id == "116510"
    assert records[index].number == 2589
    assert records[index + 1].number == 2590  # the next row was not eaten either
    assert records[index].raw.startswith(b"2484,3399,116510,True,")


def test_twcs_maps_fields_and_reply_links(twcs):
    records, posts = twcs
    by_id = {p.id: p for p in posts}
    first = by_id["1"]
    assert first.author_id == first.author_handle == "sprintcare"
    assert first.reply_to_id == "3"  # written by pandas as "3.0"
    assert first.created_at == datetime(2017, 10, 31, 22, 10, 47, tzinfo=UTC)
    assert first.mentions == ["115712"]
    assert by_id["2"].reply_to_id == "1"
    assert by_id["8"].reply_to_id is None
    assert by_id["3399"].links == ["https://t.co/8u1Pf5rJoN"]
    assert sum(p.reply_to_id is not None for p in posts) == 3694
    # inbound stays in the archived row: 2,778 customer tweets, 2,222 brand tweets
    assert sum(r.payload["inbound"] == "True" for r in records) == 2778
    assert len({p.author_id for p in posts if not p.author_id.isdigit()}) == 76


def test_twcs_rows_rebuild_from_the_archive(twcs):
    records, posts = twcs
    source = TwcsSource()
    for record, post in zip(records, posts, strict=True):
        rebuilt = RawRecord(record.number, source.load_raw(record.raw, record.context), b"")
        assert source.map(rebuilt).posts == [post]


def test_twcs_map_rejects_bad_shapes():
    source = TwcsSource()
    row = {"tweet_id": "7", "author_id": "x", "created_at": "", "text": "hi"}
    assert source.map(RawRecord(2, row, b"")).posts[0].created_at is None
    for bad in (
        {**row, "tweet_id": ""},
        {**row, "tweet_id": "seven"},
        {**row, "author_id": ""},
        {**row, "created_at": "yesterday"},
        {**row, "in_response_to_tweet_id": "3.5"},
        {**row, "text": 42},
    ):
        with pytest.raises(MappingError):
            source.map(RawRecord(2, bad, b""))
    with pytest.raises(MappingError):
        source.map(RawRecord(2, ["not", "a", "dict"], b""))


# --- airline --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def airline(data_dir: Path):
    folder = data_dir / "airline_tweets"
    clean = read_all(AirlineSource(), folder / "airline_tweets_clean.csv")
    mangled = read_all(AirlineSource(), folder / "Tweets_excel_mangled.csv")
    return clean, map_posts(AirlineSource(), clean), mangled, map_posts(AirlineSource(), mangled)


def test_airline_both_copies_give_14640_posts(airline):
    clean, clean_posts, mangled, mangled_posts = airline
    assert len(clean_posts) == len(mangled_posts) == 14640
    assert not [r for r in clean + mangled if isinstance(r, BadRecord)]
    # 155 rows repeat an earlier row exactly (same rounded id, author, time and text)
    assert len({p.id for p in clean_posts}) == len({p.id for p in mangled_posts}) == 14485


def test_airline_mangled_copy_maps_like_the_clean_one(airline):
    _, clean_posts, mangled, mangled_posts = airline
    for a, b in zip(clean_posts, mangled_posts, strict=True):
        assert (a.id, a.author_id, a.text, a.created_at, a.repost_count) == (
            b.id,
            b.author_id,
            b.text,
            b.created_at,
            b.repost_count,
        )
    assert mangled[0].payload["text"] == "=@VirginAmerica What @dhepburn said."
    assert mangled_posts[0].text == "@VirginAmerica What @dhepburn said."
    # the two rows with emoji cut mid-byte are kept, with U+FFFD and a note
    flagged = [r.number for r in mangled if isinstance(r, RawRecord) and "decoding" in (r.context or {})]
    assert flagged == [8073, 13825]
    for record in mangled:
        assert isinstance(record, RawRecord)
        assert AirlineSource().load_raw(record.raw, record.context) == record.payload
    position = next(i for i, r in enumerate(mangled) if r.number == 8073)
    assert "\ufffd" in (mangled_posts[position].text or "")


def test_airline_fields(airline):
    clean, clean_posts, _, _ = airline
    first = clean_posts[0]
    assert first.id.startswith("airline:")
    assert first.author_id == first.author_handle == "cairdin"
    assert first.mentions == ["VirginAmerica", "dhepburn"]
    assert first.repost_count == 0
    # Kaggle's original stamp is "2015-02-24 11:35:52 -0800"; the id keeps the milliseconds
    assert first.created_at == datetime(2015, 2, 24, 19, 35, 52, 701000, tzinfo=UTC)
    lisaptv = next(p for r, p in zip(clean, clean_posts, strict=True) if r.payload["row"] == "136")
    assert (lisaptv.author_id, lisaptv.repost_count) == ("lisaptv", 1)
    # every time is the local column + 8 h (the column lost up to 2 s to Excel's rounding)
    for record, post in zip(clean, clean_posts, strict=True):
        local = datetime.fromisoformat(record.payload["tweet_created_local_excel_serial_decoded"])
        lag = post.created_at - local.replace(tzinfo=UTC)
        assert timedelta(hours=8) <= lag < timedelta(hours=8, seconds=3)


def test_airline_kaggle_layout_and_date_fallback():
    data = (
        b"tweet_id,airline_sentiment,name,retweet_count,text,tweet_created\n"
        b"570306133677760513,neutral,cairdin,0,@VirginAmerica What @dhepburn said.,2015-02-24 11:35:52 -0800\n"
        b",neutral,cairdin,,@VirginAmerica What @dhepburn said.,2015-02-24 11:35:52 -0800\n"
        b",neutral,cairdin,,=@VirginAmerica hi,42059.4832407407\n"
        b",neutral,,0,no author,42059.4832407407\n"
    )
    source = AirlineSource()
    records = read_all_bytes(source, data)
    with_id, without_id, serial = (source.map(r).posts[0] for r in records[:3])
    assert with_id.created_at == datetime(2015, 2, 24, 19, 35, 52, 701000, tzinfo=UTC)
    assert without_id.created_at == datetime(2015, 2, 24, 19, 35, 52, tzinfo=UTC)
    assert without_id.repost_count is None  # missing, not 0
    assert serial.created_at == datetime(2015, 2, 24, 19, 35, 52, tzinfo=UTC)
    assert serial.text == "@VirginAmerica hi"
    with pytest.raises(MappingError, match="author"):
        source.map(records[3])


def test_csv_sources_detect_their_own_files(data_dir: Path):
    twcs = sample_of(data_dir / "twcs_slice" / "twcs_first5000.csv")
    clean = sample_of(data_dir / "airline_tweets" / "airline_tweets_clean.csv")
    mangled = sample_of(data_dir / "airline_tweets" / "Tweets_excel_mangled.csv")
    assert TwcsSource().detect(twcs, "twcs.csv") == 0.95
    assert TwcsSource().detect(clean, "a.csv") == TwcsSource().detect(mangled, "a.csv") == 0.0
    assert AirlineSource().detect(clean, "a.csv") == AirlineSource().detect(mangled, "a.csv") == 0.95
    assert AirlineSource().detect(twcs, "twcs.csv") == 0.0
    for sample in (twcs, clean, mangled):
        assert GenericCsvSource().detect(sample, "x.csv") == 0.2
    assert GenericCsvSource().detect(b"id,text\n1,hello\n2,again\n", "x.csv") == 0.2
    for sample in (
        b'{"id": 1}\n',
        b"[1, 2]",
        b"0 1\n1 2\n",
        b"1,2\n3,4\n",
        b"",
        b"# Notes, in Markdown\nSome prose, with commas, here.\n",  # a heading is not a header
        b"id,text\n",  # no rows to confirm it
        b"name,text\nann\nbob\ncarol,hi,there,you\n",  # rows of the wrong width
    ):
        assert GenericCsvSource().detect(sample, "x") == 0.0
        assert TwcsSource().detect(sample, "x") == AirlineSource().detect(sample, "x") == 0.0


# --- generic csv ----------------------------------------------------------------------------


def configured() -> Source:
    return GenericCsvSource().with_options(
        text="body",
        author="user",
        id="post_id",
        created_at="date",
        reply_to="parent",
        lang="language",
        platform="forum",
    )


def map_or_reason(source: Source, record: RawRecord | BadRecord) -> Post | str:
    if isinstance(record, BadRecord):
        return record.reason
    try:
        return source.map(record).posts[0]
    except MappingError as exc:
        return str(exc)


def test_generic_csv_maps_named_columns():
    source = configured()
    records = read_all(source, FIXTURES / "posts.csv")
    assert [r.number for r in records] == [2, 3, 5, 6, 7, 9]
    p1, p2, no_text, too_many, latin, no_id = (map_or_reason(source, r) for r in records)
    assert isinstance(p1, Post) and isinstance(p2, Post) and isinstance(latin, Post)
    assert (p1.platform, p1.id, p1.author_id, p1.lang) == ("forum", "p1", "alice", "en")
    assert p1.mentions == ["bob"] and p1.hashtags == ["launch"] and p1.links == ["https://example.com/a"]
    assert p1.created_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert p2.text == 'Thanks, @alice!\r\nSee you "soon"'
    assert p2.reply_to_id == "p1"
    assert p2.created_at == datetime(2024, 5, 1, 8, 5, tzinfo=UTC)
    assert no_text == "line 5: no text in column 'body'"
    assert too_many == "line 6: 7 fields but the header has 6"
    assert latin.text == "caf\ufffd au lait"
    assert latin.created_at == datetime(2024, 5, 1, 11, 0, tzinfo=UTC)  # Unix seconds
    assert isinstance(no_id, Post) and no_id.id.startswith("csv:")
    assert no_id.created_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    again = map_or_reason(source, read_all(source, FIXTURES / "posts.csv")[-1])
    assert isinstance(again, Post) and again.id == no_id.id  # derived ids are stable
    mapped = source.map(records[0])
    assert [(a.platform, a.id, a.handle) for a in mapped.accounts] == [("forum", "alice", "alice")]


def test_generic_csv_defaults_and_options():
    source = GenericCsvSource()
    records = read_all_bytes(source, b"id,text,author\n1,hello,ann\n2,,bob\n")
    post = source.map(records[0]).posts[0]
    assert (post.platform, post.id, post.text, post.author_id) == ("csv", "1", "hello", "ann")
    with pytest.raises(MappingError, match="line 3"):
        source.map(records[1])
    with pytest.raises(SourceError, match="body"):
        read_all_bytes(source.with_options(text="body"), b"id,text\n1,x\n")
    with pytest.raises(SourceError, match="no option 'colour'"):
        source.with_options(colour="red")
    tabbed = source.with_options(delimiter="tab", author="who")
    record = read_all_bytes(tabbed, b"text\twho\nhi, there\tme\n")[0]
    assert tabbed.map(record).posts[0].author_id == "me"
    assert source.platform == "csv"  # options configure a copy
