"""Simulated worlds: synthetic social media in the platforms' own formats, with ground truth.

``simulate_world(OUT, people=..., days=..., seed=...)`` writes a world that grapevine can
ingest like real exports, plus the truth behind it, so that every analysis (sentiment,
threads, influence, identity resolution, alerts) can be checked against known answers.
Same arguments, same bytes: all randomness comes from one ``numpy`` seed, nothing depends on
the clock, dict or set order, or the machine.

The world model
---------------
People and communities
    People belong to communities (about ``people ** 0.35`` of them, 3 to 40), each with a
    theme (tech, travel, food, ...) that sets their chatter, hashtags and bio. Most people
    have a Twitter account, about 30% a Mastodon account (20% both), 3% a blog.
Follow graph
    A directed Chung-Lu graph: each person follows a lognormal number of others, choosing
    inside their own community with probability 0.85 (homophily) and anywhere otherwise,
    always proportionally to the targets' Pareto(1.4) attractiveness, so follower counts
    are heavy-tailed. Each platform's graph is the person graph restricted to its members,
    plus follows of brand accounts, a follow-for-follow ring (about 1% of people all follow
    each other) and, on Twitter, bot nets that follow one client account. Follower and
    following counts in profiles equal the degrees in the written edge lists.
Brands and opinions
    Five fictional brands (Acme Mobile, Northwind Airlines, Globex Bank, Initech Cloud,
    Umbrella Coffee), each with an official and a support account (three are on Mastodon).
    Every person holds a fixed opinion of each brand in [-1, 1] (community leaning plus a
    personal offset). A post about a brand takes its sentiment from that opinion plus noise,
    so a person's brand posts agree in sign most of the time. Texts come from varied
    templates and vocabulary per sentiment class (angry, negative, neutral, positive,
    enthusiastic), including some sarcasm. Incidents (an outage, a bad launch) raise the
    volume and negativity about one brand for 6 to 30 hours.
Activity and cascades
    Original posts are drawn per time slice with a daily and weekly rhythm; authors are
    weighted by a lognormal activity that grows with their followers. Each post gets a
    lognormal virality (higher for strong emotions). Reposts spread as independent cascades
    along follower edges: a follower of the author (or of an earlier reposter) reposts with a
    probability that decays with depth; ``truth/cascades.csv`` names the account each repost
    came through. Followers reply (and authors answer back, up to three levels) and quote.
Customer care
    About a third of negative brand posts are addressed to the brand's support account and
    open a care thread: the agent asks for a DM, then the thread is either resolved
    ("thanks, that fixed it") or escalates through angrier turns ("still waiting", "DM'd you
    3 times", "I'll go to the press"); sometimes the agent never answers. Outcomes, stages
    and per-turn sentiment are in ``truth/care_threads.csv``.
Robustness traps
    Bot nets burst: all bots repost their client's post within two minutes and half of them
    post near-identical promos (``truth/bursts.csv``). About 1% of replies answer a post that
    is not in the data (a parent outside the collection; listed in
    ``truth/missing_parents.csv``); every other reply, repost and quote cites a post that
    was written earlier.

Output layout (``OUT/``)
------------------------
``twitter/tweets-NNNNN.jsonl``
    Twitter API v2 search pages as twarc2 writes them, one page (100 tweets) per line:
    ``data``, ``includes.users`` (authors, mentioned and cited accounts),
    ``includes.tweets`` (cited tweets), ``meta`` and ``__twarc``. Tweet ids are snowflakes
    that increase with time. A file holds about ``per_file`` tweets.
``twitter/follows.tsv``, ``mastodon/follows.tsv``
    Follow edges ``follower<TAB>followed`` as account ids, after ``#`` comment lines that
    name the platform in the edge-list directive (``# grapevine: platform=twitter kind=follow``).
``mastodon/statuses-NNNNN.jsonl``
    Mastodon REST Status objects, one per line (boosts carry the boosted status in
    ``reblog``); accounts from several instances, as seen from ``mastodon.example``.
``blogs/<site>.xml``
    One RSS 2.0 feed per blogger.
``truth/``
    ``people.csv`` (each person's accounts, community, website, email, phone),
    ``opinions.csv``, ``accounts.csv`` (role: person, brand, support, bot; follower
    counts), ``brands.csv``, ``communities.csv``, ``care_threads.csv``, ``cascades.csv``,
    ``missing_parents.csv``, ``incidents.csv``, ``bursts.csv``, ``labels.csv`` (kind, brand,
    sentiment -2..2 and emotion of the first ``label_cap`` posts per platform, reposts
    excepted) and ``summary.json``. Keep ``truth/`` out of ingestion: it is the answer key.

How it runs
-----------
Everything streams: the engine (:mod:`._engine`) emits time-sorted batches per slice, the
pipeline (:mod:`._pipeline`) cuts them into units of 20,000 posts that carry the rows of the
earlier posts they cite, and renderers (:mod:`._render`) turn units into bytes, optionally in
``workers`` forked processes, while a thread writes files in order. Memory stays flat in the
number of posts (about 0.6 GB for 100,000 people); the output is identical for any number of
workers.

With ``compress=True`` the JSON Lines files are zstd-compressed (``.jsonl.zst``).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from grapevine.simulate._blogs import write_blogs
from grapevine.simulate._engine import Engine, Incident
from grapevine.simulate._people import make_people
from grapevine.simulate._pipeline import Rotating, run_platform
from grapevine.simulate._render import MastodonRenderer, TwitterRenderer
from grapevine.simulate._text import render_pools
from grapevine.simulate._truth import Truth
from grapevine.simulate._vocab import BRANDS
from grapevine.simulate._world import Platform, build_platform, person_graph

__all__ = ["FORMATS", "WorldSummary", "simulate_world"]

FORMATS = ("twitter", "mastodon", "rss")
_OWN_FOLDERS = ("twitter", "mastodon", "blogs", "truth")
_SHARES = {"twitter": 0.77, "mastodon": 0.20}


@dataclass(frozen=True)
class WorldSummary:
    """What :func:`simulate_world` wrote."""

    out_dir: Path
    seed: int
    people: int
    days: int
    start: str
    posts: int
    posts_by_platform: dict[str, int]
    accounts_by_platform: dict[str, int]
    follows_by_platform: dict[str, int]
    care_threads: dict[str, int]
    files: tuple[str, ...] = field(default_factory=tuple)
    elapsed_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (paths as strings; files as a count per folder)."""
        folders: dict[str, int] = {}
        for name in self.files:
            top = name.split("/", 1)[0]
            folders[top] = folders.get(top, 0) + 1
        return {
            "out_dir": str(self.out_dir),
            "seed": self.seed,
            "people": self.people,
            "days": self.days,
            "start": self.start,
            "posts": self.posts,
            "posts_by_platform": self.posts_by_platform,
            "accounts_by_platform": self.accounts_by_platform,
            "follows_by_platform": self.follows_by_platform,
            "care_threads": self.care_threads,
            "files": folders,
            "elapsed_s": round(self.elapsed_s, 2),
            "posts_per_s": round(self.posts / self.elapsed_s) if self.elapsed_s > 0 else None,
        }


def simulate_world(
    out_dir: str | Path,
    people: int = 1000,
    days: int = 30,
    seed: int = 0,
    posts: int | None = None,
    formats: tuple[str, ...] | list[str] = FORMATS,
    *,
    start: str | date = "2024-03-01",
    compress: bool = False,
    per_file: int = 500_000,
    label_cap: int = 50_000,
    overwrite: bool = False,
    workers: int | None = None,
) -> WorldSummary:
    """Write a simulated world under ``out_dir`` and return what was written.

    Parameters
    ----------
    out_dir
        Folder to write into; it must be empty or absent unless ``overwrite`` is true (which
        removes only this generator's own subfolders first).
    people, days, seed
        Size of the population, length of the period, and the random seed.
    posts
        Total posts across platforms (default ``people * days``). Generation streams, so
        memory stays flat; 10 million posts want 10 or more days.
    formats
        Any of ``"twitter"``, ``"mastodon"``, ``"rss"``; the post budget is shared among them.
    start
        First day (UTC) of the period.
    compress
        Write ``.jsonl.zst`` instead of ``.jsonl``.
    per_file, label_cap
        Posts per output file; posts per platform labelled in ``truth/labels.csv``.
    workers
        Extra processes that serialise posts while this one simulates (0: none; default: one
        less than the CPU count, at most 4, for worlds of 200,000 posts or more). The output
        is the same for any number of workers.

    Examples
    --------
    >>> summary = simulate_world("world", people=200, days=7, seed=1)  # doctest: +SKIP
    >>> summary.posts  # doctest: +SKIP
    1400
    """
    began = time.perf_counter()
    chosen = tuple(f for f in FORMATS if f in set(formats))
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not chosen:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}; got {', '.join(map(str, formats))}")
    if people < 20:
        raise ValueError("people must be at least 20")
    if days < 1:
        raise ValueError("days must be at least 1")
    total = people * days if posts is None else int(posts)
    if total < 0:
        raise ValueError("posts must not be negative")
    out = Path(out_dir)
    _prepare(out, overwrite)
    start_day = start if isinstance(start, date) else date.fromisoformat(str(start))
    start_ms = int(datetime(start_day.year, start_day.month, start_day.day, tzinfo=UTC).timestamp() * 1000)
    end_ms = start_ms + days * 86_400_000

    seq = np.random.SeedSequence(seed)
    rng_people, rng_graph, rng_tw, rng_md, rng_text, rng_inc, rng_blog, rng_e1, rng_e2 = (
        np.random.default_rng(s) for s in seq.spawn(9)
    )
    population = make_people(rng_people, people)
    src, dst = person_graph(rng_graph, population)
    platforms = {
        "twitter": build_platform("twitter", rng_tw, population, src, dst, start_ms),
        "mastodon": build_platform("mastodon", rng_md, population, src, dst, start_ms),
    }
    del src, dst  # the platforms hold what they need
    pools = render_pools(rng_text)
    incidents = _incidents(rng_inc, start_ms, end_ms)
    budget = _budget(total, chosen, population.blog.sum(), days)

    if workers is None:
        n_workers = min((os.cpu_count() or 1) - 1, 4) if total >= 200_000 else 0
    else:
        n_workers = max(0, int(workers))
    truth = Truth(out, label_cap)
    files: list[Path] = []
    retrieved = datetime.fromtimestamp(end_ms / 1000, tz=UTC).isoformat()
    for name, rng in (("twitter", rng_e1), ("mastodon", rng_e2)):
        if name not in chosen:
            continue
        plat = platforms[name]
        engine = Engine(plat, rng, budget[name], start_ms, end_ms, incidents)
        truth.engines[name] = engine
        expected = _expected_posts(plat, budget[name])
        renderer: TwitterRenderer | MastodonRenderer
        if name == "twitter":
            renderer = TwitterRenderer(plat, population, pools, expected, retrieved)
            sink = Rotating(out / "twitter", "tweets", per_file, compress)
        else:
            renderer = MastodonRenderer(plat, population, pools, expected)
            sink = Rotating(out / "mastodon", "statuses", per_file, compress)
        files += run_platform(engine, renderer, truth, sink, n_workers)
        files.append(_write_follows(out / name / "follows.tsv", plat))
    if "rss" in chosen:
        files += write_blogs(out, rng_blog, population, pools, budget["rss"], start_ms, end_ms)
    truth.finish(population, platforms, incidents)

    outcomes: dict[str, int] = {}
    for engine in truth.engines.values():
        for th in engine.threads:
            if th.emitted:
                outcomes[th.outcome] = outcomes.get(th.outcome, 0) + 1
    summary = WorldSummary(
        out_dir=out,
        seed=seed,
        people=people,
        days=days,
        start=start_day.isoformat(),
        posts=sum(budget[f] for f in chosen),
        posts_by_platform={f: budget[f] for f in chosen},
        accounts_by_platform={n: platforms[n].n for n in ("twitter", "mastodon") if n in chosen},
        follows_by_platform={n: len(platforms[n].graph.src) for n in ("twitter", "mastodon") if n in chosen},
        care_threads=dict(sorted(outcomes.items())),
        files=(),
    )
    truth_files = [*sorted((out / "truth").iterdir()), out / "truth" / "summary.json"]
    names = tuple(p.relative_to(out).as_posix() for p in [*files, *truth_files])
    data = {
        k: v
        for k, v in summary.as_dict().items()
        if k not in ("out_dir", "elapsed_s", "posts_per_s", "files")
    }
    data["files"] = list(names)
    (out / "truth" / "summary.json").write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    return WorldSummary(**{**summary.__dict__, "files": names, "elapsed_s": time.perf_counter() - began})


def _prepare(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file; choose a folder for the simulated world")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{out} is not empty; choose an empty folder or pass overwrite=True")
        for name in _OWN_FOLDERS:
            if (out / name).is_dir():
                shutil.rmtree(out / name)
    out.mkdir(parents=True, exist_ok=True)


def _budget(total: int, chosen: tuple[str, ...], bloggers: int, days: int) -> dict[str, int]:
    """Split the post budget: blogs get a small share (capped per blogger and day), the rest 77:20."""
    budget = {"twitter": 0, "mastodon": 0, "rss": 0}
    if "rss" in chosen:
        budget["rss"] = int(min(round(total * 0.03), bloggers * days * 0.5))
        if len(chosen) == 1:
            budget["rss"] = total if bloggers else 0
    rest = total - budget["rss"]
    social = [f for f in chosen if f in _SHARES]
    weights = np.array([_SHARES[f] for f in social])
    for k, f in enumerate(social):
        budget[f] = round(float(rest * weights[: k + 1].sum() / weights.sum())) - sum(
            budget[g] for g in social[:k]
        )
    return budget


def _incidents(rng: np.random.Generator, start_ms: int, end_ms: int) -> list[Incident]:
    out: list[Incident] = []
    span = end_ms - start_ms
    for b in range(len(BRANDS)):
        if rng.random() < 0.6 or (b == len(BRANDS) - 1 and not out):
            length = int(rng.integers(6, 31)) * 3_600_000
            begin = start_ms + int(rng.integers(0, max(1, span - length)))
            out.append(Incident(b, begin, min(end_ms, begin + length)))
    return out


def _expected_posts(plat: Platform, posts: int) -> np.ndarray:
    """A generous guess of each account's posts in the period, added to its lifetime count."""
    share = plat.activity / (plat.activity.sum() or 1.0)
    return np.ceil(share * posts * 1.5).astype(np.int64) + 1


def _write_follows(path: Path, plat: Platform) -> Path:
    ids = plat.ids
    header = (
        f"# Directed follow graph of the simulated {plat.name.title()} accounts, as account ids.\n"
        f"# grapevine: platform={plat.name} kind=follow\n"
        f"# edges: {len(plat.graph.src)}\n"
        "# follower\tfollowed\n"
    )
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(header)
        src, dst = plat.graph.src, plat.graph.dst
        for lo in range(0, len(src), 200_000):
            chunk = zip(src[lo : lo + 200_000].tolist(), dst[lo : lo + 200_000].tolist(), strict=True)
            handle.write("".join(f"{ids[s]}\t{ids[d]}\n" for s, d in chunk))
    return path
