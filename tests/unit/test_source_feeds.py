"""FeedSource on feedparser's own test feeds (RSS, RDF, Atom, CDF, JSON Feed) and hand-made ones."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from grapevine.models import Account, Post
from grapevine.sources.base import BadRecord, MappingError, RawRecord
from grapevine.sources.feeds import FeedSource

SOURCE = FeedSource()


def read_path(path: Path) -> list[RawRecord | BadRecord]:
    with path.open("rb") as stream:
        return list(SOURCE.read(stream, path.name))


def read_bytes(data: bytes, name: str = "feed.xml") -> list[RawRecord | BadRecord]:
    return list(SOURCE.read(io.BytesIO(data), name))


def only_entry(records: list[RawRecord | BadRecord]) -> tuple[Post, Account]:
    assert len(records) == 1
    record = records[0]
    assert isinstance(record, RawRecord)
    mapped = SOURCE.map(record)
    (post,) = mapped.posts
    (account,) = mapped.accounts
    return post, account


@pytest.fixture(scope="module")
def feeds_dir(data_dir: Path) -> Path:
    folder = data_dir / "payloads" / "rss_atom" / "feedparser_tests"
    if not folder.is_dir():
        pytest.skip("feedparser test feeds not present")
    return folder


def test_every_test_feed_reads_and_maps(feeds_dir: Path) -> None:
    with_entries, without, entries = 0, 0, 0
    bad: list[str] = []
    for path in sorted(p for p in feeds_dir.rglob("*") if p.is_file()):
        records = read_path(path)
        good = [record for record in records if isinstance(record, RawRecord)]
        bad += [str(path.relative_to(feeds_dir)) for record in records if isinstance(record, BadRecord)]
        for record in good:
            assert [post.platform for post in SOURCE.map(record).posts] == ["blog"]
        with_entries += bool(good)
        without += not good
        entries += len(good)
    # Most of feedparser's cases test one channel element and have no item at all.
    assert (with_entries, without, entries) == (612, 494, 622)
    assert bad == [
        "encoding/bozo_bogus_encoding.xml",
        "illformed/aaa_illformed.xml",
        "illformed/rss_empty_document.xml",
    ]


def test_atom_entry_field_by_field(feeds_dir: Path) -> None:
    records = read_path(feeds_dir / "wellformed/namespace/atomthreadingwithentry.xml")
    post, blog = only_entry(records)
    assert post.id == "tag:blogger.com,1999:blog-893591374313312737.post-4788628857625737701"
    assert post.platform == "blog"
    assert post.author_id == blog.id == "http://salmon-test.blogspot.com/2009/10/test-post.html"
    assert post.author_handle == "John"
    assert post.title == "bloffo bliff by te..."
    assert post.text == "bloffo bliff by te..."
    assert post.created_at == datetime(2009, 12, 9, 0, 59, 2, tzinfo=UTC)  # 16:59:02-08:00
    assert post.reply_to_id == "tag:blogger.com,1999:blog-893591374313312737.post-3861663258538857954"
    permalink = "http://salmon-test.blogspot.com/2009/10/test-post.html?showComment=1260320342544#c4788628857625737701"
    assert post.url == permalink
    assert post.links == [permalink, "http://example.org/profile/te..."]
    assert post.community == "Comments on salmon-test: Test post"
    assert (post.like_count, post.reply_count, post.lang) == (None, None, None)
    assert blog.handle == "salmon-test.blogspot.com"
    assert blog.display_name == "Comments on salmon-test: Test post"
    assert blog.url == blog.id and blog.is_blog is True
    assert records[0].context is not None
    assert records[0].context["self"] == (
        "http://www.blogger.com/feeds/893591374313312737/3861663258538857954/comments/default"
    )


def test_rss2_entry_field_by_field(feeds_dir: Path) -> None:
    post, blog = only_entry(read_path(feeds_dir / "wellformed/namespace/rss2.0noNSwithModules.xml"))
    link = "http://www.pocketsoap.com/weblog/rssTests/rss2.0noNSwithModules.xml"
    assert post.id == post.url == link  # no guid: the link identifies the item
    assert post.links == [link]
    assert post.title == "Test Item - RSS 2.0 no NS"
    assert post.text is not None
    assert post.text.startswith("This is a fairly standard RSS 2.0 feed, it uses a few modules")
    assert post.text.endswith("(RSS 2.0 no NS)")
    assert post.created_at == datetime(2002, 9, 28, 20, 1, 19, tzinfo=UTC)  # dcterms:created
    assert post.lang == "en-gb"  # inherited from the channel
    assert post.author_handle == "www.pocketsoap.com"
    assert blog.id == "http://www.pocketsoap.com/rssTests/rss2.0noNSwithModules.xml"
    assert (
        blog.bio == "A set of test RSS files for examining the state of extension support in RSS aggregators"
    )
    assert blog.display_name == "RSS Tests - RSS2.0 no NS"


def test_rdf_entry_and_entry_language(feeds_dir: Path) -> None:
    post, blog = only_entry(read_path(feeds_dir / "wellformed/namespace/rss1.0withModules.xml"))
    assert post.id == "http://www.pocketsoap.com/weblog/rssTests/rss1.0withModules.xml#1"
    assert post.title == "Test Item - RSS 1.0"
    assert post.lang == "en-gb"  # dc:language
    assert blog.id == "http://www.pocketsoap.com/rssTests/rss1.0withModules.xml"
    post, _ = only_entry(read_path(feeds_dir / "wellformed/lang/item_fullitem_xml_lang.xml"))
    assert (post.text, post.lang) == ("Example content", "en")


def test_incomplete_cdata_keeps_channel_and_entry(feeds_dir: Path) -> None:
    records = read_path(feeds_dir / "illformed/rss_incomplete_cdata.xml")
    post, blog = only_entry(records)  # feedparser flags it bozo; the entry is kept anyway
    assert (blog.id, blog.handle, blog.display_name) == (
        "http://adcdefgh.com",
        "adcdefgh.com",
        "can feedparser read this xml",
    )
    assert blog.bio == "feedparser goes into infinite loop while parsing this file"
    assert post.author_id == blog.id
    assert post.lang == "en-us"
    assert post.id.startswith("http://adcdefgh.com#")  # nothing to identify it but a hash
    assert post.title is None and post.text is None


def test_undeclared_charsets_are_detected(feeds_dir: Path) -> None:
    pytest.importorskip("chardet", reason="feedparser guesses undeclared charsets only with chardet")
    post, _ = only_entry(read_path(feeds_dir / "illformed/chardet/koi8r.xml"))
    assert post.title == "Как пережить новогоднюю ночь"
    assert post.text is not None and post.text.startswith("Наверное, единственное")
    post, _ = only_entry(read_path(feeds_dir / "illformed/chardet/shiftjis.xml"))
    assert post.title == "DrecomRSSに記事投稿が反映されない…"


def test_declared_charset_decodes(feeds_dir: Path) -> None:
    post, _ = only_entry(read_path(feeds_dir / "encoding/euc-kr-item.xml"))
    assert post.text == "\ub144"


def test_utf16_and_utf32_feeds(feeds_dir: Path) -> None:
    for path in sorted((feeds_dir / "encoding").glob("utf*")):
        assert SOURCE.detect(path.read_bytes(), path.name) >= 0.9, path
        assert read_path(path) == []  # empty <rss/> documents: no entries, no error
    item = "<item><title>Café ☕ crème</title><link>https://cafe.example/1</link></item>"
    document = f'<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Café</title>{item}</channel></rss>'
    for data in (document.encode("utf-16"), document.encode("utf-16-be"), ("\n" + document).encode("utf-32")):
        assert SOURCE.detect(data, "cafe.xml") >= 0.9
        post, blog = only_entry(read_bytes(data))
        assert (post.title, post.id, blog.display_name) == ("Café ☕ crème", "https://cafe.example/1", "Café")


def test_json_feed(feeds_dir: Path) -> None:
    path = feeds_dir / "json/example.json"
    assert SOURCE.detect(path.read_bytes(), path.name) >= 0.9
    records = read_path(path)
    assert [record.number for record in records] == [1, 2]
    second, blog = SOURCE.map(records[0]).posts[0], SOURCE.map(records[0]).accounts[0]
    first = SOURCE.map(records[1]).posts[0]
    assert (blog.id, blog.handle, blog.display_name) == (
        "https://example.org/",
        "example.org",
        "My Example Feed",
    )
    assert second.id == "https://example.org/#2"  # a bare "2" is unique only within its feed
    assert (second.title, second.text, second.author_handle) == ("post 2", "This is a second item.", "me")
    assert second.url == "https://example.org/second-item"
    assert (first.text, first.author_handle, first.title) == ("Hello, world!", "you", None)
    assert orjson.loads(records[1].raw)["content_type"] == "text/html"


def test_slash_comments_and_content_over_summary() -> None:
    feed = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Brand blog</title><link>https://blog.example.com/</link><language>de</language>
<item><guid isPermaLink="false">42</guid><title>Launch &amp; more</title>
<description>Short teaser</description>
<content:encoded><![CDATA[<p>Full text with <a href="https://shop.example.com/x">a link</a>.</p><p>Second &amp; last.</p>]]></content:encoded>
<pubDate>Tue, 10 Jun 2003 04:00:00 +0200</pubDate><slash:comments>17</slash:comments></item>
<item><title>No date</title><slash:comments>lots</slash:comments></item>
</channel></rss>"""
    records = read_bytes(feed)
    launch = SOURCE.map(records[0]).posts[0]
    assert launch.id == "https://blog.example.com/#42"
    assert launch.title == "Launch & more"
    assert launch.text == "Full text with a link.\nSecond & last."
    assert launch.links == ["https://shop.example.com/x"]
    assert launch.reply_count == 17
    assert launch.created_at == datetime(2003, 6, 10, 2, 0, tzinfo=UTC)
    assert launch.lang == "de"
    undated = SOURCE.map(records[1]).posts[0]
    assert (undated.created_at, undated.reply_count) == (None, None)
    assert undated.id.startswith("https://blog.example.com/#")


def test_detection_is_specific(data_dir: Path, feeds_dir: Path) -> None:
    feed_files = [path for path in sorted(feeds_dir.rglob("*")) if path.is_file()]
    unsure = [path.name for path in feed_files if SOURCE.detect(path.read_bytes()[:65536], path.name) < 0.9]
    assert unsure == ["rss_empty_document.xml"]  # only an XML comment, no element at all
    others = [
        path
        for path in sorted((data_dir / "payloads").rglob("*"))
        if path.is_file() and "rss_atom" not in path.parts and path.suffix != ".md"
    ]
    assert len(others) > 100
    claimed = [path for path in others if SOURCE.detect(path.read_bytes()[:65536], path.name) > 0.3]
    assert claimed == []
    assert SOURCE.detect(b"<!DOCTYPE html><html><body>hi</body></html>", "page.html") < 0.3
    assert SOURCE.detect(b'{"version": "1.0", "items": []}', "x.json") == 0.0


def test_broken_input_never_raises() -> None:
    for data in (b"", b"\x00\xff\xfe garbage", b"<rss><channel><item><title>x", b"{not json", b"[1, 2]"):
        for record in read_bytes(data):
            if isinstance(record, RawRecord):
                SOURCE.map(record)
    (bad,) = read_bytes(b"{not json", "feed.json")
    assert isinstance(bad, BadRecord) and "JSON" in bad.reason


@pytest.mark.parametrize(
    ("payload", "context"),
    [
        ("entry", {"link": "https://b.example/"}),
        ({"title": "x"}, {}),
        ({"title": 5}, {"link": "https://b.example/"}),
        ({"title": "x"}, {"link": ["https://b.example/"]}),
        ({"published": "not a date"}, {"link": "https://b.example/"}),
    ],
)
def test_bad_records_raise_mapping_error(payload: object, context: dict[str, object]) -> None:
    with pytest.raises(MappingError):
        SOURCE.map(RawRecord(1, payload, b"", context))
