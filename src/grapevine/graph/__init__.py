"""Graphs as CSR arrays and the link-analysis kernels over them.

Build a :class:`Graph` from edge arrays with :func:`build_graph` or from the store with
:func:`graph_from_store`; score its nodes with :func:`pagerank` (networkx's definition),
:func:`hits`, degrees and :func:`core_number`. Scores are numpy arrays aligned with
``graph.labels``; ``graph.series(scores)`` labels them.

Examples
--------
>>> from grapevine.graph import build_graph, pagerank
>>> g = build_graph([1, 2, 3, 3], [2, 3, 1, 2])
>>> g.series(pagerank(g)).round(3).to_dict()
{1: 0.215, 2: 0.397, 3: 0.388}
"""

from grapevine.graph._centrality import (
    ConvergenceError,
    core_number,
    degree,
    hits,
    in_degree,
    out_degree,
    pagerank,
)
from grapevine.graph._graph import Graph, build_graph
from grapevine.graph._store import INTERACTION_KINDS, graph_from_store

__all__ = [
    "INTERACTION_KINDS",
    "ConvergenceError",
    "Graph",
    "build_graph",
    "core_number",
    "degree",
    "graph_from_store",
    "hits",
    "in_degree",
    "out_degree",
    "pagerank",
]
