"""Plain text and links from HTML fragments: Mastodon content and notes, feed summaries, bios.

``html.parser`` costs about 35 µs for a typical status, more than everything else a status maps
to, and it slows down badly on hostile markup (100 s on ``"<!--" + "<a " * 30000``). Most
fragments are a small, regular subset of HTML (``<p>``, ``<br>``, ``<a>``, ``<span>``), so here:

- a single plain paragraph is sliced out directly;
- usual markup goes through two compiled regexes (block tags to newlines, then any tag away),
  run only up to the last ``>`` so that a flood of unclosed ``<`` cannot make them quadratic;
- anything else (comments, scripts, styles, ``>`` inside quoted attributes) goes through a
  linear scanner written with ``str.find``.

All three give the same text as an ``html.parser`` extraction on ordinary markup (the tests check
this on every HTML fragment of the recorded cassettes), in time linear in the input.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_c_html_to_text: Callable[[str], str | None] | None
_c_mastodon_content: Callable[[str], tuple[str, list[str]] | None] | None
try:  # the C fast path (_htmltext.c), built by `pip install` when a C compiler is there
    from grapevine.sources._htmltext import html_to_text as _c_html_to_text
    from grapevine.sources._htmltext import mastodon_content as _c_mastodon_content
except ImportError:  # pragma: no cover - installed without a C compiler: the reference alone
    _c_html_to_text = _c_mastodon_content = None

__all__ = [
    "html_links",
    "html_to_text",
    "mastodon_content",
    "mastodon_html_links",
    "mastodon_html_to_text",
    "strip_quote_inline",
]

_BLOCKS = frozenset({"p", "br", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "tr"})
_UNUSUAL_MARKUP = re.compile(r"<(?:!|\?|script|style)", re.IGNORECASE)
_BLOCK_START = re.compile(r"<(?:p|br|div|li|blockquote|h[1-4]|tr)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
_TAG_END = re.compile(r"""[>"']""")
_ANCHOR = re.compile(r"<a\s([^>]*)>", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]{2,}|[\t\r\f\v]")  # only the runs that change
_BLANK_LINES = re.compile(r"\n\s*\n+")
_MENTION_CLASS = 'class="u-url mention"'
_HASHTAG_CLASS = 'class="mention hashtag"'
_QUOTE_INLINE = 'class="quote-inline"'


def _collapse_spaces(text: str) -> str:
    # The substring tests are several times cheaper than the regex, which rarely finds anything.
    if "  " in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        return _SPACES.sub(" ", text)
    return text


def _normalize(text: str) -> str:
    """Collapse spaces, drop blank lines and trim every line, as ``html_to_text`` does."""
    text = text.strip()
    if "\n" not in text:
        return _collapse_spaces(text)
    text = _BLANK_LINES.sub("\n", _collapse_spaces(text))
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _tag_end(markup: str, start: int) -> int:
    """The index of the ``>`` closing the tag whose attributes start at ``start``, or -1."""
    while True:
        found = _TAG_END.search(markup, start)
        if found is None:
            return -1
        if found.group() == ">":
            return found.start()
        close = markup.find(found.group(), found.end())
        if close < 0:
            return -1
        start = close + 1


def _scan_text(markup: str) -> str:
    """Strip tags in one linear pass: comments, scripts and styles go, block tags become newlines."""
    parts: list[str] = []
    lowered = markup.lower()
    pos = 0
    while True:
        lt = markup.find("<", pos)
        if lt < 0:
            parts.append(markup[pos:])
            break
        parts.append(markup[pos:lt])
        if markup.startswith("<!--", lt):
            end = markup.find("-->", lt + 4)
            pos = len(markup) if end < 0 else end + 3
            continue
        tag = _TAG_NAME.match(markup, lt)
        if tag is None:
            if markup.startswith(("<!", "<?"), lt):  # a doctype or processing instruction
                end = markup.find(">", lt)
                pos = len(markup) if end < 0 else end + 1
            else:
                parts.append("<")  # a "<" that starts no tag is text
                pos = lt + 1
            continue
        end = _tag_end(markup, tag.end())
        if end < 0:
            parts.append(markup[lt:])  # an unclosed tag at the end is kept as text
            break
        closing, name = tag.group(1), tag.group(2).lower()
        pos = end + 1
        if closing:
            continue
        if name in ("script", "style"):
            close = lowered.find("</" + name, pos)
            pos = len(markup) if close < 0 else close
        elif name in _BLOCKS:
            parts.append("\n")
    return html.unescape("".join(parts))


def _may_be_unusual(markup: str) -> bool:
    """False when ``_UNUSUAL_MARKUP`` cannot match (checked with cheap substring tests first)."""
    return "<!" in markup or "<?" in markup or "<s" in markup or "<S" in markup


def html_to_text(markup: str | None) -> str | None:
    """Plain text of an HTML fragment: paragraphs and line breaks become newlines, entities decode."""
    if markup is None:
        return None
    if _c_html_to_text is not None:
        text = _c_html_to_text(markup)
        if text is not None:
            return text
    return _html_to_text_python(markup)


def _html_to_text_python(markup: str) -> str:
    """The reference for :func:`html_to_text`, which the C fast path must match exactly."""
    if "<" not in markup:
        return (html.unescape(markup) if "&" in markup else markup).strip()
    if markup.startswith("<p>") and markup.endswith("</p>") and markup.count("<") == 2:
        inner = markup[3:-4]  # one plain paragraph: the most common status and bio
        return _normalize(html.unescape(inner) if "&" in inner else inner)
    if _may_be_unusual(markup) and _UNUSUAL_MARKUP.search(markup):
        return _normalize(_scan_text(markup))
    # Regexes only up to the last ">": a "<" after it starts no tag, and scanning on from
    # each such "<" to the end is what would make a flood of them quadratic.
    cut = markup.rfind(">") + 1
    text = _ANY_TAG.sub("", _BLOCK_START.sub("\n", markup[:cut]))
    if '">' in text or "'>" in text:
        return _normalize(_scan_text(markup))  # a quoted attribute value held a ">"
    text += markup[cut:]
    return _normalize(html.unescape(text) if "&" in text else text)


mastodon_html_to_text = html_to_text


def mastodon_content(markup: str) -> tuple[str, list[str]]:
    """``(mastodon_html_to_text(markup), mastodon_html_links(markup))``, in one C call when it can."""
    if _c_mastodon_content is not None:
        both = _c_mastodon_content(markup)
        if both is not None:
            return both
    return _html_to_text_python(markup), mastodon_html_links(markup)


def mastodon_html_links(markup: str | None) -> list[str]:
    """The ``href`` targets of the anchors in Mastodon HTML, without mentions and hashtags."""
    return html_links(markup, skip_mentions=True)


def html_links(markup: str | None, skip_mentions: bool = False) -> list[str]:
    """The ``href`` targets of the anchors in an HTML fragment, in order, without repeats.

    ``skip_mentions`` leaves out Mastodon's mention and hashtag anchors.
    """
    if not markup or "<a" not in markup:
        return []
    if skip_mentions:
        anchors = markup.count("<a ")
        if anchors and anchors == markup.count(_MENTION_CLASS) + markup.count(_HASHTAG_CLASS):
            return []  # the usual case: every anchor is a mention or a hashtag
    links: list[str] = []
    for attributes in _ANCHOR.findall(markup, 0, markup.rfind(">") + 1):
        if skip_mentions and ('mention"' in attributes or '"mention ' in attributes):
            continue  # class="u-url mention" (a mention) or class="mention hashtag"
        href = _HREF.search(attributes)
        if href:
            target = href.group(1) if href.group(1) is not None else href.group(2)
            if target:
                links.append(html.unescape(target) if "&" in target else target)
    return list(dict.fromkeys(links)) if len(links) > 1 else links


def strip_quote_inline(markup: str) -> str:
    """Drop the ``<p class="quote-inline">RE: <link></p>`` that Mastodon 4.4 adds for old clients."""
    parts: list[str] = []
    pos = search = 0
    while True:
        marker = markup.find(_QUOTE_INLINE, search)
        if marker < 0:
            break
        search = marker + len(_QUOTE_INLINE)
        opening = markup.rfind("<", max(pos, marker - 100), marker)
        if opening < 0 or not markup.startswith("<p", opening) or markup.find(">", opening, marker) >= 0:
            continue  # the class is not on a <p> tag
        closing = markup.find("</p>", marker)
        if closing < 0:
            break
        parts.append(markup[pos:opening])
        pos = search = closing + 4
    if not parts:
        return markup
    parts.append(markup[pos:])
    return "".join(parts)
