"""People on real samples: Bluesky and Mastodon profiles with links, customer-care and airline tweets."""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from pathlib import Path

import phonenumbers
import pytest

from grapevine import open_workspace
from grapevine.people import audience, people_table, person_channels, person_profile, refresh_people
from grapevine.workspace import Workspace


@pytest.fixture(scope="module")
def profiles(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The Bluesky recorded API responses and Mastodon cassettes (files that are not social data are skipped)."""
    ws = open_workspace(tmp_path_factory.mktemp("profiles") / "ws")
    files = sorted((data_dir / "payloads/bluesky/bskyr_recorded_api").glob("*.json"))
    files += sorted((data_dir / "payloads/mastodon/mastodon_py_cassettes").glob("*.json"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws.ingest(files, on_error=lambda exc: None, enrich=False)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def tweets(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = open_workspace(tmp_path_factory.mktemp("tweets") / "ws")
    ws.track("united", "@united OR united")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        files = [
            data_dir / "twcs_slice/twcs_first5000.csv",
            data_dir / "airline_tweets/airline_tweets_clean.csv",
        ]
        ws.ingest(files, enrich=False)
        ws.enrich(model="fast")  # the accurate tier is slow on 20,000 posts and changes nothing tested here
    yield ws
    ws.close()


def channels_of(ws: Workspace, handle: str) -> set[tuple[str, str]]:
    refresh_people(ws.store)
    (platform, account_id), *_ = ws.store.run("SELECT platform, id FROM accounts WHERE handle = ?", [handle])
    pid = ws.store.run(
        "SELECT person_id FROM person_accounts WHERE platform = ? AND id = ?", [platform, account_id]
    )
    return {(c["kind"], c["value"]) for c in person_channels(ws.store, [pid[0][0]]).get(pid[0][0], [])}


def test_real_profiles_give_websites_and_profiles_elsewhere(profiles: Workspace) -> None:
    assert ("website", "christophertkenny.com") in channels_of(profiles, "chriskenny.bsky.social")
    assert ("handle", "github:jaytimm") in channels_of(profiles, "jaytimm.bsky.social")
    # a Bluesky domain handle listing its own domain: the site is its own, not a link to anyone
    assert ("website", "drmowinckels.io") in channels_of(profiles, "drmowinckels.io")
    # "@harvard.edu" in a bio is an affiliation, not a channel
    assert not any("harvard" in value for _, value in channels_of(profiles, "chriskenny.bsky.social"))


def test_real_profiles_never_merge_two_accounts_of_one_platform(profiles: Workspace) -> None:
    refresh_people(profiles.store)
    per_person = defaultdict(list)
    for platform, _, pid in profiles.store.run("SELECT platform, id, person_id FROM person_accounts"):
        per_person[pid].append(platform)
    assert per_person and all(len(p) == len(set(p)) for p in per_person.values())
    for (reasons,) in profiles.store.run("SELECT reasons FROM people_links WHERE status = 'joined'"):
        assert reasons and all(re.search(r"confidence \d\.\d\d$", r) for r in reasons)


def test_real_follow_edges_give_a_deduplicated_audience(profiles: Workspace) -> None:
    refresh_people(profiles.store)
    person = {
        (p, i): pid for p, i, pid in profiles.store.run("SELECT platform, id, person_id FROM person_accounts")
    }
    followers = defaultdict(set)
    for platform, src, dst in profiles.store.run(
        "SELECT platform, src, dst FROM edges WHERE kind = 'follow'"
    ):
        followers[person.get((platform, dst), f"{platform}:{dst}")].add(
            person.get((platform, src), f"{platform}:{src}")
        )
    followed = [pid for pid in followers if pid.startswith("P")]
    assert followed
    got = audience(profiles.store, followed)
    assert got["audience"] == len(set().union(*(followers[p] for p in followed)) - set(followed))
    unknown = [
        pid
        for pid in set(person.values())
        if pid not in followers and not any(pid in f for f in followers.values())
    ]
    assert audience(profiles.store, unknown[:1])["audience"] is None


def test_real_tweets_phones_are_valid_and_said_to_be_the_authors(tweets: Workspace) -> None:
    refresh_people(tweets.store)
    rows = tweets.store.run(
        "SELECT c.kind, c.value, p.text FROM contact_channels c JOIN posts p ON p.platform = c.platform "
        "AND p.id = c.evidence WHERE c.found_in = 'post'"
    )
    phones = [(value, text) for kind, value, text in rows if kind == "phone"]
    assert len(phones) >= 10
    for value, text in phones:
        number = phonenumbers.parse(value)
        assert phonenumbers.is_valid_number(number) and value.startswith("+")
        national = str(number.national_number)
        assert national[-4:] in re.sub(r"\D", "", text), (value, text)


def test_real_tweets_people_table_adds_up(tweets: Workspace) -> None:
    rows = people_table(tweets.store, brand="united", sort="mentions", top=None, with_influence=False)
    (brand,) = tweets.brand_sentiment("united")
    assert sum(r["mentions"] for r in rows) == brand["mentions"]
    assert all(
        r["reach"] is not None and r["reach_basis"] == "interactions" for r in rows
    )  # no follower data
    top = person_profile(tweets.store, rows[0]["person_id"])
    assert top["post_count"] == rows[0]["mentions"]
