"""The C fast path for HTML fragments gives exactly the Python reference's text, or declines.

``grapevine.sources._htmltext`` is an optional extension (built when a C compiler is present).
Wherever it returns a text, that text must equal ``_html._html_to_text_python``'s for the same
fragment: checked on generated fragments made of the pieces that matter (tags, entities,
whitespace of every kind, quotes, the letters Python folds onto ASCII), on random strings of
markup characters, and on every fragment that the real Mastodon cassettes and feeds send to
``html_to_text``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grapevine.sources import _html
from grapevine.sources._html import _html_to_text_python, html_to_text, mastodon_content, mastodon_html_links
from grapevine.sources.feeds import FeedSource
from grapevine.sources.mastodon import MastodonSource

c_html_to_text = _html._c_html_to_text
pytestmark = pytest.mark.skipif(
    c_html_to_text is None,
    reason="the C fast path was not built (no C compiler when grapevine was installed); "
    "html_to_text runs the Python reference alone",
)

# fmt: off
PIECES = [
    # block tags, in several spellings, and names that only start like one
    "<p>", "</p>", "<P>", "<p class=\"x\">", "<br>", "<br/>", "<br />", "<BR>", "<div>", "</div>",
    "<li>", "<blockquote>", "<h1>", "<h4>", "<h5>", "<tr>", "<pre>", "<p-x>", "<p_x>", "<p1>",
    "<p\u00e9>", "<l\u0131>", "<bloc\u212aquote>", "<p\n>",
    # inline tags, anchors, unusual markup
    "<span>", "</span>", "<a href=\"https://x.example/a?b=1&amp;c=2\">", "</a>",
    "<a href=\"u\" class=\"u-url mention\">", "<a title=\"a>b\">", "<a title='a>b'>", "<b>", "</b>",
    "<!-- c -->", "<!DOCTYPE html>", "<?xml?>", "<script>", "</script>", "<style>", "<Script>",
    "<\u017fcript>",
    # anchors: links, mentions and hashtags, as mastodon_html_links tells them apart
    '<a href="https://a.example/x">', "<a href='https://b.example/y' rel=\"me\">", '<A HREF = "https://c.example">',
    '<a href="https://m.example/@u" class="u-url mention">', '<a class="mention hashtag" href="https://m.example/tags/t">',
    '<a\thref="t">', '<a href="">', '<a href="u&amp;v">', '<a href="u&eacute;">', '<a xhref="z">',
    '<a data-href="q" href="r">', '<a href="unclosed>', 'class="u-url mention"', 'class="mention hashtag"',
    'mention"', '"mention ', "<a ",
    # stray markup characters
    "<", ">", "</", "< p>", "<3", "<a", "\"", "'", "\">", "'>", "=",
    # entities: the five handled, and others the reference decodes
    "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;", "&amp", "&#x27;", "&#128512;", "&eacute;",
    "&", "&;", "&#;",
    # whitespace of every kind
    " ", "  ", "\t", "\n", "\n\n", "\r\n", "\f", "\v", "\xa0", "\u3000", "\u2028", "\x1c", "\x85",
    # text
    "a", "word", "caf\u00e9", "\U0001f600", "\u05e9\u05dc\u05d5\u05dd", "x_y",
]
# fmt: on

fragments = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)
markup_noise = st.text(alphabet="<>/&;#pbrPa= \t\n\"'x", max_size=40)


def assert_agrees(markup: str) -> str | None:
    """Both C functions give what the reference gives, or decline; returns the C text."""
    fast = c_html_to_text(markup)
    if fast is not None:
        assert fast == _html_to_text_python(markup), markup
    both = _html._c_mastodon_content(markup)  # type: ignore[misc]
    if both is not None:
        assert both == (_html_to_text_python(markup), mastodon_html_links(markup)), markup
        assert fast is not None
    return fast


@settings(max_examples=3000, deadline=None)
@given(fragments)
def test_fast_path_matches_the_reference_on_generated_fragments(markup: str) -> None:
    assert_agrees(markup)


@settings(max_examples=2000, deadline=None)
@given(markup_noise)
def test_fast_path_matches_the_reference_on_random_markup(markup: str) -> None:
    assert_agrees(markup)


@given(st.text(max_size=60))
def test_fast_path_matches_the_reference_on_any_text(markup: str) -> None:
    assert_agrees(markup)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>Good progress on recycling today</p>", "Good progress on recycling today"),
        (
            '<p>Spent the day on travel. <a href="https://m.example/tags/travel" class="mention hashtag" '
            'rel="tag">#<span>travel</span></a></p>',
            "Spent the day on travel. #travel",
        ),
        ("<p>a  b\tc</p><p>  </p><p>d&amp;e &lt;b&gt;</p>", "a b c\nd&e <b>"),
        ("x<br><br>y<br />z", "x\ny\nz"),
        ("<P>Upper</P><BR>x", "Upper\nx"),
        ("plain &amp; text  ", "plain & text"),
        ("<p>1 < 2 and 3 > 2</p>", "1 < 2 and 3 > 2"),
        ("<p>it&#39;s &quot;fine&quot;</p>", 'it\'s "fine"'),
        (
            "<p>caf\u00e9 \U0001f600</p><p>\u05e9\u05dc\u05d5\u05dd</p>",
            "caf\u00e9 \U0001f600\n\u05e9\u05dc\u05d5\u05dd",
        ),
        ("", ""),
    ],
)
def test_fast_path_handles_usual_markup(markup: str, text: str) -> None:
    """It takes the usual fragments itself (a fast path that always declined would pass the rest)."""
    assert c_html_to_text(markup) == text
    assert _html_to_text_python(markup) == text


@pytest.mark.parametrize(
    "markup",
    [
        "<p>caf&eacute;</p>",  # an entity it does not decode
        "<!-- c --><p>x</p>",  # a comment
        "<p>a<script>x</script></p>",
        '<p><a title="a>b">t</a></p>',  # ">" in a quoted value
        "<p>a\xa0b</p>",  # whitespace beyond ASCII
        "<l\u0131>x",  # a letter that IGNORECASE folds onto "i"
    ],
)
def test_fast_path_declines_what_it_does_not_do(markup: str) -> None:
    assert c_html_to_text(markup) is None
    assert html_to_text(markup) == _html_to_text_python(markup)


def test_non_strings_are_declined() -> None:
    assert c_html_to_text(b"<p>x</p>") is None  # type: ignore[arg-type]


def _fragments_sent_by(read_and_map: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []

    def recording(markup: str) -> str | None:
        seen.append(markup)
        return c_html_to_text(markup)

    monkeypatch.setattr(_html, "_c_html_to_text", recording)
    read_and_map()
    return seen


def _collect_html(value: Any, into: set[str]) -> None:
    if isinstance(value, dict):
        for key in ("content", "note", "value", "spoiler_text"):
            if isinstance(value.get(key), str):
                into.add(value[key])
        for item in value.values():
            _collect_html(item, into)
    elif isinstance(value, list):
        for item in value:
            _collect_html(item, into)


def test_fast_path_matches_the_reference_on_real_payloads(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassettes = data_dir / "payloads" / "mastodon" / "mastodon_py_cassettes"
    feeds = data_dir / "payloads" / "rss_atom"
    if not cassettes.is_dir() or not feeds.is_dir():
        pytest.skip(f"Mastodon cassettes or feeds not found under {data_dir / 'payloads'}")

    def map_everything() -> None:
        for source, files in (
            (MastodonSource(), sorted(cassettes.glob("*.json"))),
            (FeedSource(), sorted(p for p in feeds.rglob("*") if p.is_file() and p.suffix != ".md")),
        ):
            for path in files:
                try:
                    records = list(source.read(io.BytesIO(path.read_bytes()), path.name))
                except Exception:  # a feed the source refuses as a whole
                    continue
                for record in records:
                    try:
                        source.map(record)  # type: ignore[arg-type]
                    except Exception:  # bad records are tested elsewhere
                        continue

    fragments = set(_fragments_sent_by(map_everything, monkeypatch))
    for path in cassettes.glob("*.json"):  # and every HTML field, mapped or not
        _collect_html(orjson.loads(path.read_bytes()), fragments)
    print(f"{len(fragments)} fragments")
    assert len(fragments) > 100
    handled = [markup for markup in fragments if assert_agrees(markup) is not None]
    print(f"{len(handled)} handled")
    assert len(handled) > len(fragments) // 2, f"the fast path took only {len(handled)} of {len(fragments)}"


def test_simulated_statuses_are_all_handled(tmp_path: Path) -> None:
    from grapevine.simulate import simulate_world

    simulate_world(tmp_path / "world", people=200, days=3, seed=3)
    contents = [
        status["content"]
        for path in (tmp_path / "world" / "mastodon").glob("*.jsonl")
        for line in path.read_bytes().splitlines()
        for status in [orjson.loads(line)]
        if status.get("content")
    ]
    assert contents
    assert all(assert_agrees(markup) is not None for markup in contents)


@pytest.mark.parametrize(
    ("markup", "links"),
    [
        (
            '<p>see <a href="https://a.example/x?b=1&amp;c=2" rel="nofollow">this</a></p>',
            ["https://a.example/x?b=1&c=2"],
        ),
        (
            '<p><a href="https://m.example/@u" class="u-url mention">@u</a> '
            '<a href="https://m.example/tags/t" class="mention hashtag">#t</a></p>',
            [],
        ),
        (
            "<p><a href='https://b.example'>b</a> <a href='https://b.example'>again</a></p>",
            ["https://b.example"],
        ),
        ("<p>no anchors</p>", []),
    ],
)
def test_mastodon_content_takes_text_and_links_in_one_call(markup: str, links: list[str]) -> None:
    both = _html._c_mastodon_content(markup)  # type: ignore[misc]
    assert both is not None and both[1] == links == mastodon_html_links(markup)
    assert mastodon_content(markup) == (_html_to_text_python(markup), links)
