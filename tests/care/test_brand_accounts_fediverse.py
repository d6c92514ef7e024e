"""A tracked ``@handle`` names the brand's fediverse accounts too, when they live under its site."""

from __future__ import annotations

import json
from pathlib import Path

from grapevine import open_workspace
from grapevine.care import list_brand_accounts
from grapevine.care.accounts import query_sites
from grapevine.people import people_table


def status(post_id: str, acct: str, text: str) -> dict[str, object]:
    user = acct.partition("@")[0]
    host = acct.partition("@")[2] or "mastodon.example"
    return {
        "id": post_id,
        "created_at": f"2024-03-01T10:0{post_id}:00.000Z",
        "content": f"<p>{text}</p>",
        "account": {
            "id": f"a-{acct}",
            "username": user,
            "acct": acct,
            "url": f"https://{host}/@{user}",
            "followers_count": 10,
        },
        "mentions": [],
        "tags": [],
    }


def test_site_scoped_fediverse_accounts_are_the_brands(tmp_path: Path) -> None:
    statuses = [
        status("1", "AcmeMobile@social.acme.example", "Our new phone is out, Acme fans"),
        status("2", "AcmeMobile@elsewhere.example", "I am not Acme, I just like the name. Acme rocks"),
        status("3", "fan@mastodon.example", "I love my Acme phone"),
    ]
    path = tmp_path / "statuses.json"
    path.write_text(json.dumps(statuses), encoding="utf-8")
    with open_workspace(tmp_path / "ws") as ws:
        ws.ingest([path], source="mastodon")
        ws.track("acme", "acme OR @AcmeMobile OR site:acme.example")
        own = {(r["platform"], r["handle"]) for r in list_brand_accounts(ws.store) if r["brand"] == "acme"}
        assert ("mastodon", "acmemobile@social.acme.example") in own
        assert ("mastodon", "acmemobile@elsewhere.example") not in own  # same name, another host
        handles = {r["handle"] for r in people_table(ws.store, brand="acme", with_influence=False)}
        assert "AcmeMobile@social.acme.example" not in handles  # a brand is not its own influencer
        assert {"AcmeMobile@elsewhere.example", "fan@mastodon.example"} <= handles
        with_own = people_table(ws.store, brand="acme", with_influence=False, own_accounts=True)
        assert "AcmeMobile@social.acme.example" in {r["handle"] for r in with_own}


def test_query_sites_ignores_negated_and_wildcard_sites() -> None:
    assert query_sites("@a OR site:Shop.Example OR link:www.b.example NOT site:c.example") == [
        "shop.example",
        "b.example",
    ]
