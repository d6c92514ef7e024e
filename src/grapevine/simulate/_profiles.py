"""Profile objects as the platforms serve them: Twitter v2 users and Mastodon accounts.

Bios carry the contact channels of :mod:`grapevine.simulate._people`. On Twitter, links in a
bio are t.co links expanded in ``entities.description.urls`` and the website is the profile
``url`` (a t.co link expanded in ``entities.url.urls``), exactly like the v2 API. On Mastodon
the bio is HTML (``note``) and links sit in profile ``fields`` as anchors.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import numpy as np

from grapevine.simulate._people import HOME_INSTANCE, People
from grapevine.simulate._text import tco
from grapevine.simulate._vocab import BRANDS
from grapevine.simulate._world import BOT, BRAND, PERSON, SUPPORT, Platform

__all__ = ["display_url", "iso_ms", "mastodon_account", "mastodon_link_html", "twitter_user"]

CITIES = (
    "San Francisco, CA", "New York, NY", "Chicago, IL", "Austin, TX", "Seattle, WA", "Boston, MA",
    "London, UK", "Manchester", "Berlin", "Lisbon", "Toronto", "Lagos", "Nairobi", "Madrid",
    "Paris", "Amsterdam", "Tokyo", "Seoul", "Sydney", "Mexico City", "", "", "", "",
)  # fmt: skip
PRONOUNS = ("she/her", "he/him", "they/them", "she/they", "he/they")


def iso_ms(ms: int) -> str:
    """``2024-03-01T12:00:00.000Z`` for milliseconds since the Unix epoch."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def display_url(url: str) -> str:
    bare = url.split("://", 1)[-1]
    return bare if len(bare) <= 26 else bare[:25] + "…"


def mastodon_link_html(url: str, rel: str = "nofollow noopener") -> str:
    scheme, _, rest = url.partition("://")
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="{rel}" translate="no">'
        f'<span class="invisible">{scheme}://</span><span class="">{html.escape(rest)}</span>'
        '<span class="invisible"></span></a>'
    )


def _contact_bits(people: People, p: int, style: int) -> list[str]:
    bits = []
    if people.email_shown[p]:
        bits.append(
            ("📧 {}", "Contact: {}", "Business inquiries: {}")[style % 3].format(people.email_shown[p])
        )
    if people.phone_shown[p]:
        bits.append(("📞 {}", "Call/text {}")[style % 2].format(people.phone_shown[p]))
    return bits


def twitter_user(plat: Platform, i: int, people: People, expected: np.ndarray) -> dict[str, Any]:
    """The v2 user object for Twitter account ``i``."""
    role, uid = int(plat.role[i]), plat.ids[i]
    site = ""
    parts: list[str] = []
    desc_urls: list[tuple[str, str]] = []  # (t.co, expanded) in order of appearance
    location = ""
    if role in (BRAND, SUPPORT):
        brand = BRANDS[int(plat.brand[i])]
        site = f"https://{brand.site}" + ("" if role == BRAND else "/help")
        parts.append(
            f"Official account of {brand.name}. Need help? Tweet @{brand.support}."
            if role == BRAND
            else f"Official {brand.name} support. We're here to help every day, 8am-10pm ET."
        )
    elif role == BOT:
        parts.append("Best deals every day 🔥 Follow for giveaways #ad #giveaway")
    else:
        p = int(plat.person[i])
        style = (p * 7 + 3) % 11
        site = people.website[p]
        location = CITIES[(p * 13) % len(CITIES)]
        parts.append(people.bio_phrase[p])
        if people.f4f[p]:
            parts.append("#f4f #followback 💯")
        parts += _contact_bits(people, p, style)
        if people.crosslinked[p]:
            m_user, inst = people.mastodon_user[p], people.mastodon_instance[p]
            if style % 2:
                parts.append(f"🐘 @{m_user}@{inst}")
            else:
                parts.append("Also on Mastodon: {url}")
                desc_urls.append((tco(f"https://{inst}/@{m_user}"), f"https://{inst}/@{m_user}"))
        if people.blog[p] and site:
            parts.append("Blog: {url}")
            desc_urls.append((tco(site + "/"), site + "/"))
    description, url_entities = _fill_urls(" | ".join(parts), desc_urls)
    entities: dict[str, Any] = {}
    if site:
        short = tco(site)
        entities["url"] = {"urls": [{"start": 0, "end": len(short), "url": short, "expanded_url": site,
                                     "display_url": display_url(site)}]}  # fmt: skip
    if url_entities:
        entities["description"] = {"urls": url_entities}
    user: dict[str, Any] = {
        "id": uid,
        "username": plat.handle[i],
        "name": plat.display[i],
        "created_at": iso_ms(int(plat.created_ms[i])),
        "description": description,
        "url": tco(site) if site else "",
        "location": location,
        "protected": False,
        "verified": bool(plat.verified[i]),
        "profile_image_url": f"https://pbs.twimg.com/profile_images/{uid}/photo_normal.jpg",
        "public_metrics": {
            "followers_count": int(plat.graph.in_degree[i]),
            "following_count": int(plat.graph.out_degree[i]),
            "tweet_count": int(plat.history[i] + expected[i]),
            "listed_count": int(plat.graph.in_degree[i] // 40),
        },
    }
    if entities:
        user["entities"] = entities
    if not location:
        del user["location"]
    return user


def _fill_urls(template: str, urls: list[tuple[str, str]]) -> tuple[str, list[dict[str, Any]]]:
    out, entities, pos = [], [], 0
    for short, expanded in urls:
        cut = template.index("{url}", pos)
        out.append(template[pos:cut])
        start = sum(len(x) for x in out)
        out.append(short)
        entities.append({"start": start, "end": start + len(short), "url": short, "expanded_url": expanded,
                         "display_url": display_url(expanded)})  # fmt: skip
        pos = cut + len("{url}")
    out.append(template[pos:])
    return "".join(out), entities


def mastodon_account(plat: Platform, i: int, people: People, expected: np.ndarray) -> dict[str, Any]:
    """The Mastodon REST Account object for account ``i``."""
    role = int(plat.role[i])
    user, inst = plat.handle[i], plat.instance[i]
    profile = f"https://{inst}/@{user}"
    notes: list[str] = []
    fields: list[dict[str, Any]] = []
    created_day = (int(plat.created_ms[i]) // 86_400_000) * 86_400_000
    if role in (BRAND, SUPPORT):
        brand = BRANDS[int(plat.brand[i])]
        notes.append(
            f"Official {brand.name} account." if role == BRAND else f"{brand.name} customer support."
        )
        site = f"https://{brand.site}"
        fields.append({"name": "Website", "value": mastodon_link_html(site, "nofollow noopener me"),
                       "verified_at": iso_ms(created_day + 86_400_000)})  # fmt: skip
    elif role == PERSON:
        p = int(plat.person[i])
        style = (p * 7 + 3) % 11
        notes.append(html.escape(people.bio_phrase[p]))
        notes += [html.escape(bit) for bit in _contact_bits(people, p, style + 1)]
        if people.website[p]:
            verified = iso_ms(created_day + 86_400_000) if p % 2 else None
            fields.append({"name": "Website" if not people.blog[p] else "Blog",
                           "value": mastodon_link_html(people.website[p], "nofollow noopener me"),
                           "verified_at": verified})  # fmt: skip
        if people.crosslinked[p]:
            tw = f"https://twitter.com/{people.twitter_handle[p]}"
            fields.append({"name": "Twitter", "value": mastodon_link_html(tw), "verified_at": None})
            if style % 3 == 0:
                notes.append(f"Also @{html.escape(people.twitter_handle[p])} on the bird site.")
        if p % 3 == 0:
            fields.append({"name": "Pronouns", "value": PRONOUNS[p % len(PRONOUNS)], "verified_at": None})
    note = "".join(f"<p>{n}</p>" for n in notes)
    avatar = f"https://{inst}/system/accounts/avatars/{plat.ids[i]}/original/avatar.png"
    return {
        "id": plat.ids[i],
        "username": user,
        "acct": plat.acct[i],
        "display_name": plat.display[i],
        "locked": False,
        "bot": role == BOT,
        "discoverable": True,
        "group": False,
        "created_at": iso_ms(created_day),
        "note": note,
        "url": profile,
        "uri": f"https://{inst}/users/{user}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": f"https://{HOME_INSTANCE}/headers/original/missing.png",
        "header_static": f"https://{HOME_INSTANCE}/headers/original/missing.png",
        "followers_count": int(plat.graph.in_degree[i]),
        "following_count": int(plat.graph.out_degree[i]),
        "statuses_count": int(plat.history[i] + expected[i]),
        "last_status_at": None,
        "emojis": [],
        "fields": fields,
    }
