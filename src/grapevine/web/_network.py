"""A brand's conversation network for the ``/network`` page, and the communities the people page filters by.

The network is the interaction graph (replies, mentions, reposts, quotes) of the posts matching a
tracked brand, or of every post without one, from :func:`grapevine.graph.graph_from_store`. Nodes
are accounts, scored by PageRank on that graph (attention received) and split into communities by
Leiden (:func:`grapevine.graph.leiden`, seed 0, so community numbers are stable for the same data:
0 is the largest). The page shows only the top ``limit`` accounts by PageRank, so it stays fast on
big workspaces; the layout is computed here (Fruchterman-Reingold started from community centres),
so the browser only draws.

Analyses are cached per store, brand and a fingerprint of the tables they read, so a page view
after the first costs a few cheap ``count(*)`` queries until new data is ingested.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numba import njit

from grapevine.graph import Graph, graph_from_store, leiden, node_handles, pagerank

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = [
    "DEFAULT_NODES",
    "MAX_NODES",
    "PALETTE",
    "NetworkAnalysis",
    "community_choices",
    "layout",
    "network_analysis",
    "network_data",
    "person_communities",
]

DEFAULT_NODES = 300
MAX_NODES = 1000
# Colour-blind-safe first (Okabe-Ito), then Tableau's; communities past the palette are grey.
PALETTE = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#7a5c00",
    "#6a3d9a",
    "#b2182b",
    "#1b7837",
    "#8c6d31",
    "#393b79",
)
OTHER_COLOUR = "#9aa5b1"
_CACHE_SIZE = 8


@dataclass(frozen=True)
class NetworkAnalysis:
    """The interaction graph of one brand (or of everything) with PageRank and Leiden communities per node."""

    brand: str | None
    graph: Graph
    pagerank: np.ndarray
    communities: np.ndarray
    handles: list[str | None]
    person_ids: list[str | None]
    pages: dict[tuple[int, int | None], dict[str, Any]] = field(default_factory=dict)

    @property
    def community_sizes(self) -> np.ndarray:
        if self.graph.n_nodes == 0:
            return np.zeros(0, np.int64)
        return np.bincount(self.communities)


_caches: weakref.WeakKeyDictionary[Store, dict[tuple[Any, ...], NetworkAnalysis]] = (
    weakref.WeakKeyDictionary()
)


def _fingerprint(store: Store) -> tuple[Any, ...]:
    """Changes whenever posts, accounts, stored edges, brand matches or people links change."""
    return tuple(
        store.run(
            "SELECT (SELECT count(*) FROM posts), (SELECT max(ingested_at) FROM posts), "
            "(SELECT count(*) FROM accounts), (SELECT max(ingested_at) FROM accounts), "
            "(SELECT count(*) FROM edges), (SELECT count(*) FROM track_matches), "
            "(SELECT count(*) FROM person_accounts)"
        )[0]
    )


def network_analysis(store: Store, brand: str | None = None) -> NetworkAnalysis:
    """The interaction graph of ``brand``'s posts (all posts when None) with PageRank and communities."""
    from grapevine.people import refresh_people

    refresh_people(store)  # person ids for click-through; a no-op when nothing changed
    key = (brand, _fingerprint(store))
    cache = _caches.setdefault(store, {})
    if key in cache:
        return cache[key]
    graph = graph_from_store(store, "interaction", track=brand)
    scores = pagerank(graph) if graph.n_edges else np.zeros(graph.n_nodes)
    communities = leiden(graph, seed=0)
    handles = node_handles(store, graph)
    links = store.query("SELECT platform, id, person_id FROM person_accounts").to_pandas()
    people = pd.Series(
        links["person_id"].to_numpy(), index=pd.MultiIndex.from_frame(links[["platform", "id"]])
    )
    codes: np.ndarray = np.full(graph.n_nodes, -1)
    if len(people) and graph.n_nodes:
        codes = people.index.get_indexer(graph.labels)
    person_ids = [str(people.iloc[c]) if c >= 0 else None for c in codes]
    analysis = NetworkAnalysis(brand, graph, scores, communities, handles, person_ids)
    if len(cache) >= _CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = analysis
    return analysis


def person_communities(analysis: NetworkAnalysis) -> dict[str, int]:
    """Each person's community: that of their account with the highest PageRank in the network."""
    if analysis.graph.n_nodes == 0:
        return {}
    frame = pd.DataFrame(
        {"person": analysis.person_ids, "score": analysis.pagerank, "community": analysis.communities}
    ).dropna(subset=["person"])
    best = frame.sort_values("score", ascending=False, kind="stable").drop_duplicates("person")
    return dict(zip(best["person"], best["community"].astype(int), strict=True))


def community_choices(analysis: NetworkAnalysis, top: int = 30) -> list[dict[str, Any]]:
    """The ``top`` largest communities with their size, colour and best-ranked handles (for menus and keys)."""
    sizes = analysis.community_sizes
    out = []
    for community in range(min(top, len(sizes))):
        members = np.flatnonzero(analysis.communities == community)
        best = members[np.argsort(-analysis.pagerank[members], kind="stable")[:3]]
        out.append(
            {
                "community": community,
                "accounts": int(sizes[community]),
                "colour": _colour(community),
                "top": [_label(analysis, int(code)) for code in best],
            }
        )
    return out


def _colour(community: int) -> str:
    return PALETTE[community] if community < len(PALETTE) else OTHER_COLOUR


def _label(analysis: NetworkAnalysis, code: int) -> str:
    handle = analysis.handles[code]
    return f"@{handle}" if handle else str(analysis.graph.labels[code][1])


def _pairs(graph: Graph, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected edges among the ``chosen`` node codes, in positions of ``chosen``, weights summed both ways."""
    position = np.full(graph.n_nodes, -1, np.int64)
    position[chosen] = np.arange(len(chosen))
    src = position[np.repeat(np.arange(graph.n_nodes), np.diff(graph.indptr))]
    dst = position[graph.indices]
    weight = graph.weights if graph.weights is not None else np.ones(len(dst))
    keep = (src >= 0) & (dst >= 0) & (src != dst)
    low, high = np.minimum(src[keep], dst[keep]), np.maximum(src[keep], dst[keep])
    if not len(low):
        return low, high, weight[keep]
    pairs = pd.DataFrame({"a": low, "b": high, "w": weight[keep]}).groupby(["a", "b"], sort=True)["w"].sum()
    return (
        pairs.index.get_level_values(0).to_numpy(),
        pairs.index.get_level_values(1).to_numpy(),
        pairs.to_numpy(),
    )


def layout(
    n: int, a: np.ndarray, b: np.ndarray, groups: np.ndarray, iterations: int = 80, seed: int = 0
) -> np.ndarray:
    """Positions in [-1, 1]² for ``n`` nodes joined by edges ``a[i] -- b[i]`` (Fruchterman-Reingold).

    Starts each node near its group's centre (groups on a sunflower spiral, bigger ones first),
    so communities come out as clusters even where few edges bind them. O(n²) per iteration,
    compiled with numba: about 0.1 s for the page's at most :data:`MAX_NODES` nodes.
    """
    if n == 0:
        return np.zeros((0, 2))
    rng = np.random.default_rng(seed)
    order = np.unique(groups, return_inverse=True)[1]
    k = int(order.max()) + 1
    angle = np.arange(k) * np.pi * (3 - np.sqrt(5))
    centres = np.c_[np.cos(angle), np.sin(angle)] * np.sqrt(np.arange(k) + 0.5)[:, None]
    pos = centres[order] + rng.normal(scale=0.35, size=(n, 2))
    pos /= np.abs(pos).max() or 1.0
    pos = _fruchterman_reingold(pos, a.astype(np.int64), b.astype(np.int64), iterations)
    pos -= pos.mean(0)
    return pos / (np.abs(pos).max() or 1.0)


@njit(cache=True)
def _fruchterman_reingold(pos: Any, a: Any, b: Any, iterations: int) -> Any:  # pragma: no cover - numba
    n = pos.shape[0]
    ideal = np.sqrt(4.0 / n)  # the ideal distance for n nodes in a 2x2 square
    temperature = 0.2
    force = np.zeros_like(pos)
    for _ in range(iterations):
        force[:] = 0.0
        for i in range(n):  # repulsion between every pair
            for j in range(i + 1, n):
                dx = pos[i, 0] - pos[j, 0]
                dy = pos[i, 1] - pos[j, 1]
                d2 = max(dx * dx + dy * dy, 1e-6)
                push = ideal * ideal / d2
                force[i, 0] += dx * push
                force[i, 1] += dy * push
                force[j, 0] -= dx * push
                force[j, 1] -= dy * push
        for e in range(a.shape[0]):  # attraction along edges
            u, v = a[e], b[e]
            dx = pos[u, 0] - pos[v, 0]
            dy = pos[u, 1] - pos[v, 1]
            pull = np.sqrt(dx * dx + dy * dy) / ideal
            force[u, 0] -= dx * pull
            force[u, 1] -= dy * pull
            force[v, 0] += dx * pull
            force[v, 1] += dy * pull
        for i in range(n):  # a little gravity keeps small components near the middle
            fx = force[i, 0] - 0.05 * pos[i, 0] / ideal
            fy = force[i, 1] - 0.05 * pos[i, 1] / ideal
            length = max(np.sqrt(fx * fx + fy * fy), 1e-9)
            step = min(length, temperature) / length
            pos[i, 0] += fx * step
            pos[i, 1] += fy * step
        temperature *= 0.95
    return pos


def network_data(
    analysis: NetworkAnalysis, limit: int = DEFAULT_NODES, community: int | None = None
) -> dict[str, Any]:
    """The ``limit`` accounts with the highest PageRank (of one community, if given), laid out, with their edges.

    Cached on ``analysis``: the same page asked again is not laid out again.
    """
    key = (limit, community)
    if key not in analysis.pages:
        analysis.pages[key] = _network_data(analysis, limit, community)
    return analysis.pages[key]


def _network_data(analysis: NetworkAnalysis, limit: int, community: int | None) -> dict[str, Any]:
    graph = analysis.graph
    candidates = np.arange(graph.n_nodes)
    if community is not None:
        candidates = np.flatnonzero(analysis.communities == community)
    # Highest PageRank first; ties by node code, so the same data gives the same page.
    ranked = candidates[np.lexsort((candidates, -analysis.pagerank[candidates]))]
    chosen = ranked[:limit]
    a, b, weights = _pairs(graph, chosen)
    pos = layout(len(chosen), a, b, analysis.communities[chosen])
    top = float(analysis.pagerank[chosen].max()) if len(chosen) else 0.0
    degree = np.bincount(np.r_[a, b], minlength=len(chosen)) if len(chosen) else np.zeros(0, np.int64)
    nodes = []
    for i, code in enumerate(chosen.tolist()):
        platform, account = graph.labels[code]
        found = int(analysis.communities[code])
        score = float(analysis.pagerank[code])
        person = analysis.person_ids[code]
        nodes.append(
            {
                "key": f"{platform}:{account}",
                "label": _label(analysis, code),
                "platform": platform,
                "account_id": account,
                "handle": analysis.handles[code],
                "person_id": person,
                "url": f"/people/{person}" if person else None,
                "pagerank": score,
                "community": found,
                "colour": _colour(found),
                "size": round(3 + 15 * float(np.sqrt(score / top)), 2) if top > 0 else 3.0,
                "links": int(degree[i]),
                "x": round(float(pos[i, 0]), 4),
                "y": round(float(pos[i, 1]), 4),
            }
        )
    keys = [n["key"] for n in nodes]
    edges = [
        {"source": keys[s], "target": keys[t], "weight": float(w)}
        for s, t, w in zip(a.tolist(), b.tolist(), weights.tolist(), strict=True)
    ]
    return {
        "accounts": len(candidates),
        "interactions": int(graph.n_edges),
        "shown": len(nodes),
        "nodes": nodes,
        "edges": edges,
    }
