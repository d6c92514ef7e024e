"""The event engine: who posts what and when, streamed in time order, slice by slice.

Time is cut into slices (at most a day each). For each slice the engine draws *original*
posts (authors weighted by activity, times following a daily rhythm), decides each one's
content (brand or community chatter; sentiment from the author's persistent opinion), then
grows everything they cause at once, vectorised with numpy: repost cascades along follower
edges (independent-cascade model), reply chains, quotes, customer-care threads and bot
bursts. Follow-ups that fall in later slices wait in per-slice buckets. A slice's events are
sorted by time and handed to the writers as one :class:`Batch` with their final ids.

Ids are snowflakes, assigned at emission so they increase with time: Twitter
``(ms - 1288834974657) << 22 | seq``, Mastodon ``ms << 16 | seq``, where ``seq`` counts posts
within the same millisecond. A ring buffer maps an event's creation key to its id so
children can cite their parents.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from grapevine.simulate._graph import sorted_unique
from grapevine.simulate._world import BOT, BRAND, PERSON, TWITTER_EPOCH_MS, Platform

__all__ = ["EVENT", "STAGES", "Batch", "CareThread", "Engine", "Incident"]

POST, REPLY, REPOST, QUOTE, PROMO, CARE_OPEN, CARE_AGENT, CARE_CUSTOMER = range(8)
KIND_NAMES = ("post", "reply", "repost", "quote", "promo", "care_open", "care_agent", "care_customer")
NO_PARENT, MISSING = -1, -2
STAGES = (
    "agent_first", "agent_working", "agent_resolve", "agent_escalation",
    "dm", "resolved", "escalate1", "escalate2", "escalate3",
)  # fmt: skip
_STAGE = {name: i for i, name in enumerate(STAGES)}
_STAGE_SENTI = {"dm": -1, "resolved": 1, "escalate1": -1, "escalate2": -2, "escalate3": -2}

EVENT = np.dtype(
    [
        ("t", "<i8"), ("key", "<i8"), ("parent", "<i8"), ("root", "<i8"), ("author", "<i4"),
        ("via", "<i4"), ("target", "<i4"), ("thread", "<i4"), ("rnd", "<u4"), ("n_rt", "<i4"), ("n_reply", "<i4"),
        ("n_quote", "<i4"), ("likes", "<i4"), ("n_ref", "<i4"), ("depth", "<i2"), ("kind", "i1"),
        ("senti", "i1"), ("brand", "i1"), ("turn", "i1"),
    ]
)  # fmt: skip

_HOURLY = np.array([0.35, 0.25, 0.2, 0.18, 0.2, 0.3, 0.5, 0.8, 1.0, 1.1, 1.1, 1.15,
                    1.2, 1.15, 1.1, 1.1, 1.15, 1.2, 1.3, 1.35, 1.3, 1.1, 0.8, 0.55])  # fmt: skip
_CHATTER_SENTI = np.array([0.05, 0.15, 0.40, 0.28, 0.12]).cumsum()
_RING_BITS = 22
_HOUR = 3_600_000
_MAX_DELAY = 3 * 86_400_000


@dataclass(slots=True)
class Incident:
    """A window in which one brand draws a burst of complaints (an outage, a bad launch)."""

    brand: int
    start_ms: int
    end_ms: int


@dataclass(slots=True)
class CareThread:
    """A customer-care thread as planned: who, which brand, how it ends, each turn's stage."""

    platform: str
    customer: int
    brand: int
    support: int
    outcome: str  # resolved | escalated
    stages: list[str]
    sentiments: list[int]
    root_id: str = ""
    emitted: int = 0


@dataclass(slots=True)
class Burst:
    net: int
    t: int
    client_key: int = -1
    client_post_id: str = ""
    reposts: int = 0
    spam: int = 0


@dataclass(slots=True)
class Batch:
    """One slice of events sorted by time, with final ids (parent/root id 0 when none)."""

    events: np.ndarray
    ids: np.ndarray
    parent_ids: np.ndarray
    root_ids: np.ndarray


def senti_class(x: np.ndarray) -> np.ndarray:
    """Map an opinion-plus-noise score to the classes -2..2."""
    return (np.digitize(x, (-0.55, -0.15, 0.2, 0.6)) - 2).astype(np.int8)


def _delay(rng: np.random.Generator, n: int, median_s: float, sigma: float, low_s: float = 1.0) -> np.ndarray:
    d = rng.lognormal(math.log(median_s * 1000.0), sigma, n)
    return np.clip(d, low_s * 1000.0, _MAX_DELAY).astype(np.int64)


def _events(n: int, **cols: np.ndarray | int) -> np.ndarray:
    ev = np.zeros(n, dtype=EVENT)
    ev["parent"] = NO_PARENT
    ev["root"] = NO_PARENT
    ev["via"] = -1
    ev["target"] = -1
    ev["thread"] = -1
    ev["brand"] = -1
    for name, value in cols.items():
        ev[name] = value
    return ev


@dataclass
class Engine:
    """Generates one platform's posts; iterate :meth:`batches`. See the module docstring."""

    platform: Platform
    rng: np.random.Generator
    posts: int
    start_ms: int
    end_ms: int
    incidents: list[Incident]
    threads: list[CareThread] = field(default_factory=list)
    bursts: list[Burst] = field(default_factory=list)
    p_repost: float = 0.02
    reply_rate: float = 0.2
    care_share: float = 0.2

    def __post_init__(self) -> None:
        p = self.platform
        self._cum_activity = np.cumsum(p.activity)
        person_act = np.where(p.role == PERSON, p.activity, 0.0)
        self._cum_person = np.cumsum(person_act)
        self._repost_ok = np.select([p.role == PERSON, p.role == BOT], [1.0, 0.15], 0.02)
        self._bot_brand = np.full(p.n, -1, dtype=np.int8)
        for net in p.bot_nets:
            self._bot_brand[net.bots] = net.brand
        self._next_key = 0
        self._ring = np.zeros(1 << _RING_BITS, dtype=np.int64)
        hours = max(1, -(-(self.end_ms - self.start_ms) // _HOUR))
        grid = self.start_ms + _HOUR * np.arange(hours + 1, dtype=np.int64)
        grid[-1] = self.end_ms
        rate = _HOURLY[(grid[:-1] // _HOUR) % 24] * np.where(
            ((grid[:-1] // 86_400_000) + 3) % 7 >= 5, 0.85, 1.0
        )
        for inc in self.incidents:
            rate = rate * np.where((grid[:-1] >= inc.start_ms) & (grid[:-1] < inc.end_ms), 1.5, 1.0)
        self._grid = grid.astype(np.float64)
        self._cum_rate = np.concatenate([[0.0], np.cumsum(rate * np.diff(grid))])
        days = (self.end_ms - self.start_ms) / 86_400_000
        max_slices = max(1, (self.end_ms - self.start_ms) // 600_000)
        # Four-hour slices at least, so the volume controller corrects itself several times a day.
        self.n_slices = int(min(max(math.ceil(days * 6), math.ceil(self.posts / 20_000)), max_slices))
        span = self.end_ms - self.start_ms
        self._edges = self.start_ms + (span * np.arange(self.n_slices + 1, dtype=np.int64)) // self.n_slices
        if p.bot_nets:
            n_bursts = max(2, int(days // 5))
            times = np.sort(self.rng.integers(self.start_ms, self.end_ms - _HOUR, n_bursts))
            nets = self.rng.integers(0, len(p.bot_nets), n_bursts)
            self.bursts = [Burst(int(n), int(t)) for n, t in zip(nets.tolist(), times.tolist(), strict=True)]

    def _cum_at(self, t: np.ndarray | float) -> np.ndarray:
        return np.interp(t, self._grid, self._cum_rate)

    def batches(self) -> Iterator[Batch]:
        """Yield one time-sorted batch per slice until exactly ``posts`` events were emitted."""
        rng = self.rng
        pending: list[list[np.ndarray]] = [[] for _ in range(self.n_slices)]
        emitted = committed = 0
        # Follow-ups per original (within the period), as a decaying average of recent slices:
        # it drops near the end, when more follow-ups would fall after the period.
        originals, followups = 100.0, 150.0
        total_rate = float(self._cum_rate[-1])
        for s in range(self.n_slices):
            a, b = int(self._edges[s]), int(self._edges[s + 1])
            target = self.posts * float(self._cum_at(b)) / total_rate
            n_orig = max(0, round((target - committed) / (1.0 + followups / originals)))
            new = self._generate(rng, n_orig, a, b)
            committed += len(new)
            originals = 0.7 * originals + n_orig
            followups = 0.7 * followups + len(new) - n_orig
            where = np.searchsorted(self._edges, new["t"], side="right") - 1
            order = np.argsort(where, kind="stable")
            bounds = np.searchsorted(where[order], np.arange(s, self.n_slices + 1))
            for k in range(s, self.n_slices):
                if bounds[k - s + 1] > bounds[k - s]:
                    pending[k].append(new[order[bounds[k - s] : bounds[k - s + 1]]])
            current = np.concatenate(pending[s]) if pending[s] else _events(0)
            pending[s] = []
            last = s == self.n_slices - 1
            if last or emitted + len(current) > self.posts:
                current = self._settle(rng, current, self.posts - emitted, a, b, fill=last)
            current = current[np.lexsort((current["key"], current["t"]))]
            emitted += len(current)
            if len(current):
                yield self._identify(current)
            if emitted >= self.posts:
                break
        self._ring = np.zeros(0, dtype=np.int64)  # only needed while emitting

    def _settle(
        self, rng: np.random.Generator, current: np.ndarray, room: int, a: int, b: int, fill: bool
    ) -> np.ndarray:
        """Make the emitted total land exactly on the requested count."""
        if fill and len(current) < room:
            extra = self._originals(rng, room - len(current), a, b, allow_care=False)
            return np.concatenate([current, extra])
        if len(current) > room:
            # Drop reposts first (nothing cites a repost), then the latest events (children
            # are always later than their parents, so the cut never orphans a reply).
            excess = len(current) - room
            current = current[np.lexsort((current["key"], current["t"]))]
            reposts = np.flatnonzero(current["kind"] == REPOST)[::-1][:excess]
            keep = np.ones(len(current), dtype=bool)
            keep[reposts] = False
            current = current[keep]
            if len(current) > room:
                current = current[:room]
        return current

    def _identify(self, ev: np.ndarray) -> Batch:
        t = ev["t"]
        n = len(t)
        change = np.ones(n, dtype=bool)
        change[1:] = t[1:] != t[:-1]
        starts = np.flatnonzero(change)
        seq = np.arange(n) - np.repeat(starts, np.diff(np.append(starts, n)))
        twitter = self.platform.name == "twitter"
        limit = (1 << 21) if twitter else (1 << 15)
        if seq.max() >= limit:
            raise RuntimeError("too many posts in one millisecond; use more days or fewer posts")
        ids = (((t - TWITTER_EPOCH_MS) << 22) | seq) if twitter else ((t << 16) | seq)
        mask = (1 << _RING_BITS) - 1
        self._ring[ev["key"] & mask] = ids
        refs = np.concatenate([ev["parent"][ev["parent"] >= 0], ev["root"][ev["root"] >= 0]])
        if len(refs) and self._next_key - int(refs.min()) > (1 << _RING_BITS):
            raise RuntimeError("too many posts in flight for the id ring; use more days or fewer posts")
        parent_ids = np.where(ev["parent"] >= 0, self._ring[ev["parent"] & mask], 0)
        root_ids = np.where(ev["root"] >= 0, self._ring[ev["root"] & mask], 0)
        missing = ev["parent"] == MISSING
        if missing.any():
            # A reply to a post outside the collection: a plausible earlier id nobody emitted
            # (sequence numbers this high are never assigned).
            back = ev["t"][missing] - 3_600_000 - (ev["rnd"][missing].astype(np.int64) % 86_400_000)
            low = ev["key"][missing] % (limit // 2) + limit
            fake = (((back - TWITTER_EPOCH_MS) << 22) | low) if twitter else ((back << 16) | low)
            parent_ids[missing] = fake
            root_ids[missing] = fake
        return Batch(ev, ids, parent_ids, root_ids)

    # -- generation ---------------------------------------------------------------------------

    def _keys(self, n: int) -> np.ndarray:
        keys = np.arange(self._next_key, self._next_key + n, dtype=np.int64)
        self._next_key += n
        return keys

    def _pick_active(self, rng: np.random.Generator, n: int, cum: np.ndarray) -> np.ndarray:
        return np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(cum) - 1)

    def _originals(
        self, rng: np.random.Generator, n: int, a: int, b: int, allow_care: bool = True
    ) -> np.ndarray:
        p = self.platform
        lo, hi = self._cum_at(float(a)), self._cum_at(float(b))
        t = np.sort(np.interp(lo + rng.random(n) * (hi - lo), self._cum_rate, self._grid).astype(np.int64))
        t = np.clip(t, a, b - 1)
        author = self._pick_active(rng, n, self._cum_activity)
        role = p.role[author]
        u = rng.random((n, 4))
        brand = (u[:, :1] > p.brand_cum[author]).sum(axis=1).astype(np.int8)
        about_brand = u[:, 1] < p.brand_talk[author]
        opinion = p.opinion[author, brand]
        senti = senti_class(opinion + rng.normal(0.0, 0.35, n))
        chatter = (np.searchsorted(_CHATTER_SENTI, u[:, 2]) - 2).astype(np.int8)
        senti = np.where(about_brand, senti, chatter)
        brand = np.where(about_brand, brand, -1).astype(np.int8)
        kind = np.full(n, POST, dtype=np.int8)
        is_brand_acc = role == BRAND
        brand[is_brand_acc] = p.brand[author[is_brand_acc]]
        bot = role == BOT
        brand[bot] = self._bot_brand[author[bot]]
        kind[is_brand_acc | bot] = PROMO
        senti[is_brand_acc] = 1
        senti[bot] = 2
        for inc in self.incidents:
            hit = (t >= inc.start_ms) & (t < inc.end_ms) & (role == PERSON) & (u[:, 3] < 1 / 3)
            brand[hit] = inc.brand
            fan = p.opinion[author[hit], inc.brand] > 0.6
            senti[hit] = np.where(fan, 0, np.minimum(senti_class(p.opinion[author[hit], inc.brand]), -1))
        ev = _events(n, t=t, key=self._keys(n), author=author, kind=kind, senti=senti, brand=brand,
                     rnd=rng.integers(0, 1 << 32, n, dtype=np.uint32))  # fmt: skip
        ev["root"] = ev["key"]
        orphan = (role == PERSON) & (rng.random(n) < 0.01)
        ev["kind"][orphan] = REPLY
        ev["parent"][orphan] = MISSING
        ev["root"][orphan] = MISSING
        ev["via"][orphan] = self._pick_active(rng, int(orphan.sum()), self._cum_person)
        ev["target"][orphan] = ev["via"][orphan]
        if allow_care:
            care = (kind == POST) & (brand >= 0) & (senti < 0) & (role == PERSON) & ~orphan
            care &= (p.support[np.maximum(brand, 0)] >= 0) & (rng.random(n) < self.care_share)
            ev["kind"][care] = CARE_OPEN
            ev["target"][care] = p.support[brand[care]]
        return ev

    def _generate(self, rng: np.random.Generator, n_orig: int, a: int, b: int) -> np.ndarray:
        key_base = self._next_key
        orig = self._originals(rng, n_orig, a, b)
        parts = [orig]
        parts += self._bursts(rng, a, b)
        seeds = np.concatenate(parts)
        virality = rng.lognormal(0.0, 1.0, len(seeds)) * np.where(np.abs(seeds["senti"]) == 2, 1.3, 1.0)
        virality[seeds["kind"] == REPLY] *= 0.2
        follow = [self._care_threads(rng, seeds)]
        follow.append(self._cascades(rng, seeds, virality))
        follow.append(self._replies(rng, seeds, virality))
        follow.append(self._quotes(rng, seeds, virality))
        new = np.concatenate([seeds, *follow])
        new = new[new["t"] < self.end_ms]
        idx = new["key"] - key_base
        size = self._next_key - key_base
        children = new[new["parent"] >= 0]
        pidx = children["parent"] - key_base
        counts = {
            "n_ref": np.bincount(pidx, minlength=size),
            "n_rt": np.bincount(pidx[children["kind"] == REPOST], minlength=size),
            "n_quote": np.bincount(pidx[children["kind"] == QUOTE], minlength=size),
            "n_reply": np.bincount(
                pidx[(children["kind"] != REPOST) & (children["kind"] != QUOTE)], minlength=size
            ),
        }
        for name, values in counts.items():
            new[name] = values[idx]
        followers = self.platform.graph.in_degree[new["author"]]
        base = np.where(new["kind"] == REPOST, 0.0, 0.3 * np.sqrt(1.0 + followers))
        new["likes"] = rng.poisson(base * rng.lognormal(0.0, 0.8, len(new)))
        return new

    def _bursts(self, rng: np.random.Generator, a: int, b: int) -> list[np.ndarray]:
        out = []
        for burst in self.bursts:
            if not (a <= burst.t < b):
                continue
            net = self.platform.bot_nets[burst.net]
            key = self._keys(1)
            client = _events(1, t=burst.t, key=key, root=key, author=net.client, kind=POST, senti=2,
                             brand=net.brand, rnd=rng.integers(0, 1 << 32, 1, dtype=np.uint32))  # fmt: skip
            bots = net.bots
            rt = _events(len(bots), t=burst.t + rng.integers(5_000, 120_000, len(bots)), key=self._keys(len(bots)),
                         parent=key[0], root=key[0], author=bots, via=net.client, target=net.client, kind=REPOST,
                         depth=1)  # fmt: skip
            spammers = bots[rng.random(len(bots)) < 0.5]
            spam_keys = self._keys(len(spammers))
            spam = _events(len(spammers), t=burst.t + rng.integers(0, 600_000, len(spammers)), key=spam_keys,
                           root=spam_keys, author=spammers, kind=PROMO, senti=2, brand=net.brand,
                           rnd=rng.integers(0, 1 << 32, len(spammers), dtype=np.uint32))  # fmt: skip
            burst.reposts, burst.spam, burst.client_key = len(bots), len(spammers), int(key[0])
            out += [client, rt, spam]
        return out

    def _cascades(self, rng: np.random.Generator, seeds: np.ndarray, virality: np.ndarray) -> np.ndarray:
        """Independent cascades over follower edges, all seeds of the slice at once."""
        g = self.platform.graph
        indptr, followers, n = g.followers_indptr, g.followers, g.n
        ok = seeds["kind"] != REPLY
        cas = np.flatnonzero(ok)
        p0 = self.p_repost * virality[cas]
        f_c, f_node, f_t = np.arange(len(cas)), seeds["author"][cas].astype(np.int64), seeds["t"][cas]
        seen = np.sort(f_c * n + f_node)
        out = []
        for depth in range(1, 8):
            deg = indptr[f_node + 1] - indptr[f_node]
            # Per-follower odds shrink with the audience (big accounts reach more people, but
            # each follower is less engaged): expected reposts grow like deg ** 0.55.
            p_edge = p0[f_c] * 0.55 ** (depth - 1) * (1.0 + deg) ** -0.45
            k = rng.binomial(deg, np.minimum(0.5, p_edge))
            total = int(k.sum())
            if total == 0:
                break
            rep = np.repeat(np.arange(len(f_node)), k)
            nodes = followers[indptr[f_node[rep]] + (rng.random(total) * deg[rep]).astype(np.int64)].astype(
                np.int64
            )
            keep = rng.random(total) < self._repost_ok[nodes]
            rep, nodes = rep[keep], nodes[keep]
            keys = f_c[rep] * n + nodes
            _, first = np.unique(keys, return_index=True)
            first = np.sort(first)
            pos = np.searchsorted(seen, keys[first])
            fresh = first[(pos >= len(seen)) | (seen[np.minimum(pos, len(seen) - 1)] != keys[first])]
            if not len(fresh):
                break
            rep, nodes = rep[fresh], nodes[fresh]
            seen = sorted_unique(np.concatenate([seen, keys[fresh]]))
            t = f_t[rep] + _delay(rng, len(rep), 1800 * depth**0.5, 1.3, 5)
            src = cas[f_c[rep]]
            out.append(_events(len(rep), t=t, key=self._keys(len(rep)), parent=seeds["key"][src],
                               root=seeds["key"][src], author=nodes, via=f_node[rep], target=seeds["author"][src],
                               kind=REPOST, depth=depth))  # fmt: skip
            f_c, f_node, f_t = f_c[rep], nodes, t
        return np.concatenate(out) if out else _events(0)

    def _replies(self, rng: np.random.Generator, seeds: np.ndarray, virality: np.ndarray) -> np.ndarray:
        p = self.platform
        g = p.graph
        eligible = (seeds["kind"] == POST) | (seeds["kind"] == PROMO)
        lam = self.reply_rate * virality * np.where(seeds["brand"] >= 0, 1.4, 1.0) * eligible
        r = rng.poisson(lam)
        rep = np.repeat(np.arange(len(seeds)), r)
        author = seeds["author"][rep].astype(np.int64)
        deg = g.followers_indptr[author + 1] - g.followers_indptr[author]
        slot = g.followers_indptr[author] + (rng.random(len(rep)) * deg).astype(np.int64)
        follower = g.followers[np.minimum(slot, len(g.followers) - 1)] if len(g.followers) else author
        stranger = self._pick_active(rng, len(rep), self._cum_person)
        replier = np.where((deg > 0) & (rng.random(len(rep)) < 0.8), follower, stranger).astype(np.int64)
        keep = (replier != author) & (p.role[replier] == PERSON)
        rep, replier, author = rep[keep], replier[keep], author[keep]
        brand = seeds["brand"][rep]
        t1 = seeds["t"][rep] + _delay(rng, len(rep), 1500, 1.2, 10)
        level1 = _events(len(rep), t=t1, key=self._keys(len(rep)), parent=seeds["key"][rep], root=seeds["key"][rep],
                         author=replier, target=author, kind=REPLY, brand=brand, depth=1, senti=self._reply_senti(rng, replier, brand),
                         rnd=rng.integers(0, 1 << 32, len(rep), dtype=np.uint32))  # fmt: skip
        back = (rng.random(len(rep)) < 0.3) & (p.role[author] == PERSON)
        level2 = self._respond(rng, level1[back], author[back], 2)
        again = rng.random(len(level2)) < 0.3
        level3 = self._respond(rng, level2[again], level1["author"][back][again].astype(np.int64), 3)
        return np.concatenate([level1, level2, level3])

    def _respond(
        self, rng: np.random.Generator, parents: np.ndarray, who: np.ndarray, depth: int
    ) -> np.ndarray:
        n = len(parents)
        return _events(n, t=parents["t"] + _delay(rng, n, 1200, 1.0, 10), key=self._keys(n), parent=parents["key"],
                       root=parents["root"], author=who, target=parents["author"], kind=REPLY, brand=parents["brand"], depth=depth,
                       senti=self._reply_senti(rng, who, parents["brand"]),
                       rnd=rng.integers(0, 1 << 32, n, dtype=np.uint32))  # fmt: skip

    def _reply_senti(self, rng: np.random.Generator, who: np.ndarray, brand: np.ndarray) -> np.ndarray:
        n = len(who)
        opinion = self.platform.opinion[who, np.maximum(brand, 0)]
        brand_senti = senti_class(opinion + rng.normal(0.0, 0.35, n))
        chatter = (np.searchsorted(_CHATTER_SENTI, rng.random(n)) - 2).astype(np.int8)
        return np.where(brand >= 0, brand_senti, chatter)

    def _quotes(self, rng: np.random.Generator, seeds: np.ndarray, virality: np.ndarray) -> np.ndarray:
        g = self.platform.graph
        author = seeds["author"].astype(np.int64)
        deg = g.followers_indptr[author + 1] - g.followers_indptr[author]
        pick = (
            (seeds["kind"] != REPLY) & (deg > 0) & (rng.random(len(seeds)) < np.minimum(0.5, 0.03 * virality))
        )
        idx = np.flatnonzero(pick)
        quoter = g.followers[
            g.followers_indptr[author[idx]] + (rng.random(len(idx)) * deg[idx]).astype(np.int64)
        ]
        quoter = quoter.astype(np.int64)
        ok = self.platform.role[quoter] == PERSON
        idx, quoter = idx[ok], quoter[ok]
        n = len(idx)
        keys = self._keys(n)
        return _events(n, t=seeds["t"][idx] + _delay(rng, n, 3600, 1.0, 30), key=keys, parent=seeds["key"][idx],
                       root=keys, author=quoter, target=author[idx], kind=QUOTE, brand=seeds["brand"][idx], depth=1,
                       senti=self._reply_senti(rng, quoter, seeds["brand"][idx]),
                       rnd=rng.integers(0, 1 << 32, n, dtype=np.uint32))  # fmt: skip

    def _care_threads(self, rng: np.random.Generator, seeds: np.ndarray) -> np.ndarray:
        """Plan each care thread turn by turn; a thread that would outlast the period is not opened."""
        p = self.platform
        # t, replied-to author, root, author, stage, sentiment, thread, brand, addressed account
        rows: list[tuple[int, ...]] = []
        for i in np.flatnonzero(seeds["kind"] == CARE_OPEN).tolist():
            ev = seeds[i]
            customer, brand = int(ev["author"]), int(ev["brand"])
            support = int(p.support[brand])
            opinion = float(p.opinion[customer, brand])
            draw = rng.random(6)
            resolved = draw[0] < min(0.85, max(0.2, 0.55 + 0.25 * opinion))
            if resolved:
                stages = ["agent_first", "dm"]
                if draw[1] < 0.3:
                    stages += ["escalate1", "agent_working"]
                stages += ["agent_resolve", "resolved"]
            else:
                stages = [] if draw[1] < 0.25 else ["agent_first", "dm"]
                stages.append("escalate1")
                if stages[0] == "agent_first" and draw[2] < 0.6:
                    stages.append("agent_escalation")
                stages.append("escalate2")
                if draw[3] < 0.6:
                    stages.append("escalate3")
            t = int(ev["t"])
            times = []
            for stage in stages:
                if stage.startswith("agent"):
                    t += int(_delay(rng, 1, 2400 if stage == "agent_first" else 5400, 0.9, 60)[0])
                elif stage in ("dm", "resolved"):
                    t += int(_delay(rng, 1, 600 if stage == "dm" else 1800, 0.8, 20)[0])
                else:
                    t += int(_delay(rng, 1, 5 * 3600, 0.6, 600)[0])
                times.append(t)
            if times[-1] >= self.end_ms:
                seeds["kind"][i] = POST  # an unanswered complaint: no thread
                seeds["target"][i] = -1
                continue
            thread = len(self.threads)
            sentis = [int(ev["senti"])]
            for stage in stages:
                s = 0 if stage.startswith("agent") else _STAGE_SENTI[stage]
                if stage == "resolved" and draw[4] < 0.5:
                    s = 2
                sentis.append(s)
            self.threads.append(CareThread(p.name, customer, brand, support, "resolved" if resolved else "escalated",
                                           stages, sentis))  # fmt: skip
            seeds["thread"][i] = thread
            previous = customer  # author of the post each turn replies to
            for stage, when, s in zip(stages, times, sentis[1:], strict=True):
                agent = stage.startswith("agent")
                who, addressed = (support, customer) if agent else (customer, support)
                rows.append((when, previous, int(ev["key"]), who, _STAGE[stage], s, thread, brand, addressed))
                previous = who
        if not rows:
            return _events(0)
        cols = np.array(rows, dtype=np.int64)
        n = len(cols)
        keys = self._keys(n)
        parent = np.where(np.diff(np.append(-1, cols[:, 6])) != 0, cols[:, 2], np.append(-1, keys[:-1]))
        is_agent = cols[:, 4] < _STAGE["dm"]
        return _events(n, t=cols[:, 0], key=keys, parent=parent, root=cols[:, 2], author=cols[:, 3], target=cols[:, 8], via=cols[:, 1],
                       kind=np.where(is_agent, CARE_AGENT, CARE_CUSTOMER), turn=cols[:, 4], senti=cols[:, 5],
                       thread=cols[:, 6], brand=cols[:, 7], depth=1,
                       rnd=rng.integers(0, 1 << 32, n, dtype=np.uint32))  # fmt: skip
