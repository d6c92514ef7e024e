"""People, not just accounts: who someone is across platforms, how they talk about a brand, how to reach them.

- Identity (:func:`refresh_people`, :func:`merge_people`, :func:`split_person`): accounts are
  joined into people from profile cross-links, shared personal websites, domain handles and
  shared e-mail addresses, each link with its reasons and a confidence; explicit merges and
  splits override the automatic links; person ids stay stable across re-runs.
- Brand numbers per person (:func:`brand_stats`, :func:`person_posts`): mentions, corrected
  positive/negative shares with 95% intervals, trend, first and last mention, the posts.
- Contact channels (:func:`person_channels`, :func:`reachability`): e-mails, E.164 phones,
  websites and handles elsewhere, from bios, profile fields and posts.
- Audience (:func:`audience`): de-duplicated and two-hop audiences, blog and interaction reach.
- The table and the profile (:func:`people_table`, :func:`person_profile`,
  :func:`people_summary`) put it together with the influence score card.

Examples
--------
>>> import grapevine, tempfile
>>> from grapevine.people import people_table
>>> ws = grapevine.open_workspace(tempfile.mkdtemp())
>>> people_table(ws.store)
[]
>>> ws.close()
"""

from grapevine.people._audience import audience, audience_columns
from grapevine.people._contacts import default_region, refresh_contacts
from grapevine.people._extract import find_emails, find_handles, find_phones, find_urls
from grapevine.people._identity import HUB_LIMIT, RULES_VERSION, THRESHOLD, new_person_id
from grapevine.people._profile import people_spread, people_summary, person_of, person_profile
from grapevine.people._resolve import find_accounts, merge_people, refresh_people, split_person
from grapevine.people._stats import ALL_BRANDS, brand_stats, person_posts, trend_window
from grapevine.people._table import (
    SORTS,
    TABLE_COLUMNS,
    influence_by_person,
    people_table,
    person_channels,
    reachability,
)
from grapevine.people._urls import bluesky_domain, read_url, site_key

__all__ = [
    "ALL_BRANDS",
    "HUB_LIMIT",
    "RULES_VERSION",
    "SORTS",
    "TABLE_COLUMNS",
    "THRESHOLD",
    "audience",
    "audience_columns",
    "bluesky_domain",
    "brand_stats",
    "default_region",
    "find_accounts",
    "find_emails",
    "find_handles",
    "find_phones",
    "find_urls",
    "influence_by_person",
    "merge_people",
    "new_person_id",
    "people_spread",
    "people_summary",
    "people_table",
    "person_channels",
    "person_of",
    "person_posts",
    "person_profile",
    "reachability",
    "read_url",
    "refresh_contacts",
    "refresh_people",
    "site_key",
    "split_person",
    "trend_window",
]
