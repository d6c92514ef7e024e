"""Reading URLs, e-mail addresses, phone numbers and handles out of profiles and posts."""

from __future__ import annotations

import pytest

from grapevine.people import (
    bluesky_domain,
    find_emails,
    find_handles,
    find_phones,
    find_urls,
    read_url,
    site_key,
)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.Alice.example.com/", "alice.example.com"),
        ("http://alice.example.com", "alice.example.com"),
        ("alice.example.com/blog/?utm_source=x#top", "alice.example.com/blog"),
        ("https://alice.example.com/blog/index.html", "alice.example.com/blog"),
        ("ftp://alice.example.com", None),
        ("not a url", None),
    ],
)
def test_site_key_normalises_scheme_www_case_and_trailing_slash(url: str, key: str | None) -> None:
    assert site_key(url) == key


@pytest.mark.parametrize(
    ("url", "kind", "key"),
    [
        ("https://twitter.com/Alice_B", "profile", "twitter:alice_b"),
        ("https://x.com/alice_b/", "profile", "twitter:alice_b"),
        ("https://twitter.com/alice_b/status/1", "none", None),  # a post, not a profile
        ("https://twitter.com/search", "none", None),
        ("https://toot.example/@alice", "profile", "mastodon:alice@toot.example"),
        ("https://bsky.app/profile/alice.example", "profile", "bluesky:alice.example"),
        ("https://github.com/alice", "profile", "github:alice"),
        ("https://linktr.ee/alice", "profile", "linktree:alice"),
        ("https://linktr.ee/", "none", None),  # a shared host is never "the same website"
        ("https://www.youtube.com/watch?v=abc", "none", None),
        ("https://bit.ly/3xYz", "none", None),  # a shortener hides its target
        ("https://t.co/abc", "none", None),
        ("https://alice.blogspot.com/", "site", "alice.blogspot.com"),
    ],
)
def test_read_url_tells_profiles_sites_and_noise_apart(url: str, kind: str, key: str | None) -> None:
    meaning = read_url(url)
    assert (meaning.kind, meaning.key) == (kind, key)


def test_bluesky_domain_handles_own_their_domain() -> None:
    assert bluesky_domain("drmowinckels.io") == "drmowinckels.io"
    assert bluesky_domain("alice.bsky.social") is None
    assert bluesky_domain("did:plc:abc") is None
    assert bluesky_domain(None) is None


def test_emails_plain_and_obfuscated_but_not_fediverse_handles() -> None:
    text = (
        "Contact: Jo.Doe@Example.com | bo [at] mail [dot] example [dot] org | follow @alice@toot.example "
        "| me(at)site.example.net"
    )
    assert [f.value for f in find_emails(text)] == [
        "jo.doe@example.com",
        "bo@mail.example.org",
        "me@site.example.net",
    ]
    assert find_emails("no address here, just @handles") == []


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("Call/text (415) 555-0123", "US", ["+14155550123"]),
        ("📞 +1 (415) 555-0123", "US", ["+14155550123"]),
        ("212.555.0150 or 212-555-0150", "US", ["+12125550150"]),
        ("+44 20 7946 0123", "US", ["+442079460123"]),
        ("tel 020 7946 0123", "GB", ["+442079460123"]),
        ("tel 020 7946 0123", "US", []),  # not a US number
        ("published 2024-03-01, born 12.05.1990, open 10:30-18:00", "US", []),
        ("order 1234567890123 and tweet 1764729757556211712", "US", []),
        ("from 1999-2004 I was there; ISBN 978-3-16-148410-0", "US", []),
        ("DM'd you 3 times", "US", []),
    ],
)
def test_phones_are_e164_and_dates_and_ids_are_not_phones(
    text: str, region: str, expected: list[str]
) -> None:
    assert [f.value for f in find_phones(text, region)] == expected


def test_urls_and_bare_domains_in_bios() -> None:
    bio = "Blog: favstats.eu | PhD @harvard.edu, e.g. this; see https://x.com/a."
    assert find_urls(bio) == ["https://x.com/a"]
    assert find_urls(bio, bare_domains=True) == ["https://x.com/a", "https://favstats.eu"]


def test_handles_need_a_fediverse_address_or_a_word_saying_twitter() -> None:
    found = find_handles(
        "🐘 @alice@toot.example | 🐦 @alice_b | PhD @harvard | Also @bob_c on the bird site."
    )
    assert [f.value for f in found] == ["mastodon:alice@toot.example", "twitter:alice_b", "twitter:bob_c"]
    assert find_handles("Need help? Tweet @AcmeSupport") == []
