"""RSS 2.0 feeds for the people who blog: one file per blogger under ``OUT/blogs``.

Items are drawn for all bloggers together and sorted by time, so an item can link to an
earlier item of another blogger (mostly from the same community), the way blogs cite each
other. Items about a brand carry the author's persistent opinion and link the brand's site.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from grapevine.simulate._engine import senti_class
from grapevine.simulate._people import People
from grapevine.simulate._text import RenderedPools, Segment, compile_core
from grapevine.simulate._truth import blog_slug
from grapevine.simulate._vocab import BLOG_TITLE, BRANDS, THEMES

__all__ = ["write_blogs"]

_CHATTER_TITLES = ("Notes on {T}", "A weekend of {T}", "Thoughts on {T}", "What I learned about {T}")
_SLUG = re.compile(r"[^a-z0-9]+")


def _plain(segments: list[Segment], cache: dict[int, str]) -> str:
    """A sentence as blog HTML: brands by name, hashtags as text, links as anchors."""
    got = cache.get(id(segments))
    if got is None:
        got = cache[id(segments)] = compile_core(
            segments,
            lambda ref: None,
            lambda tag: "#" + tag,
            lambda url: (url, f'<a href="{html.escape(url)}">{html.escape(url)}</a>'),
        ).html
    return got


def write_blogs(
    out: Path,
    rng: np.random.Generator,
    people: People,
    pools: RenderedPools,
    items: int,
    start_ms: int,
    end_ms: int,
) -> list[Path]:
    """Write ``items`` blog items spread over the bloggers; return the feed paths."""
    bloggers = np.flatnonzero(people.blog & np.array([bool(w) for w in people.website]))
    folder = out / "blogs"
    folder.mkdir(parents=True, exist_ok=True)
    if not len(bloggers) or items <= 0:
        return []
    weight = people.activity[bloggers] / people.activity[bloggers].sum()
    counts = rng.multinomial(max(0, items - len(bloggers)), weight) + 1
    while counts.sum() > items:  # fewer items than bloggers: the least active blog nothing
        counts[np.argmax(counts)] -= 1
    owner = np.repeat(bloggers, counts)
    t = rng.integers(start_ms, end_ms, len(owner))
    order = np.lexsort((owner, t))
    owner, t = owner[order], t[order]
    n = len(owner)
    about = rng.random(n) < 0.7
    u = rng.random(n)
    brand = (u[:, None] > people.brand_cum[owner]).sum(axis=1)
    senti = senti_class(people.opinion[owner, brand] + rng.normal(0.0, 0.3, n))
    pick = rng.integers(0, 1 << 30, (n, 4))
    cite = np.floor(rng.random(n) * np.arange(n)).astype(np.int64)  # an earlier item
    cite_ok = (np.arange(n) > 0) & (rng.random(n) < 0.6) & (owner[cite] != owner)

    cache: dict[int, str] = {}  # pools live for the whole run, so their ids are stable keys
    urls: list[str] = []
    titles: list[str] = []
    bodies: list[str] = []
    for i in range(n):
        p = int(owner[i])
        theme = THEMES[int(people.theme[p])]
        day = datetime.fromtimestamp(int(t[i]) / 1000, tz=UTC)
        r = pick[i].tolist()
        paragraphs = []
        if about[i]:
            b, s = int(brand[i]), int(senti[i])
            title = BLOG_TITLE[s][r[0] % len(BLOG_TITLE[s])].format(
                BN=BRANDS[b].name, P=BRANDS[b].products[r[1] % len(BRANDS[b].products)]
            )
            pool = pools.brand_post[b][s]
            paragraphs += [_plain(pool[r[2] % len(pool)], cache), _plain(pool[r[3] % len(pool)], cache)]
            site = f"https://{BRANDS[b].site}"
            paragraphs.append(f'More at <a href="{site}">{html.escape(BRANDS[b].name)}</a>.')
        else:
            s = int(senti[i])
            title = _CHATTER_TITLES[r[0] % len(_CHATTER_TITLES)].format(
                T=theme.nouns[r[1] % len(theme.nouns)]
            )
            pool = pools.chatter[int(people.theme[p])][s]
            paragraphs += [_plain(pool[r[2] % len(pool)], cache), _plain(pool[r[3] % len(pool)], cache)]
        if cite_ok[i]:
            j = int(cite[i])
            other = people.name(int(owner[j]))
            paragraphs.append(
                f'As <a href="{urls[j]}">{html.escape(other)} wrote recently</a>, worth a read.'
            )
        slug = _SLUG.sub("-", title.lower()).strip("-")
        urls.append(f"{people.website[p]}/{day:%Y/%m/%d}/{slug}-{i}/")
        titles.append(title)
        bodies.append("".join(f"<p>{x}</p>" for x in paragraphs))

    paths = []
    built = format_datetime(datetime.fromtimestamp(end_ms / 1000, tz=UTC))
    by_owner: dict[int, list[int]] = {}
    for i, p in enumerate(owner.tolist()):
        by_owner.setdefault(p, []).append(i)
    for p in sorted(by_owner):
        site = people.website[p]
        name = people.name(p)
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">',
            "<channel>",
            f"<title>{escape(name)}'s blog</title>",
            f"<link>{escape(site)}/</link>",
            f"<description>{escape(people.bio_phrase[p])} Writing by {escape(name)}.</description>",
            "<language>en</language>",
            f"<lastBuildDate>{built}</lastBuildDate>",
            f'<atom:link href="{escape(site)}/feed.xml" rel="self" type="application/rss+xml"/>',
        ]
        for i in reversed(by_owner[p]):  # newest first, as feeds are
            when = format_datetime(datetime.fromtimestamp(int(t[i]) / 1000, tz=UTC))
            category = f"<category>{escape(BRANDS[int(brand[i])].name)}</category>" if about[i] else ""
            lines += [
                "<item>",
                f"<title>{escape(titles[i])}</title>",
                f"<link>{escape(urls[i])}</link>",
                f'<guid isPermaLink="true">{escape(urls[i])}</guid>',
                f"<pubDate>{when}</pubDate>",
                f"<dc:creator>{escape(name)}</dc:creator>",
                *([category] if category else []),
                f"<description>{escape(bodies[i])}</description>",
                "</item>",
            ]
        lines += ["</channel>", "</rss>"]
        path = folder / f"{blog_slug(site)}.xml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
