"""Influence score cards: a 0-100 score per account whose formula is public, versioned and explained.

:func:`influence_table` scores every account in the store under the formula named by
:data:`FORMULA_VERSION` (``influence-1``, documented in docs/influence.md): reach (followers,
log-scaled), attention (PageRank percentile on the graph of follows and interactions),
amplification (reposts and quotes drawn per post), conversation (replies drawn per post) and,
for a brand, brand centrality (PageRank personalised to the brand's conversation) and brand
mentions. Bursts of near-duplicate posts, follow-for-follow rings and self-replies are taken
out before anything is counted. :func:`explain` renders one row as text.

Examples
--------
>>> from grapevine.influence import FORMULA_VERSION
>>> FORMULA_VERSION
'influence-1'
"""

from grapevine.influence._card import explain, influence_table
from grapevine.influence._formula import BRAND_WEIGHTS, FORMULA_VERSION, WEIGHTS

__all__ = ["BRAND_WEIGHTS", "FORMULA_VERSION", "WEIGHTS", "explain", "influence_table"]
