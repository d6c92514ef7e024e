"""Graphs as CSR arrays and the link-analysis kernels over them.

Build a :class:`Graph` from edge arrays with :func:`build_graph` or from the store with
:func:`graph_from_store` (any time window, a brand's conversation); score its nodes with
:func:`pagerank` (networkx's definition, personalisable), :func:`hits`, degrees,
:func:`core_number` and :func:`betweenness` (exact or sampled Brandes); split it into
communities with :func:`leiden`; write it out with :func:`write_graph` (GEXF, GraphML, CSV).
Scores are numpy arrays aligned with ``graph.labels``; ``graph.series(scores)`` labels them.

Examples
--------
>>> from grapevine.graph import build_graph, pagerank
>>> g = build_graph([1, 2, 3, 3], [2, 3, 1, 2])
>>> g.series(pagerank(g)).round(3).to_dict()
{1: 0.215, 2: 0.397, 3: 0.388}
"""

from grapevine.graph._betweenness import betweenness
from grapevine.graph._centrality import (
    ConvergenceError,
    core_number,
    degree,
    hits,
    in_degree,
    out_degree,
    pagerank,
)
from grapevine.graph._communities import leiden, modularity
from grapevine.graph._export import EXPORT_FORMATS, write_graph
from grapevine.graph._graph import Graph, build_graph
from grapevine.graph._reciprocity import reciprocal_core_edges, reciprocal_edges, union_graph
from grapevine.graph._select import (
    GRAPH_KINDS,
    RANK_METHODS,
    brand_voices,
    export_store_graph,
    find_communities,
    load_graph,
    node_handles,
    rank_nodes,
    resolve_nodes,
)
from grapevine.graph._store import INTERACTION_KINDS, graph_from_store

__all__ = [
    "EXPORT_FORMATS",
    "GRAPH_KINDS",
    "INTERACTION_KINDS",
    "RANK_METHODS",
    "ConvergenceError",
    "Graph",
    "betweenness",
    "brand_voices",
    "build_graph",
    "core_number",
    "degree",
    "export_store_graph",
    "find_communities",
    "graph_from_store",
    "hits",
    "in_degree",
    "leiden",
    "load_graph",
    "modularity",
    "node_handles",
    "out_degree",
    "pagerank",
    "rank_nodes",
    "reciprocal_core_edges",
    "reciprocal_edges",
    "resolve_nodes",
    "union_graph",
    "write_graph",
]
