"""Sentence pools rendered once per run, then compiled per platform.

Rendering fills the templates of :mod:`grapevine.simulate._vocab` with products, problems,
numbers and emoji into *segments*: plain text, a mention of a brand account, a hashtag or a
link. Compiling turns segments into what a platform shows: the plain text with entity offsets
(code points, as Twitter counts them) and the HTML Mastodon serves. Posts then pick a
pre-compiled sentence by their random bits, so the hot loop only concatenates strings.
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from grapevine.simulate import _vocab as V

__all__ = ["Core", "RenderedPools", "Segment", "compile_core", "render_pools", "tco"]

# A segment is plain text, or (kind, value): ("m", (role, brand)) mention, ("h", tag), ("u", url).
Segment = str | tuple[str, object]
_SLOT = re.compile(r"\{(\w+)\}")
_POOL = 40  # sentences per (pool, brand/theme, sentiment); posts add prefixes and suffixes


class Core(NamedTuple):
    """One compiled sentence: text, HTML, and entities as (value, start, end) in code points."""

    text: str
    html: str
    mentions: tuple[tuple[int, int, int], ...]  # (account index, start, end)
    tags: tuple[tuple[str, int, int], ...]
    urls: tuple[tuple[str, str, int, int], ...]  # (shown url, expanded url, start, end)


class RenderedPools(NamedTuple):
    brand_post: list[dict[int, list[list[Segment]]]]  # [brand][senti]
    brand_reply: list[dict[int, list[list[Segment]]]]
    chatter: list[dict[int, list[list[Segment]]]]  # [theme][senti]
    chatter_reply: dict[int, list[list[Segment]]]
    quote: dict[int, list[list[Segment]]]
    promo: list[list[list[Segment]]]  # [brand]
    bot_promo: list[list[list[Segment]]]
    complaint: list[dict[int, list[list[Segment]]]]  # [brand][-1|-2], no leading mention
    care: list[dict[str, list[list[Segment]]]]  # [brand][stage]


def tco(url: str) -> str:
    """A stable t.co-style short link for ``url``."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    value = zlib.crc32(url.encode()) * 7919 + len(url)
    chars = []
    for _ in range(10):
        value, r = divmod(value, 62)
        chars.append(alphabet[r])
    return "https://t.co/" + "".join(chars)


def _fill(
    rng: np.random.Generator, template: str, senti: int, brand: V.Brand | None, theme: V.Theme | None
) -> list[Segment]:
    """Fill one template; brand references become a mention, the name or a hashtag."""
    out: list[Segment] = []
    pos = 0
    for match in _SLOT.finditer(template):
        if match.start() > pos:
            out.append(template[pos : match.start()])
        pos = match.end()
        slot = match.group(1)
        pick = float(rng.random())
        if slot == "B" and brand is not None:
            b = V.BRANDS.index(brand)
            out.append(
                ("m", ("brand", b)) if pick < 0.45 else brand.name if pick < 0.85 else ("h", brand.hashtag)
            )
        elif slot == "BN" and brand is not None:
            out.append(brand.name)
        elif slot == "BH" and brand is not None:
            out.append(("h", brand.hashtag))
        elif slot == "P" and brand is not None:
            out.append(brand.products[int(pick * len(brand.products))])
        elif slot in ("X", "XC") and brand is not None:
            problem = brand.problems[int(pick * len(brand.problems))]
            out.append(problem[0].upper() + problem[1:] if slot == "XC" else problem)
        elif slot == "F" and brand is not None:
            out.append(brand.fixes[int(pick * len(brand.fixes))])
        elif slot == "D" and brand is not None:
            out.append(brand.detail)
        elif slot == "U" and brand is not None:
            out.append(("u", f"https://{brand.site}/{('offers', 'new', 'careers', 'app')[int(pick * 4)]}"))
        elif slot == "T" and theme is not None:
            out.append(theme.nouns[int(pick * len(theme.nouns))])
        elif slot == "H" and theme is not None:
            out.append(("h", theme.hashtags[int(pick * len(theme.hashtags))]))
        elif slot == "N":
            out.append(str(2 + int(pick * 6)))
        elif slot == "E":
            out.append(V.EMOJI[senti][int(pick * len(V.EMOJI[senti]))])
        else:
            raise KeyError(f"template slot {slot!r} has no value in {template!r}")
    out.append(template[pos:])
    # Merge neighbouring text, collapse the double space an empty emoji leaves, trim the end.
    merged: list[Segment] = []
    for seg in out:
        if isinstance(seg, str) and merged and isinstance(merged[-1], str):
            merged[-1] += seg
        elif seg != "":
            merged.append(seg)
    cleaned = [s.replace("  ", " ") if isinstance(s, str) else s for s in merged]
    if cleaned and isinstance(cleaned[-1], str):
        cleaned[-1] = cleaned[-1].rstrip()
    return [s for s in cleaned if s != ""]


def _pool(
    rng: np.random.Generator,
    templates: Sequence[str],
    senti: int,
    brand: V.Brand | None = None,
    theme: V.Theme | None = None,
    size: int = _POOL,
) -> list[list[Segment]]:
    picks = rng.integers(0, len(templates), size).tolist()
    return [_fill(rng, templates[i], senti, brand, theme) for i in picks]


def render_pools(rng: np.random.Generator) -> RenderedPools:
    """Render every sentence pool; deterministic for a given generator state."""
    brands, themes = V.BRANDS, V.THEMES
    by_senti = range(-2, 3)
    care = []
    for b in brands:
        stages: dict[str, list[list[Segment]]] = {
            "agent_first": _pool(rng, V.CARE_AGENT_FIRST, 0, b, size=12),
            "agent_working": _pool(rng, V.CARE_AGENT_WORKING, 0, b, size=8),
            "agent_resolve": _pool(rng, V.CARE_AGENT_RESOLVE, 0, b, size=16),
            "agent_escalation": _pool(rng, V.CARE_AGENT_ESCALATION, 0, b, size=8),
            "dm": _pool(rng, V.CARE_CUSTOMER_DM, -1, b, size=8),
            "resolved": _pool(rng, V.CARE_RESOLVED, 1, b, size=12),
        }
        for level in (1, 2, 3):
            stages[f"escalate{level}"] = _pool(rng, V.CARE_ESCALATE[level], -2, b, size=16)
        care.append(stages)
    return RenderedPools(
        brand_post=[{s: _pool(rng, V.BRAND_POST[s], s, b) for s in by_senti} for b in brands],
        brand_reply=[{s: _pool(rng, V.BRAND_REPLY[s], s, b) for s in by_senti} for b in brands],
        chatter=[{s: _pool(rng, V.CHATTER[s], s, theme=t) for s in by_senti} for t in themes],
        chatter_reply={s: _pool(rng, V.CHATTER_REPLY[s], s, size=12) for s in by_senti},
        quote={s: _pool(rng, V.QUOTE[s], s, size=12) for s in by_senti},
        promo=[_pool(rng, V.PROMO, 1, b, size=20) for b in brands],
        bot_promo=[_pool(rng, V.BOT_PROMO, 2, b, size=12) for b in brands],
        complaint=[{s: _pool(rng, V.CARE_COMPLAINT[s], s, b) for s in (-1, -2)} for b in brands],
        care=care,
    )


MentionRender = Callable[[tuple[str, int]], tuple[str, str, int] | None]


def compile_core(
    segments: list[Segment],
    mention: MentionRender,
    hashtag_html: Callable[[str], str],
    link: Callable[[str], tuple[str, str]],
) -> Core:
    """Compile segments for one platform.

    ``mention(ref)`` returns ``(shown text, html, account index)`` or ``None`` when the brand
    has no account there (the name is written instead); ``link(url)`` returns
    ``(shown text, html)``.
    """
    text: list[str] = []
    parts: list[str] = []
    mentions, tags, urls = [], [], []
    pos = 0
    for seg in segments:
        if isinstance(seg, str):
            text.append(seg)
            parts.append(html.escape(seg, quote=False))
            pos += len(seg)
            continue
        kind, value = seg
        if kind == "m":
            ref = value
            rendered = mention(ref)  # type: ignore[arg-type]
            if rendered is None:
                name = V.BRANDS[ref[1]].name  # type: ignore[index]
                text.append(name)
                parts.append(html.escape(name))
                pos += len(name)
                continue
            shown, anchor, account = rendered
            mentions.append((account, pos, pos + len(shown)))
            text.append(shown)
            parts.append(anchor)
            pos += len(shown)
        elif kind == "h":
            tag = str(value)
            tags.append((tag, pos, pos + len(tag) + 1))
            text.append("#" + tag)
            parts.append(hashtag_html(tag))
            pos += len(tag) + 1
        else:
            url = str(value)
            shown, anchor = link(url)
            urls.append((shown, url, pos, pos + len(shown)))
            text.append(shown)
            parts.append(anchor)
            pos += len(shown)
    return Core("".join(text), "".join(parts), tuple(mentions), tuple(tags), tuple(urls))
