"""Accounts and follow graphs per platform, built from the people table.

Account order on each platform is fixed: brand accounts first (official, then support, per
brand present on the platform), then people in person order, then bots (Twitter only).
Follower and following counts written in profiles are exactly the in- and out-degrees of the
platform's follow graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from grapevine.simulate._graph import FollowGraph, sample_person_graph
from grapevine.simulate._people import HOME_INSTANCE, People
from grapevine.simulate._vocab import BRANDS

__all__ = ["BOT", "BRAND", "PERSON", "SUPPORT", "TWITTER_EPOCH_MS", "BotNet", "Platform", "build_platform"]

PERSON, BRAND, SUPPORT, BOT = 0, 1, 2, 3
ROLE_NAMES = ("person", "brand", "support", "bot")
TWITTER_EPOCH_MS = 1288834974657
_BOT_WORDS = ("deals", "promo", "giveaway", "bargain", "offers", "hotdeal", "coupon", "freebie")


@dataclass(slots=True)
class BotNet:
    client: int  # account index of the account the bots amplify
    brand: int
    bots: np.ndarray  # account indices


@dataclass(slots=True)
class Platform:
    """Every account on one platform, column-oriented, plus its follow graph."""

    name: str
    n: int
    handle: list[str]  # Twitter username / Mastodon username
    acct: list[str]  # Mastodon acct (``user`` on the home instance, else ``user@instance``)
    instance: list[str]
    display: list[str]
    person: np.ndarray  # int32, -1 for brands and bots
    brand: np.ndarray  # int16, the brand a brand/support account belongs to, else -1
    role: np.ndarray  # int8: PERSON, BRAND, SUPPORT, BOT
    theme: np.ndarray  # int16: the community theme used for chatter
    created_ms: np.ndarray  # int64
    verified: np.ndarray  # bool
    graph: FollowGraph
    activity: np.ndarray  # float64: weight for authoring original posts
    opinion: np.ndarray  # float32 (n, brands)
    brand_cum: np.ndarray  # float64 (n, brands)
    brand_talk: np.ndarray  # float64 (n,)
    official: np.ndarray  # int32 (brands,): account index or -1
    support: np.ndarray  # int32 (brands,)
    history: np.ndarray  # int64: posts before the simulated period
    ids: list[str] = field(default_factory=list)
    bot_nets: list[BotNet] = field(default_factory=list)

    def account_index_of_person(self) -> np.ndarray:
        """person index -> account index on this platform (-1 when absent)."""
        size = int(self.person.max()) + 1 if self.n else 0
        out = np.full(size, -1, dtype=np.int64)
        mask = self.person >= 0
        out[self.person[mask]] = np.flatnonzero(mask)
        return out


def _ms(year: int, month: int = 1, day: int = 1) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp() * 1000)


def build_platform(
    name: str,
    rng: np.random.Generator,
    people: People,
    person_src: np.ndarray,
    person_dst: np.ndarray,
    start_ms: int,
) -> Platform:
    """Lay out the accounts of ``name`` ("twitter" or "mastodon") and its follow graph."""
    twitter = name == "twitter"
    present = people.twitter if twitter else people.mastodon
    persons = np.flatnonzero(present)
    brand_rows: list[tuple[int, int]] = []  # (brand index, role)
    for b, spec in enumerate(BRANDS):
        if twitter or spec.on_mastodon:
            brand_rows += [(b, BRAND), (b, SUPPORT)]
    n_brand_acc = len(brand_rows)
    n_bots = int(np.clip(people.n // 150, 5, 400)) if twitter else 0
    n = n_brand_acc + len(persons) + n_bots
    first_person = n_brand_acc
    first_bot = n_brand_acc + len(persons)

    role = np.zeros(n, dtype=np.int8)
    brand = np.full(n, -1, dtype=np.int16)
    person = np.full(n, -1, dtype=np.int32)
    for i, (b, r) in enumerate(brand_rows):
        role[i], brand[i] = r, b
    person[first_person:first_bot] = persons
    role[first_bot:] = BOT
    theme = np.zeros(n, dtype=np.int16)
    theme[first_person:first_bot] = people.theme[persons]

    handle, acct, instance, display = _names(name, rng, people, persons, brand_rows, n_bots)
    created = _created(rng, twitter, n, role, start_ms)

    # Edges: people among themselves, people -> brands, brand pairs, the f4f ring, bot nets.
    acc_of_person = np.full(people.n, -1, dtype=np.int32)
    acc_of_person[persons] = np.arange(first_person, first_bot)
    s, d = acc_of_person[person_src], acc_of_person[person_dst]
    keep = (s >= 0) & (d >= 0)
    srcs, dsts = [s[keep]], [d[keep]]
    del s, d, keep
    share = np.diff(np.concatenate([np.zeros((people.n, 1)), people.brand_cum], axis=1), axis=1)
    official = np.full(len(BRANDS), -1, dtype=np.int32)
    support = np.full(len(BRANDS), -1, dtype=np.int32)
    for i, (b, r) in enumerate(brand_rows):
        if r == BRAND:
            official[b] = i
        else:
            support[b] = i
        base = (0.05 + 0.5 * share[persons, b]) if r == BRAND else (0.01 + 0.1 * share[persons, b])
        follows = rng.random(len(persons)) < base * (people.opinion[persons, b] > -0.6)
        srcs.append(acc_of_person[persons[follows]])
        dsts.append(np.full(int(follows.sum()), i, dtype=np.int64))
    for b in range(len(BRANDS)):
        if official[b] >= 0:
            srcs.append(np.array([official[b], support[b]], dtype=np.int64))
            dsts.append(np.array([support[b], official[b]], dtype=np.int64))
    if twitter:
        ring = acc_of_person[np.flatnonzero(people.f4f)]
        ring = ring[ring >= 0]
        srcs.append(np.repeat(ring, len(ring)))
        dsts.append(np.tile(ring, len(ring)))

    # Activity: heavier for people with more followers, light for brands, near zero for bots.
    # Followers so far (repeated pairs counted twice; they are rare) set activity and bot clients.
    in_degree0 = np.zeros(n, dtype=np.int64)
    for part in dsts:
        in_degree0 += np.bincount(part, minlength=n)
    activity = np.zeros(n)
    activity[first_person:first_bot] = (
        people.activity[persons] * (1.0 + in_degree0[first_person:first_bot]) ** 0.3
    )
    activity[first_person:first_bot] *= np.where(people.f4f[persons], 0.4, 1.0)
    total = activity.sum() or 1.0
    activity[(role == BRAND)] = 0.003 * total
    nets: list[BotNet] = []
    if n_bots:
        nets = _bot_nets(rng, in_degree0, first_person, first_bot, n_bots)
        for net in nets:
            bots = net.bots
            srcs.append(bots)
            dsts.append(np.full(len(bots), net.client, dtype=np.int64))
            pairs = rng.random((len(bots), len(bots))) < 0.3
            a, b2 = np.nonzero(pairs)
            srcs.append(bots[a])
            dsts.append(bots[b2])
            srcs.append(np.repeat(bots, 8))
            dsts.append(rng.integers(first_person, first_bot, len(bots) * 8))
        activity[first_bot:] = 0.05 * float(np.median(activity[first_person:first_bot]))
    graph = FollowGraph.from_edges(n, np.concatenate(srcs), np.concatenate(dsts))

    opinion = np.zeros((n, len(BRANDS)), dtype=np.float32)
    opinion[first_person:first_bot] = people.opinion[persons]
    brand_cum = np.tile(np.linspace(1 / len(BRANDS), 1, len(BRANDS)), (n, 1))
    brand_cum[first_person:first_bot] = people.brand_cum[persons]
    brand_talk = np.zeros(n)
    brand_talk[first_person:first_bot] = people.brand_talk[persons]
    for i, (b, _r) in enumerate(brand_rows):
        opinion[i, b] = 1.0
    for net in nets:
        opinion[net.bots, net.brand] = 1.0

    verified = role != PERSON
    verified[role == BOT] = False
    if twitter and len(persons):
        top = max(1, len(persons) // 300)
        verified[first_person + np.argsort(-graph.in_degree[first_person:first_bot], kind="stable")[:top]] = (
            True
        )
    history = rng.lognormal(5.0, 1.2, n) * np.sqrt(
        activity / (np.median(activity[activity > 0]) or 1.0) + 0.1
    )
    platform = Platform(
        name=name, n=n, handle=handle, acct=acct, instance=instance, display=display, person=person,
        brand=brand, role=role, theme=theme, created_ms=created, verified=verified if twitter else np.zeros(n, bool),
        graph=graph, activity=activity, opinion=opinion, brand_cum=brand_cum, brand_talk=brand_talk,
        official=official, support=support, history=history.astype(np.int64) + 1, bot_nets=nets,
    )  # fmt: skip
    platform.ids = _account_ids(twitter, created, role)
    return platform


def _names(
    name: str,
    rng: np.random.Generator,
    people: People,
    persons: np.ndarray,
    brand_rows: list[tuple[int, int]],
    n_bots: int,
) -> tuple[list[str], list[str], list[str], list[str]]:
    twitter = name == "twitter"
    handle: list[str] = []
    instance: list[str] = []
    display: list[str] = []
    for b, r in brand_rows:
        br = BRANDS[b]
        handle.append(br.handle if r == BRAND else br.support)
        instance.append("" if twitter else f"social.{br.site}")
        display.append(br.name if r == BRAND else f"{br.name} Support")
    for p in persons.tolist():
        handle.append(people.twitter_handle[p] if twitter else people.mastodon_user[p])
        instance.append("" if twitter else people.mastodon_instance[p])
        display.append(people.name(p))
    words = rng.integers(0, len(_BOT_WORDS), (n_bots, 2)).tolist()
    digits = rng.integers(100, 9999, n_bots).tolist()
    for i in range(n_bots):
        w1, w2 = _BOT_WORDS[words[i][0]], _BOT_WORDS[words[i][1]]
        handle.append(f"{w1}_{w2}{digits[i]}"[:15])
        instance.append("")
        display.append(f"{w1.title()} {w2.title()} 🔥")
    acct = [
        h if (twitter or inst == HOME_INSTANCE) else f"{h}@{inst}"
        for h, inst in zip(handle, instance, strict=True)
    ]
    return handle, acct, instance, display


def _created(rng: np.random.Generator, twitter: bool, n: int, role: np.ndarray, start_ms: int) -> np.ndarray:
    lo = _ms(2008) if twitter else _ms(2017)
    hi = min(start_ms - 86_400_000, _ms(2024))
    created = rng.integers(lo, max(lo + 1, hi), n)
    brand_mask = (role == BRAND) | (role == SUPPORT)
    created[brand_mask] = rng.integers(lo, lo + 3 * 365 * 86_400_000, int(brand_mask.sum()))
    bot_mask = role == BOT
    created[bot_mask] = rng.integers(max(lo, hi - 200 * 86_400_000), max(lo + 1, hi), int(bot_mask.sum()))
    return (created // 1000 * 1000).astype(np.int64)  # profiles show whole seconds


def _account_ids(twitter: bool, created: np.ndarray, role: np.ndarray) -> list[str]:
    n = len(created)
    index = np.arange(n, dtype=np.int64)
    if twitter:
        # Accounts from before snowflake ids (Nov 2010) got small sequential ids.
        old = created < TWITTER_EPOCH_MS
        rank = np.empty(n, dtype=np.int64)
        rank[np.argsort(created, kind="stable")] = index
        ids = np.where(
            old,
            1_000_000 + rank * 1013 + index % 1013,
            ((created - TWITTER_EPOCH_MS) << 22) | (index & 0x3FFFFF),
        )
        return [str(v) for v in ids.tolist()]
    ids = (created << 16) | (index & 0xFFFF)
    while True:  # collisions need the same ms and index mod 65536; bump the later one
        order = np.argsort(ids, kind="stable")
        dup = np.flatnonzero(np.diff(ids[order]) == 0)
        if not len(dup):
            break
        ids[order[dup + 1]] += 1 << 16
    return [str(v) for v in ids.tolist()]


def _bot_nets(
    rng: np.random.Generator,
    in_degree: np.ndarray,
    first_person: int,
    first_bot: int,
    n_bots: int,
) -> list[BotNet]:
    n_nets = 1 if n_bots < 40 else 2
    indeg = in_degree[first_person:first_bot]
    ranked = np.argsort(-indeg, kind="stable")
    lo = max(1, len(ranked) // 20)
    clients = ranked[lo : lo + 4 * n_nets + 1]
    chosen = rng.choice(clients, n_nets, replace=False) + first_person
    bots = np.arange(first_bot, first_bot + n_bots)
    parts = np.array_split(bots, n_nets)
    nets = []
    for k in range(n_nets):
        brand = int(rng.integers(0, len(BRANDS)))
        nets.append(BotNet(client=int(chosen[k]), brand=brand, bots=parts[k]))
    return nets


def person_graph(rng: np.random.Generator, people: People) -> tuple[np.ndarray, np.ndarray]:
    """The platform-independent person graph (see :mod:`grapevine.simulate._graph`)."""
    return sample_person_graph(rng, people.community, people.weight, people.following, homophily=0.8)
