"""Contact channels in free text: e-mail addresses, phone numbers, websites and handles elsewhere.

Pure functions over one string, so each rule is tested on its own. Phone numbers are parsed
and validated with ``phonenumbers`` (Google's libphonenumber) and written in E.164; a number
written without a country code is read in ``region``. Dates, times, ranges and long ids look
like digit runs too; they are rejected before parsing (see :func:`find_phones`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

import phonenumbers

from grapevine.people._urls import profile_key, read_url

__all__ = ["Found", "find_emails", "find_handles", "find_phones", "find_urls", "said_to_be_own"]


class Found(NamedTuple):
    """One channel found in a text: ``kind`` (email | phone | website | handle), value, and the words it came from."""

    kind: str
    value: str
    evidence: str


# An address not glued to a preceding "@" or word: "@alice@toot.example" is a fediverse handle.
_EMAIL = re.compile(
    r"(?<![@\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})@([A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24})\b"
)
# "alice [at] example [dot] com", "alice(at)example(dot)com": written so to fool scrapers.
_OBFUSCATED = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})\s*[\[(\{]\s*at\s*[\])\}]\s*"
    r"([A-Za-z0-9-]+(?:\s*(?:[\[(\{]\s*dot\s*[\])\}]|\.)\s*[A-Za-z0-9-]+)+)",
    re.IGNORECASE,
)
_DOT = re.compile(r"\s*(?:[\[(\{]\s*dot\s*[\])\}]|\.)\s*", re.IGNORECASE)

# A run of digits with the separators people put in phone numbers; validated afterwards.
_PHONE_CANDIDATE = re.compile(r"(?<![\w/.:-])(\+?\(?\d[\d\s().\-]{5,20}\d)(?![\w/:-]|\.\d)")
_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$|^\d{1,2}:\d{2}")
_RANGE_LIKE = re.compile(r"^\d{4}\s*[-–]\s*\d{2,4}$")  # "2019-2023", "1999 - 2004"

# A bare run of digits ("8106028994") is a phone number only right after a word that says so.
_PHONE_WORD = re.compile(
    r"(?:phone|tel|call|text|number|ph|mobile|cell|whatsapp|📞|☎)\W{0,12}$", re.IGNORECASE
)
# Words by which a post says an address or number is its author's own ("call me at", "our line").
# Case matters for "us": "US" is a country.
_FIRST_PERSON = re.compile(r"\b(?:[Mm]y|MY|[Mm]e|us|[Oo]ur|OUR|[Ww]e)\b")
_OWN_WINDOW = 40

_URL = re.compile(r"\bhttps?://[^\s<>\"'()\[\]{}|]+", re.IGNORECASE)
_TRAILING = ".,;:!?…»\"'"
# A bare domain in a bio ("Blog: favstats.eu"); only common endings, so "e.g." or "v1.2" are not taken.
_BARE_DOMAIN = re.compile(
    r"(?<![@\w./-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|org|net|io|dev|eu|me|co|uk|de|fr|nl|es|it|ca|au|info|blog|app|xyz|site|page|tech|ai))"
    r"(/[^\s<>\"'()]*)?(?![\w@-])",
    re.IGNORECASE,
)
# "@alice@toot.example": a fediverse address.
_FEDIVERSE = re.compile(
    r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\b"
)
# "@alice" next to a word that says it is a Twitter handle ("🐦 @alice", "twitter: @alice",
# "@alice on the bird site"). A bare "@harvard" in a bio is an affiliation, not a cross-link.
_TWITTER_BEFORE = re.compile(
    r"(?:twitter|bird ?site|🐦|\bx\.com)\s*[:=\-–]?\s*@([A-Za-z0-9_]{1,15})\b(?![@.]\w)",
    re.IGNORECASE,
)
_TWITTER_AFTER = re.compile(
    r"(?<![\w@])@([A-Za-z0-9_]{1,15})\b(?![@.]\w)\s+(?:on|at)\s+(?:the\s+)?(?:twitter|bird ?site|x\.com)",
    re.IGNORECASE,
)


def find_emails(text: str | None) -> list[Found]:
    """E-mail addresses, plain or obfuscated, lower-cased.

    >>> [f.value for f in find_emails("Contact: Jo.Doe@Example.com | bo [at] mail [dot] example [dot] org")]
    ['jo.doe@example.com', 'bo@mail.example.org']
    >>> find_emails("follow @alice@toot.example")
    []
    """
    if not text or ("@" not in text and "at" not in text.lower()):
        return []
    found: list[Found] = []
    seen: set[str] = set()
    for match in _EMAIL.finditer(text):
        value = f"{match.group(1)}@{match.group(2)}".lower().rstrip(".")
        if value not in seen:
            seen.add(value)
            found.append(Found("email", value, match.group(0)))
    for match in _OBFUSCATED.finditer(text):
        domain = _DOT.sub(".", match.group(2)).strip(".").lower()
        if "." not in domain or not re.search(r"\.[a-z]{2,24}$", domain):
            continue
        value = f"{match.group(1).lower()}@{domain}"
        if value not in seen:
            seen.add(value)
            found.append(Found("email", value, match.group(0)))
    return found


def find_phones(text: str | None, region: str = "US") -> list[Found]:
    """Phone numbers in E.164, validated for their country (``region`` when none is written).

    Rejected before parsing: dates and times (``2024-03-01``, ``12/05/2023``, ``10:30``), year
    ranges, and long digit runs without separators or ``+`` (ids, order numbers).

    >>> [f.value for f in find_phones("Call/text (415) 555-0123 or +44 20 7946 0123")]
    ['+14155550123', '+442079460123']
    >>> find_phones("order 1234567890123 placed 2024-03-01, open 1999-2004")
    []
    """
    if not text or sum(c.isdigit() for c in text) < 7:
        return []
    found: list[Found] = []
    seen: set[str] = set()
    for match in _PHONE_CANDIDATE.finditer(text):
        raw = match.group(1).strip().rstrip(".-(")
        digits = re.sub(r"\D", "", raw)
        if not 7 <= len(digits) <= 15 or _DATE_LIKE.match(raw) or _RANGE_LIKE.match(raw):
            continue
        if raw.isdigit() and (
            len(raw) > 10 or not _PHONE_WORD.search(text[max(0, match.start() - 25) : match.start()])
        ):
            continue  # a bare run of digits is an id or an amount, unless a word calls it a number
        if raw.count(".") >= 2 and not re.fullmatch(r"\+?[\d.() ]+", raw):
            continue
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if value not in seen:
            seen.add(value)
            found.append(Found("phone", value, raw))
    return found


def find_urls(text: str | None, bare_domains: bool = False) -> list[str]:
    """URLs written in a text, in order, without trailing punctuation; ``bare_domains`` adds ``name.com`` forms."""
    if not text:
        return []
    urls = [m.group(0).rstrip(_TRAILING) for m in _URL.finditer(text)]
    if bare_domains and "." in text:
        stripped = _URL.sub(" ", text)
        for match in _BARE_DOMAIN.finditer(stripped):
            urls.append("https://" + match.group(0).rstrip(_TRAILING))
    return list(dict.fromkeys(urls))


def find_handles(text: str | None) -> list[Found]:
    """Handles on other platforms named in a bio: fediverse addresses and Twitter handles said to be such.

    >>> [f.value for f in find_handles("🐘 @alice@toot.example | 🐦 @alice_b | PhD @harvard")]
    ['mastodon:alice@toot.example', 'twitter:alice_b']
    """
    if not text or "@" not in text:
        return []
    found: list[Found] = []
    for match in _FEDIVERSE.finditer(text):
        found.append(
            Found("handle", profile_key("mastodon", f"{match.group(1)}@{match.group(2)}"), match.group(0))
        )
    for pattern in (_TWITTER_BEFORE, _TWITTER_AFTER):
        for match in pattern.finditer(text):
            found.append(Found("handle", profile_key("twitter", match.group(1)), match.group(0)))
    return list({f.value: f for f in found}.values())


def profile_channels(urls: list[str]) -> list[Found]:
    """Websites and profiles elsewhere named by profile URLs (shorteners and shared-host roots dropped)."""
    found: list[Found] = []
    for url in urls:
        meaning = read_url(url)
        if meaning.kind == "site" and meaning.key:
            found.append(Found("website", meaning.key, url))
        elif meaning.kind == "profile" and meaning.key:
            found.append(Found("handle", meaning.key, url))
    return found


def said_to_be_own(text: str, found: Found) -> bool:
    """Whether a post presents an address or number as its author's: "call me at", "email us at", "my number".

    A post that names a number without saying whose ("on hold with 800-428-4322 again") is
    usually quoting someone else's, often a brand's hotline.

    >>> post = "on hold with 800-428-4322 for hours, please call me at 310-795-2210"
    >>> [said_to_be_own(post, f) for f in find_phones(post)]
    [False, True]
    """
    at = text.find(found.evidence)
    if at < 0:
        return False
    return bool(_FIRST_PERSON.search(text[max(0, at - _OWN_WINDOW) : at]))
