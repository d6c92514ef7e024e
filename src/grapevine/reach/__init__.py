"""Reach: how many people a seed set can be expected to activate, and which seeds reach the most.

Independent Cascade spread estimated with reverse-reachable sets (:func:`expected_spread`),
cross-checked by plain simulation (:func:`monte_carlo_spread`), and greedy influence
maximisation over RR sets (:func:`select_seeds`). See :mod:`grapevine.reach._spread` for the
models and for which way influence flows on follow and interaction graphs.
"""

from grapevine.reach._spread import (
    SeedSelection,
    Spread,
    edge_probabilities,
    expected_spread,
    influence_graph,
    monte_carlo_spread,
    select_seeds,
)

__all__ = [
    "SeedSelection",
    "Spread",
    "edge_probabilities",
    "expected_spread",
    "influence_graph",
    "monte_carlo_spread",
    "select_seeds",
]
