"""One person across platforms: evidence links between accounts, joined by union-find.

Evidence, each piece with its own confidence (several pieces on one pair combine as
independent evidence, ``1 - prod(1 - c)``):

=================================================  ==========
an account's profile links to another's profile     0.85
a URL in the bio points to another's profile        0.80
a fediverse address ``@user@host`` in the bio       0.80
a handle said to be a Twitter one ("🐦 @alice")     0.60
both list the same personal website                 0.80
a blog, or a Bluesky handle that is the domain,
  and an account that lists that site               0.90
both list the same profile elsewhere (GitHub ...)   0.75
the same e-mail address / phone number in profiles  0.45 / 0.40
=================================================  ==========

An e-mail address or a phone number alone stays below the threshold: agencies, shared inboxes
and office lines are listed by several people (in simulated worlds they were the only source
of wrong merges); it corroborates other evidence instead.

A website, address or profile listed by more than ``hub_limit`` accounts (a company site,
a shared inbox) is no evidence at all; one listed by two accounts of the same platform is
weak evidence (0.3), below the threshold. Accounts are joined strongest link first, and a
link is refused (status ``conflict``) when it would put two accounts of one platform into one
person: a weak chain can never grow a giant person. Explicit merges (confidence 1) come first
and may join anything; a split detaches an account from every automatic link.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from grapevine.people._extract import find_emails, find_handles, find_phones, find_urls
from grapevine.people._urls import bluesky_domain, profile_key, read_url, site_key

if TYPE_CHECKING:
    from grapevine.store import Store

__all__ = ["Evidence", "IdentityResult", "account_keys", "resolve_identities"]

RULES_VERSION = "identity-1"
THRESHOLD = 0.5
HUB_LIMIT = 4
WEAK = 0.3

Account = tuple[str, str]  # (platform, id)


@dataclass
class Evidence:
    """Everything that links one pair of accounts."""

    reasons: list[tuple[str, float]] = field(default_factory=list)

    def add(self, reason: str, confidence: float) -> None:
        if all(r != reason for r, _ in self.reasons):
            self.reasons.append((reason, confidence))

    @property
    def confidence(self) -> float:
        missing = 1.0
        for _, c in self.reasons:
            missing *= 1.0 - c
        return 1.0 - missing


@dataclass
class IdentityResult:
    """The person of every account, and each scored pair with what became of it."""

    person_of: dict[Account, str]
    links: list[dict[str, Any]]
    hubs: int


def account_keys(platform: str, handle: str | None, url: str | None, is_blog: bool) -> list[str]:
    """The keys by which other profiles can point at this account (``twitter:alice``, a blog's site)."""
    keys: list[str] = []
    if is_blog:
        site = site_key(url) if url else None
        return [f"site:{site}"] if site else []
    if url:
        meaning = read_url(url)
        if meaning.kind == "profile" and meaning.key:
            keys.append(meaning.key)
    if handle:
        if platform == "mastodon" and "@" not in handle.lstrip("@"):
            pass  # a local acct ("alice") needs the instance, which the profile URL gave
        else:
            keys.append(profile_key(platform, handle))
    return list(dict.fromkeys(keys))


def _claims(links: Iterable[str] | None, bio: str | None) -> list[tuple[str, str, float, str]]:
    """What a profile says about its owner: (key, how it was said, confidence, the words)."""
    out: list[tuple[str, str, float, str]] = []
    for url in links or ():
        meaning = read_url(url)
        if meaning.key:
            kind = "profile link" if meaning.kind == "profile" else "website"
            out.append((_typed(meaning.kind, meaning.key), kind, 0.85, url))
    for url in find_urls(bio, bare_domains=True):
        meaning = read_url(url)
        if meaning.key:
            kind = "bio link" if meaning.kind == "profile" else "website"
            out.append((_typed(meaning.kind, meaning.key), kind, 0.80, url))
    for handle in find_handles(bio):
        confidence = 0.80 if handle.value.startswith("mastodon:") else 0.60
        out.append((handle.value, "bio handle", confidence, handle.evidence))
    for email in find_emails(bio):
        out.append((f"email:{email.value}", "e-mail", _SHARED_CONFIDENCE["email"], email.evidence))
    return out


def _typed(kind: str, key: str) -> str:
    return f"site:{key}" if kind == "site" else key


def resolve_identities(
    store: Store, threshold: float = THRESHOLD, hub_limit: int = HUB_LIMIT, region: str = "US"
) -> IdentityResult:
    """Link accounts into people from profiles and the overrides; see the module docstring."""
    accounts = store.query(
        "SELECT platform, id, handle, url, links, bio, is_blog FROM accounts "
        "UNION ALL SELECT DISTINCT p.platform, p.author_id, NULL, NULL, NULL, NULL, false FROM posts p "
        "ANTI JOIN accounts a ON a.platform = p.platform AND a.id = p.author_id WHERE p.author_id IS NOT NULL"
    ).to_pylist()
    owners: dict[str, list[Account]] = defaultdict(list)  # key -> accounts it names
    domains: dict[str, Account] = {}
    for row in accounts:
        account = (row["platform"], row["id"])
        for key in account_keys(row["platform"], row["handle"], row["url"], row["is_blog"]):
            owners[key].append(account)
        if row["platform"] == "bluesky":
            domain = bluesky_domain(row["handle"])
            if domain:
                domains[f"site:{domain}"] = account

    pairs: dict[tuple[Account, Account], Evidence] = defaultdict(Evidence)
    listed: dict[str, dict[Account, str]] = defaultdict(dict)  # site/e-mail/phone/profile -> holders
    for row in accounts:
        account = (row["platform"], row["id"])
        bio = row["bio"]
        for key, how, confidence, words in _claims(row["links"], bio):
            if key.startswith(("site:", "email:")):
                listed[key].setdefault(account, words)
                continue
            named = owners.get(key, [])
            if account in named:
                continue  # its own profile
            if not named:
                listed[f"profile:{key}"].setdefault(account, words)  # a profile outside the store
            elif len(named) == 1 and named[0][0] != account[0]:
                # A profile pointing at another account of its own platform is a mention, not
                # a cross-link; several accounts answering to one key are ambiguous: no evidence.
                pairs[_pair(account, named[0])].add(f"{how} to {_describe(key)} ({words})", confidence)
        for phone in find_phones(bio, region):
            listed[f"phone:{phone.value}"].setdefault(account, phone.evidence)
    for key, owner in domains.items():  # a domain handle owns its site, unless a blog claims it too
        owners.setdefault(key, []).append(owner)

    hubs = 0
    for key, holders in listed.items():
        members = dict(holders)
        if key.startswith("site:"):
            for owner in owners.get(key, ()):
                members.setdefault(owner, "owns it")
        if len(members) < 2:
            continue
        if len(members) > hub_limit:
            hubs += 1
            continue
        platforms = [platform for platform, _ in members]
        shared_platform = len(set(platforms)) < len(platforms)
        kind, _, value = key.partition(":")
        owned = {o for o in owners.get(key, ())} if kind == "site" else set()
        ordered = sorted(members)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if shared_platform:
                    confidence, note = WEAK, f" (shared by {len(members)} accounts, some on one platform)"
                elif a in owned or b in owned:
                    confidence, note = 0.90, ""
                else:
                    confidence, note = _SHARED_CONFIDENCE[kind], ""
                pairs[_pair(a, b)].add(f"{_SHARED_WORDS[kind]} {value}{note}", confidence)

    overrides = store.run(
        "SELECT seq, action, a_platform, a_id, b_platform, b_id FROM people_overrides ORDER BY seq"
    )
    detached: set[Account] = set()
    merges: list[tuple[Account, Account, int]] = []
    for seq, action, a_platform, a_id, b_platform, b_id in overrides:
        a = (a_platform, a_id)
        if action == "split":
            detached.add(a)
            merges = [m for m in merges if a not in (m[0], m[1])]  # a later split undoes earlier merges
        else:
            merges.append((a, (b_platform, b_id), seq))
    return _join(pairs, merges, detached, threshold, hubs, accounts)


_SHARED_CONFIDENCE = {"site": 0.80, "email": 0.45, "phone": 0.40, "profile": 0.75}
_SHARED_WORDS = {
    "site": "both list the website",
    "email": "both list the e-mail address",
    "phone": "both list the phone number",
    "profile": "both link the profile",
}


def _describe(key: str) -> str:
    platform, _, handle = key.partition(":")
    return f"{platform} account {handle}"


def _pair(a: Account, b: Account) -> tuple[Account, Account]:
    return (a, b) if a < b else (b, a)


def _join(
    pairs: dict[tuple[Account, Account], Evidence],
    merges: list[tuple[Account, Account, int]],
    detached: set[Account],
    threshold: float,
    hubs: int,
    accounts: list[dict[str, Any]],
) -> IdentityResult:
    parent: dict[Account, Account] = {}
    platforms: dict[Account, set[str]] = {}

    def find(x: Account) -> Account:
        parent.setdefault(x, x)
        platforms.setdefault(x, {x[0]})
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(a: Account, b: Account) -> None:
        ra, rb = find(a), find(b)
        if ra < rb:
            ra, rb = rb, ra
        parent[ra] = rb
        platforms[rb] |= platforms.pop(ra)

    links: list[dict[str, Any]] = []
    for a, b, seq in merges:
        if find(a) != find(b):
            union(a, b)
        links.append(_link(_pair(a, b), 1.0, [f"merged by hand (override {seq}), confidence 1.00"], "joined"))
    ranked = sorted(pairs.items(), key=lambda item: (-item[1].confidence, item[0]))
    for (a, b), evidence in ranked:
        confidence = evidence.confidence
        reasons = [f"{reason}, confidence {c:.2f}" for reason, c in evidence.reasons]
        if a in detached or b in detached:
            status = "split"
        elif confidence < threshold:
            status = "weak"
        elif find(a) == find(b):
            status = "redundant"
        elif platforms[find(a)] & platforms[find(b)]:
            status = "conflict"  # would put two accounts of one platform into one person
        else:
            union(a, b)
            status = "joined"
        links.append(_link((a, b), confidence, reasons, status))
    components: dict[Account, list[Account]] = defaultdict(list)
    for row in accounts:
        account = (row["platform"], row["id"])
        components[find(account)].append(account)
    return IdentityResult(
        person_of={m: _root_label(root) for root, members in components.items() for m in members},
        links=links,
        hubs=hubs,
    )


def _root_label(root: Account) -> str:
    return f"{root[0]}\x1f{root[1]}"


def _link(
    pair: tuple[Account, Account], confidence: float, reasons: list[str], status: str
) -> dict[str, Any]:
    (a_platform, a_id), (b_platform, b_id) = pair
    return {
        "a_platform": a_platform,
        "a_id": a_id,
        "b_platform": b_platform,
        "b_id": b_id,
        "confidence": round(confidence, 4),
        "reasons": reasons,
        "status": status,
    }


def stable_person_ids(groups: dict[str, list[Account]], previous: dict[Account, str]) -> dict[Account, str]:
    """A person id for each group of accounts, reusing the ids their accounts had before.

    A group keeps the old id most of its accounts carried (ties: the smaller id); each old id
    goes to one group only (the one holding most of its accounts). A new group's id is a hash
    of its smallest account, so a fresh run over the same data gives the same ids.
    """
    votes: dict[str, dict[str, int]] = {}
    for label, members in groups.items():
        counts: dict[str, int] = defaultdict(int)
        for account in members:
            old = previous.get(account)
            if old is not None:
                counts[old] += 1
        votes[label] = counts
    claims = sorted(
        ((-n, old, label) for label, counts in votes.items() for old, n in counts.items()),
    )
    given: dict[str, str] = {}
    used: set[str] = set()
    for _, old, label in claims:
        if label not in given and old not in used:
            given[label] = old
            used.add(old)
    out: dict[Account, str] = {}
    for label, members in groups.items():
        pid = given.get(label)
        if pid is None:
            pid = new_person_id(min(members))
            while pid in used:  # vanishingly rare; keep ids unique
                pid = new_person_id((pid, ""))
            used.add(pid)
        for account in members:
            out[account] = pid
    return out


def new_person_id(account: Account) -> str:
    """``P`` and 10 hex digits of a hash of the account: the same account gives the same id."""
    digest = hashlib.sha1(f"{account[0]}\x1f{account[1]}".encode(), usedforsecurity=False).hexdigest()
    return "P" + digest[:10]


def write_identities(store: Store, result: IdentityResult) -> int:
    """Store the links and person ids (ids kept stable against the previous run); returns people."""
    previous = {
        (platform, account_id): pid
        for platform, account_id, pid in store.run("SELECT platform, id, person_id FROM person_accounts")
    }
    groups: dict[str, list[Account]] = defaultdict(list)
    for account, label in result.person_of.items():
        groups[label].append(account)
    person_of = stable_person_ids(groups, previous)
    accounts = sorted(person_of)
    table = pa.table(
        {
            "platform": pa.array([a[0] for a in accounts], pa.string()),
            "id": pa.array([a[1] for a in accounts], pa.string()),
            "person_id": pa.array([person_of[a] for a in accounts], pa.string()),
        }
    )
    links = pa.Table.from_pylist(
        result.links,
        schema=pa.schema(
            [
                ("a_platform", pa.string()),
                ("a_id", pa.string()),
                ("b_platform", pa.string()),
                ("b_id", pa.string()),
                ("confidence", pa.float64()),
                ("reasons", pa.list_(pa.string())),
                ("status", pa.string()),
            ]
        ),
    )
    with store.transaction() as con:
        con.register("new_person_accounts", table)
        con.register("new_people_links", links)
        con.execute("DELETE FROM person_accounts").fetchall()
        con.execute("INSERT INTO person_accounts SELECT * FROM new_person_accounts").fetchall()
        con.execute("DELETE FROM people_links").fetchall()
        con.execute("INSERT INTO people_links SELECT * FROM new_people_links").fetchall()
        con.unregister("new_person_accounts")
        con.unregister("new_people_links")
    return len(groups)
