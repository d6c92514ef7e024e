"""Customer care: who speaks for a brand, where each customer is, where they are heading.

Built on :mod:`grapevine.conversations` (reply trees) and the sentiment/emotion scores:

- :mod:`~grapevine.care.accounts`: a brand's own accounts (explicit, from tracked queries, inferred);
- :mod:`~grapevine.care.cues`: conversational cues ("still waiting", "3rd time", "lawyer", "thanks");
- :mod:`~grapevine.care.state`: each customer's state and trajectory, with the evidence;
- :mod:`~grapevine.care.forecast`: P(the conversation ends with the customer satisfied);
- :mod:`~grapevine.care.inbox`: conversations needing attention, highest priority first, each with why;
- :mod:`~grapevine.care.train`: rebuilds and evaluates the forecast from ``../shared/data``.

Results live in ``care_customers`` (one row per customer per brand conversation), refreshed
incrementally on read by :func:`refresh_care`.
"""

from grapevine.care._refresh import CareConversation, care_turns, refresh_care
from grapevine.care._schema import CARE_SQL, migrate_care
from grapevine.care.accounts import (
    add_brand_account,
    exclude_brand_account,
    forget_brand_account,
    list_brand_accounts,
)
from grapevine.care.state import LEVELS, CustomerState, Turn, customer_state

__all__ = [
    "CARE_SQL",
    "LEVELS",
    "CareConversation",
    "CustomerState",
    "Turn",
    "add_brand_account",
    "care_turns",
    "customer_state",
    "exclude_brand_account",
    "forget_brand_account",
    "list_brand_accounts",
    "migrate_care",
    "refresh_care",
]
