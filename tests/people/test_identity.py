"""Identity resolution on hand-made accounts whose right answer is known exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from grapevine import GrapevineError, open_workspace
from grapevine.people import merge_people, new_person_id, refresh_people, split_person
from grapevine.workspace import Workspace

from .conftest import account, write

ALICE = [
    account(
        "twitter", "1", "alice_b", links=["https://www.alice.example.com/"], bio="🐘 @alice@toot.example"
    ),
    account(
        "mastodon",
        "m1",
        "alice@toot.example",
        url="https://toot.example/@alice",
        links=["http://alice.example.com", "https://twitter.com/alice_b"],
    ),
]
CAROL = [
    account("bluesky", "did:plc:carol", "carol.example"),
    account("twitter", "3", "carol_c", links=["https://carol.example/"]),
]


def people(ws: Workspace) -> dict[tuple[str, str], str]:
    refresh_people(ws.store)
    return {(p, i): pid for p, i, pid in ws.store.run("SELECT platform, id, person_id FROM person_accounts")}


def links(ws: Workspace) -> list[tuple]:
    return ws.store.run(
        "SELECT a_platform, a_id, b_platform, b_id, confidence, reasons, status FROM people_links ORDER BY ALL"
    )


def test_profile_links_and_a_shared_site_join_two_accounts(workspace: Workspace) -> None:
    write(workspace, "alice", ALICE)
    found = people(workspace)
    assert found[("twitter", "1")] == found[("mastodon", "m1")]
    [link] = links(workspace)
    assert link[:4] == ("mastodon", "m1", "twitter", "1") and link[6] == "joined"
    reasons = " | ".join(link[5])
    assert "both list the website alice.example.com" in reasons
    assert "profile link to twitter account alice_b" in reasons
    assert "bio handle to mastodon account alice@toot.example" in reasons
    # three independent pieces: 1 - (1 - .8)(1 - .85)(1 - .8)
    assert link[4] == pytest.approx(1 - 0.2 * 0.15 * 0.2, abs=1e-4)


def test_bluesky_domain_handle_owns_the_site_it_names(workspace: Workspace) -> None:
    write(workspace, "carol", CAROL)
    found = people(workspace)
    assert found[("bluesky", "did:plc:carol")] == found[("twitter", "3")]
    [link] = links(workspace)
    assert link[4] == pytest.approx(0.9) and "carol.example" in link[5][0]


def test_a_hub_site_listed_by_many_accounts_is_no_evidence(workspace: Workspace) -> None:
    staff = [
        account(platform, f"{platform}-{i}", f"staff{i}", links=["https://bigcorp.example"])
        for i in range(6)
        for platform in ("twitter", "mastodon")
    ]
    write(workspace, "staff", staff)
    found = people(workspace)
    assert len(set(found.values())) == 12
    assert links(workspace) == []


def test_a_chain_of_links_never_puts_two_accounts_of_one_platform_together(workspace: Workspace) -> None:
    # A (twitter) ~ B (mastodon) through one site, B ~ C (twitter) through another: A and C
    # cannot both be B's, so the weaker (here: later in order) link is refused.
    write(
        workspace,
        "chain",
        [
            account("twitter", "a", "a", links=["https://one.example"]),
            account(
                "mastodon",
                "b",
                "b@m.example",
                url="https://m.example/@b",
                links=["https://one.example", "https://two.example"],
            ),
            account("twitter", "c", "c", links=["https://two.example"], bio="Blog: c-site.dev"),
            account("bluesky", "d", "c-site.dev"),  # joins C only: C's bio names d's domain
        ],
    )
    found = people(workspace)
    assert found[("twitter", "a")] != found[("twitter", "c")]
    assert found[("mastodon", "b")] in (found[("twitter", "a")], found[("twitter", "c")])
    assert found[("bluesky", "d")] == found[("twitter", "c")]
    statuses = sorted(row[6] for row in links(workspace))
    assert statuses.count("conflict") == 1


def test_two_accounts_of_one_platform_sharing_a_site_are_only_weakly_linked(workspace: Workspace) -> None:
    write(
        workspace,
        "office",
        [
            account("twitter", "x1", "brand", links=["https://shop.example"]),
            account("twitter", "x2", "brandhelp", links=["https://shop.example"]),
            account(
                "mastodon",
                "x3",
                "brand@m.example",
                url="https://m.example/@brand",
                links=["https://shop.example"],
            ),
        ],
    )
    assert len(set(people(workspace).values())) == 3
    assert {row[6] for row in links(workspace)} == {"weak"}


def test_shorteners_shared_host_roots_and_a_lone_email_join_nobody(workspace: Workspace) -> None:
    write(
        workspace,
        "noise",
        [
            account(
                "twitter",
                "n1",
                "n1",
                links=["https://bit.ly/abc", "https://linktr.ee/"],
                bio="mail: hi@shared.example",
            ),
            account(
                "mastodon",
                "n2",
                "n2@m.example",
                url="https://m.example/@n2",
                links=["https://bit.ly/abc"],
                bio="hi@shared.example",
            ),
        ],
    )
    assert len(set(people(workspace).values())) == 2
    [link] = links(workspace)
    assert link[6] == "weak" and "e-mail address hi@shared.example" in link[5][0]


def test_merge_and_split_override_the_automatic_links(workspace: Workspace) -> None:
    write(workspace, "both", [*ALICE, *CAROL])
    before = people(workspace)
    merged = merge_people(workspace.store, "twitter:alice_b", "carol_c")
    after = people(workspace)
    # a merged person keeps one of the two ids (each had two accounts: the smaller id wins)
    assert merged == min(before[("twitter", "1")], before[("twitter", "3")])
    assert set(after.values()) == {merged}
    # a split detaches the account from every automatic link; the others keep their id
    split_person(workspace.store, "mastodon:alice@toot.example")
    after_split = people(workspace)
    assert after_split[("mastodon", "m1")] != merged
    assert after_split[("twitter", "1")] == merged == after_split[("twitter", "3")]
    assert "split" in {row[6] for row in links(workspace)}
    # an explicit merge brings the account back, though its automatic links stay ignored
    merge_people(workspace.store, "mastodon:alice@toot.example", "twitter:alice_b")
    assert people(workspace)[("mastodon", "m1")] == merged


def test_bad_references_are_clear_errors(workspace: Workspace) -> None:
    write(workspace, "alice", ALICE)
    write(workspace, "other", [account("bluesky", "did:plc:x", "alice_b")])
    with pytest.raises(GrapevineError, match="names 2 accounts"):
        merge_people(workspace.store, "alice_b", "mastodon:alice@toot.example")
    with pytest.raises(GrapevineError, match="no account matches 'nobody'"):
        merge_people(workspace.store, "nobody", "twitter:alice_b")
    with pytest.raises(GrapevineError, match="same account"):
        merge_people(workspace.store, "twitter:alice_b", "twitter:1")


def test_person_ids_are_stable_across_runs_and_workspaces(tmp_path: Path) -> None:
    ids = []
    for name in ("one", "two"):
        with open_workspace(tmp_path / name) as ws:
            write(ws, "alice", ALICE)
            ids.append(people(ws))
    assert ids[0] == ids[1]
    assert set(ids[0].values()) == {new_person_id(("mastodon", "m1"))}  # the group's smallest account
    with open_workspace(tmp_path / "one") as ws:
        # a new account that sorts first joins Alice: she keeps her id
        write(ws, "more", [account("bluesky", "a-first", "alice.example.com")])
        again = people(ws)
        assert again[("bluesky", "a-first")] == ids[0][("twitter", "1")]
