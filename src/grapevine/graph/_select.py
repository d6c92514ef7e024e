"""The graph operations the commands run: pick a store graph, name its nodes, score or split them.

Kept here, not in the CLI, so notebooks and the web app get the same answers:
:func:`load_graph` (``kind="auto"`` picks the follow graph, else a stored influence graph, else
interactions), :func:`node_handles`, :func:`resolve_nodes` (ids or handles to labels),
:func:`rank_nodes` (one score per node by a named method) and :func:`export_store_graph`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grapevine.errors import GrapevineError
from grapevine.graph._betweenness import betweenness
from grapevine.graph._centrality import core_number, hits, in_degree, out_degree, pagerank
from grapevine.graph._communities import leiden, modularity
from grapevine.graph._export import write_graph
from grapevine.graph._graph import Duplicates, Graph
from grapevine.graph._store import check_track, duckdb_connection, graph_from_store

__all__ = [
    "GRAPH_KINDS",
    "RANK_METHODS",
    "brand_voices",
    "export_store_graph",
    "find_communities",
    "load_graph",
    "node_handles",
    "rank_nodes",
    "resolve_nodes",
]

GRAPH_KINDS = ("auto", "follow", "influence", "reply", "mention", "repost", "quote", "interaction")
RANK_METHODS = (
    "pagerank",
    "personalized",
    "indegree",
    "outdegree",
    "hubs",
    "authorities",
    "kcore",
    "betweenness",
)


def load_graph(
    store: Any,
    kind: str = "auto",
    platform: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    brand: str | None = None,
) -> Graph:
    """A store graph by name; ``auto`` is the follow graph, else ``influence`` edges, else interactions."""
    con = duckdb_connection(store)
    if kind not in GRAPH_KINDS:
        raise GrapevineError(f"unknown graph {kind!r}; expected one of {', '.join(GRAPH_KINDS)}")
    if kind == "auto":
        stored = {row[0] for row in con.execute("SELECT DISTINCT kind FROM edges").fetchall()}
        kind = "follow" if "follow" in stored else "influence" if "influence" in stored else "interaction"
    # Stored follow lists hold each pair once per file; "last" keeps one edge per pair, as
    # networkx's DiGraph does, so scores match it edge list for edge list.
    duplicates: Duplicates = "last" if kind in ("follow", "influence") else "keep"
    return graph_from_store(
        con, kind, platform=platform, since=since, until=until, track=brand, duplicates=duplicates
    )


def node_handles(store: Any, graph: Graph) -> list[str | None]:
    """The handle of each node of a store graph (None where the account is unknown)."""
    con = duckdb_connection(store)
    table = con.sql("SELECT platform, id, handle FROM accounts WHERE handle IS NOT NULL").df()
    lookup = dict(zip(zip(table["platform"], table["id"], strict=True), table["handle"], strict=True))
    return [lookup.get(label) for label in graph.labels]


def resolve_nodes(store: Any, graph: Graph, names: list[str], platform: str | None = None) -> list[Any]:
    """Labels of the nodes named by id or handle (``@`` optional, case-insensitive).

    An id wins over a handle; a name matching nodes on several platforms needs ``platform``.
    """
    ids = graph.labels.get_level_values("id")
    platforms = graph.labels.get_level_values("platform")
    handles = [h.lower() if h else None for h in node_handles(store, graph)]
    by_handle: dict[str, list[int]] = {}
    for code, handle in enumerate(handles):
        if handle:
            by_handle.setdefault(handle, []).append(code)
    labels = []
    for name in names:
        codes = np.flatnonzero(ids == name).tolist() or by_handle.get(name.lstrip("@").lower(), [])
        if platform is not None:
            codes = [c for c in codes if platforms[c] == platform]
        if not codes:
            raise GrapevineError(f"{name!r} is not an account id or handle in this graph")
        if len(codes) > 1:
            where = ", ".join(sorted({str(platforms[c]) for c in codes}))
            raise GrapevineError(f"{name!r} names accounts on several platforms ({where}); add --platform")
        labels.append(graph.labels[codes[0]])
    return labels


def brand_voices(store: Any, graph: Graph, brand: str) -> np.ndarray:
    """Per node, how many of its posts match the tracked query ``brand`` (a teleport vector)."""
    con = duckdb_connection(store)
    check_track(con, brand)
    table = con.sql(
        "SELECT p.platform, p.author_id, count(*) AS posts FROM posts p JOIN track_matches m "
        "ON m.platform = p.platform AND m.id = p.id WHERE m.track = ? AND p.author_id IS NOT NULL "
        "AND NOT p.deleted GROUP BY ALL",
        params=[brand],
    ).df()
    counts = np.zeros(graph.n_nodes)
    if len(table):
        wanted = pd.MultiIndex.from_arrays([table["platform"], table["author_id"]])
        codes = graph.labels.get_indexer(wanted)
        found = codes >= 0
        counts[codes[found]] = table["posts"].to_numpy()[found]
    return counts


def rank_nodes(
    graph: Graph,
    method: str = "pagerank",
    teleport: np.ndarray | None = None,
    samples: int | None = None,
    seed: int | None = None,
) -> np.ndarray:
    """One score per node by ``method`` (see :data:`RANK_METHODS`).

    PageRank-like methods run on the graph as stored, an edge ``u -> v`` passing score to v (on
    a follow graph, to the account followed). A graph of kind ``influence`` (u influences v) is
    turned around first, so that the influential account ranks high there too. ``personalized``
    teleports by ``teleport`` (say, :func:`brand_voices`); ``betweenness`` samples ``samples``
    sources (all when None).
    """
    if method not in RANK_METHODS:
        raise GrapevineError(f"unknown method {method!r}; expected one of {', '.join(RANK_METHODS)}")
    view = graph.reverse(kind="attention") if graph.kind == "influence" else graph
    if graph.n_nodes == 0:
        return np.zeros(0)
    if method == "pagerank":
        return pagerank(view)
    if method == "personalized":
        if teleport is None or not np.any(teleport > 0):
            raise GrapevineError(
                "personalized PageRank needs a brand with matching posts by nodes of this graph"
            )
        return pagerank(view, personalization=teleport)
    if method == "indegree":
        return in_degree(view, weight=True)
    if method == "outdegree":
        return out_degree(view, weight=True)
    if method in ("hubs", "authorities"):
        hub_scores, authority_scores = hits(view)
        return hub_scores if method == "hubs" else authority_scores
    if method == "kcore":
        return core_number(view)
    return betweenness(view, k=samples, seed=seed)


def find_communities(
    graph: Graph, resolution: float = 1.0, seed: int | None = None
) -> tuple[np.ndarray, float]:
    """Leiden communities of a graph (read as undirected) and their modularity."""
    communities = leiden(graph, resolution=resolution, seed=seed)
    if graph.n_edges == 0:
        return communities, float("nan")
    return communities, modularity(graph, communities, resolution)


def export_store_graph(
    store: Any,
    out: str | Path,
    kind: str = "auto",
    fmt: str | None = None,
    platform: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    brand: str | None = None,
) -> Graph:
    """Write a store graph to ``out`` (GEXF, GraphML or CSV), nodes labelled by handle."""
    graph = load_graph(store, kind, platform, since, until, brand)
    handles = node_handles(store, graph)
    write_graph(graph, out, fmt, node_attributes={"handle": handles})
    return graph
