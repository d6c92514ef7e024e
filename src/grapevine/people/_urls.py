"""What a URL or a handle in a profile says about its owner: a personal site, or a profile elsewhere.

Two accounts that list the same personal website are probably one person; two that list
``linktr.ee`` or ``youtube.com`` are not, because those hosts are shared by millions. So every
URL is read as one of:

- a **profile** on a platform (``twitter.com/alice``, ``bsky.app/profile/alice.example``,
  ``toot.example/@alice``, ``github.com/alice``): a cross-link to that account, and a contact
  handle;
- a **site** (``alice.example.com/blog``), normalised so that scheme, ``www.``, case of the
  host, a trailing slash, queries and fragments do not tell equal sites apart;
- **nothing** (a link shortener, the root of a shared host, a post on a platform).

These functions are pure and small so that the rules can be read and tested one by one.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urlsplit

__all__ = [
    "SHARED_HOSTS",
    "SHORTENERS",
    "UrlMeaning",
    "bluesky_domain",
    "fediverse_key",
    "profile_key",
    "read_url",
    "site_key",
]

#: Link shorteners: the target is unknown, so the link says nothing about its owner.
SHORTENERS = frozenset(
    [
        "t.co",
        "bit.ly",
        "buff.ly",
        "ow.ly",
        "tinyurl.com",
        "goo.gl",
        "is.gd",
        "dlvr.it",
        "ift.tt",
        "lnkd.in",
        "trib.al",
        "fb.me",
        "amzn.to",
        "youtu.be",
        "spoti.fi",
        "bddy.me",
        "shorturl.at",
        "rebrand.ly",
        "cutt.ly",
        "t.ly",
        "tiny.cc",
    ]
)

#: Hosts shared by many unrelated people: the host alone is never "the same website".
SHARED_HOSTS = frozenset(
    [
        "twitter.com",
        "x.com",
        "mobile.twitter.com",
        "bsky.app",
        "youtube.com",
        "m.youtube.com",
        "facebook.com",
        "m.facebook.com",
        "instagram.com",
        "linkedin.com",
        "tiktok.com",
        "github.com",
        "gitlab.com",
        "medium.com",
        "substack.com",
        "linktr.ee",
        "beacons.ai",
        "about.me",
        "patreon.com",
        "ko-fi.com",
        "buymeacoffee.com",
        "paypal.me",
        "twitch.tv",
        "reddit.com",
        "old.reddit.com",
        "threads.net",
        "pinterest.com",
        "soundcloud.com",
        "spotify.com",
        "open.spotify.com",
        "discord.gg",
        "discord.com",
        "t.me",
        "wa.me",
        "wordpress.com",
        "blogspot.com",
        "tumblr.com",
        "sites.google.com",
        "google.com",
        "docs.google.com",
        "drive.google.com",
        "apple.com",
        "apps.apple.com",
        "play.google.com",
        "amazon.com",
        "wikipedia.org",
        "en.wikipedia.org",
        "orcid.org",
        "scholar.google.com",
        "researchgate.net",
        "academia.edu",
        "keybase.io",
        "mastodon.social",
        "flickr.com",
        "vimeo.com",
        "behance.net",
        "dribbble.com",
        "etsy.com",
        "gofundme.com",
        "eventbrite.com",
        "calendly.com",
        "notion.site",
        "carrd.co",
        "bio.link",
        "lnk.bio",
    ]
)

# Hosts whose first path segment (or "@segment") names a profile, and the platform it is on.
_PROFILE_HOSTS = {
    "twitter.com": "twitter",
    "x.com": "twitter",
    "mobile.twitter.com": "twitter",
    "github.com": "github",
    "gitlab.com": "gitlab",
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "youtube.com": "youtube",
    "m.youtube.com": "youtube",
    "facebook.com": "facebook",
    "m.facebook.com": "facebook",
    "medium.com": "medium",
    "linktr.ee": "linktree",
    "threads.net": "threads",
    "twitch.tv": "twitch",
    "patreon.com": "patreon",
    "ko-fi.com": "kofi",
    "keybase.io": "keybase",
    "substack.com": "substack",
    "t.me": "telegram",
}
# First path segments that are pages of the platform itself, not someone's profile.
_NOT_PROFILES = frozenset(
    [
        "home",
        "search",
        "explore",
        "hashtag",
        "i",
        "intent",
        "share",
        "settings",
        "login",
        "signup",
        "about",
        "help",
        "privacy",
        "tos",
        "watch",
        "embed",
        "results",
        "channel",
        "c",
        "user",
        "u",
        "in",
        "company",
        "pages",
        "groups",
        "events",
        "p",
        "reel",
        "reels",
        "status",
        "notifications",
        "messages",
        "explore",
        "topics",
        "trending",
        "jobs",
        "orgs",
        "sponsors",
        "marketplace",
        "apps",
    ]
)
_HANDLE = re.compile(r"^@?([A-Za-z0-9_][A-Za-z0-9_.\-]{0,63})$")
_BLUESKY_SUFFIXES = (".bsky.social", ".bsky.team")


class UrlMeaning(NamedTuple):
    """What a URL points to: ``kind`` is ``profile``, ``site`` or ``none``; ``key`` identifies it."""

    kind: str
    key: str | None
    url: str


def _split(url: str) -> tuple[str, str] | None:
    text = url.strip()
    if not text:
        return None
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or "." not in host:
        return None
    host = host.removeprefix("www.")
    return host, parts.path


def site_key(url: str) -> str | None:
    """The website a URL belongs to, normalised: ``host/path`` without scheme, ``www.`` or trailing slash.

    >>> site_key("https://www.Alice.example.com/blog/?utm=x#top")
    'alice.example.com/blog'
    >>> site_key("http://alice.example.com/") == site_key("alice.example.com")
    True
    """
    split = _split(url)
    if split is None:
        return None
    host, path = split
    path = re.sub(r"/+", "/", path).rstrip("/")
    for index in ("/index.html", "/index.htm", "/index.php"):
        path = path.removesuffix(index)
    return host + path


def fediverse_key(user: str, host: str) -> str:
    """The key of a Mastodon-style account ``user@host`` (lower case, no leading ``@``)."""
    return f"mastodon:{user.lstrip('@').lower()}@{host.lower().removeprefix('www.')}"


def profile_key(platform: str, handle: str) -> str:
    """The key of an account on a platform, as profile links and handles name it."""
    handle = handle.strip().lstrip("@").lower()
    if platform == "mastodon" and "@" in handle:
        user, _, host = handle.partition("@")
        return fediverse_key(user, host)
    return f"{platform}:{handle}"


def bluesky_domain(handle: str | None) -> str | None:
    """The domain a Bluesky handle proves control of (``alice.example``), or None for ``*.bsky.social``.

    Bluesky checks a custom-domain handle through DNS or ``/.well-known``, so such a handle
    is strong evidence that its owner runs the website at that domain.
    """
    if not handle:
        return None
    name = handle.strip().lstrip("@").lower().rstrip(".")
    if "." not in name or name.endswith(_BLUESKY_SUFFIXES) or name.startswith("did:"):
        return None
    return name.removeprefix("www.")


def read_url(url: str) -> UrlMeaning:
    """Read one URL: a profile (with its key), a personal site (with its key), or nothing.

    >>> read_url("https://twitter.com/Alice_B").key
    'twitter:alice_b'
    >>> read_url("https://toot.example/@alice").key
    'mastodon:alice@toot.example'
    >>> read_url("https://bsky.app/profile/alice.example").key
    'bluesky:alice.example'
    >>> read_url("https://linktr.ee").kind, read_url("https://bit.ly/3xYz").kind
    ('none', 'none')
    >>> read_url("https://www.alice.example.com/").key
    'alice.example.com'
    """
    split = _split(url)
    if split is None:
        return UrlMeaning("none", None, url)
    host, path = split
    if host in SHORTENERS:
        return UrlMeaning("none", None, url)
    segments = [s for s in path.split("/") if s]
    if host == "bsky.app":
        if len(segments) == 2 and segments[0] == "profile":
            return UrlMeaning("profile", profile_key("bluesky", segments[1]), url)
        return UrlMeaning("none", None, url)
    if host in ("reddit.com", "old.reddit.com"):
        if len(segments) == 2 and segments[0] in ("user", "u"):
            return UrlMeaning("profile", profile_key("reddit", segments[1]), url)
        return UrlMeaning("none", None, url)
    platform = _PROFILE_HOSTS.get(host)
    if platform is not None:
        first = segments[0] if segments else ""
        if platform == "substack" and first.startswith("@") and len(segments) == 1:
            return UrlMeaning("profile", profile_key(platform, first), url)
        if len(segments) == 1 and first.lower() not in _NOT_PROFILES and _HANDLE.match(first):
            return UrlMeaning("profile", profile_key(platform, first), url)
        return UrlMeaning("none", None, url)
    if host in SHARED_HOSTS:
        return UrlMeaning("none", None, url)
    # host/@user (or host/users/user) is a fediverse profile on any other host
    if len(segments) == 1 and segments[0].startswith("@") and _HANDLE.match(segments[0]):
        return UrlMeaning("profile", fediverse_key(segments[0], host), url)
    if len(segments) == 2 and segments[0] == "users" and _HANDLE.match(segments[1]):
        return UrlMeaning("profile", fediverse_key(segments[1], host), url)
    key = site_key(url)
    return UrlMeaning("site", key, url) if key else UrlMeaning("none", None, url)
