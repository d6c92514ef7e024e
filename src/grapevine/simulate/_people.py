"""People of the simulated world: names, communities, platform presence, contacts and opinions.

A *person* may hold a Twitter account, a Mastodon account (on one of a few instances), both,
and a blog. Contact channels live in bios the way people write them: emails (some written
``name [at] example [dot] com``), phone numbers in several national formats, a personal
website, and cross-platform handles (a person with both accounts links one from the other and
lists the same website on both). Opinions are per person and brand, in [-1, 1]: a community
leaning plus a personal offset, fixed for the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grapevine.simulate._vocab import BRANDS, FIRST_NAMES, LAST_NAMES, THEMES

__all__ = ["INSTANCES", "People", "make_people"]

INSTANCES = ("mastodon.example", "toot.example", "fosstodon.example", "social.example.org")
HOME_INSTANCE = INSTANCES[0]
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
_US_AREAS = ("415", "212", "312", "617", "206", "303", "512", "646")
_SITE_PATTERNS = ("https://{a}{b}.example.com", "https://{h}.example.org", "https://www.{a}-{b}.example.net")


@dataclass(slots=True)
class People:
    """Column-oriented people table; index ``i`` is person ``p{i:06d}``."""

    n: int
    community: np.ndarray  # int16
    theme_of_community: np.ndarray  # int16, community -> THEMES index
    theme: np.ndarray  # int16, person -> THEMES index
    first: list[str]
    last: list[str]
    twitter: np.ndarray  # bool
    mastodon: np.ndarray  # bool
    blog: np.ndarray  # bool
    crosslinked: np.ndarray  # bool: links Twitter <-> Mastodon in profiles
    f4f: np.ndarray  # bool: member of the follow-for-follow ring
    twitter_handle: list[str]
    mastodon_user: list[str]
    mastodon_instance: list[str]
    website: list[str]  # "" when none
    email: list[str]  # canonical, "" when none
    email_shown: list[str]  # as written in the bio
    phone: list[str]  # E.164, "" when none
    phone_shown: list[str]
    bio_phrase: list[str]
    opinion: np.ndarray  # float32 (n, brands) in [-1, 1]
    brand_cum: np.ndarray  # float64 (n, brands): cumulative brand-choice probabilities
    brand_talk: np.ndarray  # float64: share of a person's posts that are about brands
    weight: np.ndarray  # float64: attractiveness for followers (Pareto)
    following: np.ndarray  # int64: how many people they try to follow
    activity: np.ndarray  # float64: base posting rate

    def name(self, i: int) -> str:
        return f"{self.first[i]} {self.last[i]}"


def make_people(rng: np.random.Generator, n: int) -> People:
    """Draw ``n`` people; see the module docstring for what they carry."""
    n_comm = int(np.clip(round(n**0.35), 3, 40))
    sizes = rng.multinomial(n - n_comm, rng.dirichlet(np.full(n_comm, 3.0))) + 1
    community = rng.permutation(np.repeat(np.arange(n_comm, dtype=np.int16), sizes))
    theme_of_community = np.resize(rng.permutation(len(THEMES)), n_comm).astype(np.int16)
    theme = theme_of_community[community]

    first_i = rng.integers(0, len(FIRST_NAMES), n)
    last_i = rng.integers(0, len(LAST_NAMES), n)
    first = [FIRST_NAMES[i] for i in first_i.tolist()]
    last = [LAST_NAMES[i] for i in last_i.tolist()]

    presence = rng.random(n)
    twitter = presence < 0.88
    mastodon = (presence >= 0.68) & (presence < 0.98)
    blog = rng.random(n) < 0.03
    if n >= 30 and blog.sum() < 3:
        blog[rng.choice(n, 3, replace=False)] = True
    has_site = blog | (rng.random(n) < 0.22)
    crosslinked = twitter & mastodon & (rng.random(n) < 0.6)

    handles = _twitter_handles(rng, first, last)
    m_user, m_inst = _mastodon_users(rng, handles, first, last, theme)
    website = _websites(rng, has_site, first, last, handles)
    email, email_shown = _emails(rng, n, first, last, handles)
    phone, phone_shown = _phones(rng, n)
    bio_phrase = [
        THEMES[t].bio[k] for t, k in zip(theme.tolist(), rng.integers(0, 3, n).tolist(), strict=True)
    ]

    n_brands = len(BRANDS)
    leaning = rng.normal(0.0, 0.45, (n_comm, n_brands))
    opinion = np.clip(leaning[community] + rng.normal(0.0, 0.5, (n, n_brands)), -1, 1).astype(np.float32)
    theme_aff = np.array([[t.brand_affinity.get(b.key, 0.0) for b in BRANDS] for t in THEMES])
    aff = (theme_aff[theme] + 0.15) * rng.gamma(1.5, 1.0, (n, n_brands))
    brand_cum = np.cumsum(aff / aff.sum(axis=1, keepdims=True), axis=1)
    brand_cum[:, -1] = 1.0

    f4f = np.zeros(n, dtype=bool)
    ring = int(np.clip(n // 100, 8, 150))
    candidates = np.flatnonzero(twitter)
    if len(candidates) > ring * 3:
        f4f[rng.choice(candidates, ring, replace=False)] = True

    mean_follow = float(np.clip(n / 8, 4, 45))
    following = np.clip(rng.lognormal(np.log(mean_follow) - 0.5, 1.0, n), 1, max(1, n - 1)).astype(np.int64)
    return People(
        n=n,
        community=community,
        theme_of_community=theme_of_community,
        theme=theme,
        first=first,
        last=last,
        twitter=twitter,
        mastodon=mastodon,
        blog=blog,
        crosslinked=crosslinked,
        f4f=f4f,
        twitter_handle=handles,
        mastodon_user=m_user,
        mastodon_instance=m_inst,
        website=website,
        email=email,
        email_shown=email_shown,
        phone=phone,
        phone_shown=phone_shown,
        bio_phrase=bio_phrase,
        opinion=opinion,
        brand_cum=brand_cum,
        brand_talk=rng.beta(2.0, 4.0, n),
        weight=(rng.pareto(1.4, n) + 1.0),
        following=following,
        activity=rng.lognormal(0.0, 1.0, n),
    )


def _twitter_handles(rng: np.random.Generator, first: list[str], last: list[str]) -> list[str]:
    used = {b.handle.lower() for b in BRANDS} | {b.support.lower() for b in BRANDS}
    styles = rng.integers(0, 6, len(first)).tolist()
    numbers = rng.integers(1, 99, len(first)).tolist()
    out = []
    for i, (f, last_name) in enumerate(zip(first, last, strict=True)):
        s = styles[i]
        base = (
            f"{f}{last_name}",
            f"{f.lower()}_{last_name.lower()}",
            f"{f[0]}{last_name}".lower(),
            f"{f}{last_name[0]}{numbers[i]}",
            f"The{f}{last_name}",
            f"{last_name.lower()}{f.lower()}",
        )[s][:13]
        handle, k = base, 1
        while handle.lower() in used:
            k += 1
            handle = f"{base}{k}"[:15]
            if handle.lower() in used:  # cut at 15 may collide; fall back to the index
                handle = f"{base[:8]}{i}"[:15]
        used.add(handle.lower())
        out.append(handle)
    return out


def _mastodon_users(
    rng: np.random.Generator, handles: list[str], first: list[str], last: list[str], theme: np.ndarray
) -> tuple[list[str], list[str]]:
    same = (rng.random(len(handles)) < 0.7).tolist()
    inst_pick = rng.integers(0, len(INSTANCES), len(handles)).tolist()
    users, insts, used = [], [], set()
    for i, handle in enumerate(handles):
        inst = (
            INSTANCES[2]
            if THEMES[int(theme[i])].name == "tech" and inst_pick[i] < 2
            else INSTANCES[inst_pick[i]]
        )
        base = handle.lower() if same[i] else f"{first[i].lower()}{last[i][0].lower()}"
        user, k = base, 1
        while f"{user}@{inst}" in used:
            k += 1
            user = f"{base}{k}"
        used.add(f"{user}@{inst}")
        users.append(user)
        insts.append(inst)
    return users, insts


def _websites(
    rng: np.random.Generator, has_site: np.ndarray, first: list[str], last: list[str], handles: list[str]
) -> list[str]:
    pattern = rng.integers(0, len(_SITE_PATTERNS), len(first)).tolist()
    out, used = [], set()
    for i, flag in enumerate(has_site.tolist()):
        if not flag:
            out.append("")
            continue
        site = _SITE_PATTERNS[pattern[i]].format(a=first[i].lower(), b=last[i].lower(), h=handles[i].lower())
        if site in used:
            site = f"https://{handles[i].lower()}{i}.example.org"
        used.add(site)
        out.append(site)
    return out


def _emails(
    rng: np.random.Generator, n: int, first: list[str], last: list[str], handles: list[str]
) -> tuple[list[str], list[str]]:
    has = (rng.random(n) < 0.12).tolist()
    style = rng.integers(0, 4, n).tolist()
    dom = rng.integers(0, len(_EMAIL_DOMAINS), n).tolist()
    canonical, shown = [], []
    for i in range(n):
        if not has[i]:
            canonical.append("")
            shown.append("")
            continue
        local = (f"{first[i]}.{last[i]}", f"{first[i]}{last[i]}", handles[i], f"hello.{first[i]}")[style[i]]
        address = f"{local.lower()}@{_EMAIL_DOMAINS[dom[i]]}"
        canonical.append(address)
        if style[i] == 3:  # some people obfuscate against scrapers
            user, domain = address.split("@")
            shown.append(f"{user} [at] {domain.replace('.', ' [dot] ')}")
        else:
            shown.append(address)
    return canonical, shown


def _phones(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    has = (rng.random(n) < 0.06).tolist()
    style = rng.integers(0, 5, n).tolist()
    area = rng.integers(0, len(_US_AREAS), n).tolist()
    line = rng.integers(100, 200, n).tolist()  # 555-0100..0199 is reserved for fiction
    uk = rng.integers(0, 1000, n).tolist()  # 020 7946 0000..0999 is Ofcom's drama range
    canonical, shown = [], []
    for i in range(n):
        if not has[i]:
            canonical.append("")
            shown.append("")
            continue
        s, a, tail = style[i], _US_AREAS[area[i]], f"{line[i]:04d}"
        if s == 4:
            canonical.append(f"+44207946{uk[i]:04d}")
            shown.append(f"+44 20 7946 {uk[i]:04d}")
            continue
        canonical.append(f"+1{a}555{tail}")
        shown.append((f"+1 ({a}) 555-{tail}", f"{a}-555-{tail}", f"({a}) 555-{tail}", f"{a}.555.{tail}")[s])
    return canonical, shown
