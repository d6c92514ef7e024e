"""The pages and their JSON twins through a real server on 127.0.0.1, checked against the library."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from grapevine import crm
from tests.web.conftest import EVIL_ROOT, HANDLE, World

PAGES = ["/", "/people", "/inbox", "/network", "/reach"]


def _csrf(client: httpx.Client) -> str:
    client.get("/people")
    return str(client.cookies["grapevine_csrf"])


@pytest.mark.parametrize("page", PAGES)
def test_every_page_and_its_json_twin_answer(http: httpx.Client, page: str) -> None:
    html = http.get(page)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in html.headers["content-security-policy"]
    twin = http.get("/index.json" if page == "/" else page + ".json")
    assert twin.status_code == 200
    assert twin.headers["content-type"] == "application/json"
    # Nothing is fetched from elsewhere: every src/href is a path on this server, a fragment or a query.
    for url in re.findall(r'(?:src|href|action)="([^"]*)"', html.text):
        assert url.startswith(("/", "#", "?")), url


def test_overview_matches_the_library(http: httpx.Client, world: World) -> None:
    data = http.get("/index.json").json()
    expected = {row["brand"]: row["mentions"] for row in world.ws.brand_sentiment()}
    assert {row["brand"]: row["mentions"] for row in data["sentiment"]} == expected
    # Daily counts add up to the brand's mentions (every simulated post is dated).
    for brand, rows in data["timeline"].items():
        assert sum(r["mentions"] for r in rows) == expected[brand]
    shares = {r["brand"]: r["share"] for r in data["share_of_voice"]}
    total = sum(expected.values())
    for brand, n in expected.items():
        assert shares[brand] == pytest.approx(n / total, abs=1e-4)
    for spike in data["spikes"]:
        day = next(r for r in data["timeline"][spike["brand"]] if r["day"] == spike["day"])
        assert spike["mentions"] == day["mentions"] >= 5
        assert spike["people"], "a spike names the people behind it"


def test_people_filters_match_an_independent_filter(http: httpx.Client, world: World) -> None:
    got = http.get(
        "/people.json", params={"brand": "acme", "platform": "mastodon", "reachable": "yes", "limit": 1000}
    )
    assert got.status_code == 200
    rows = got.json()["rows"]
    everyone = world.ws.people(brand="acme", platform="mastodon")
    blocked = crm.do_not_contact_ids(world.ws.store)
    expected = [r["person_id"] for r in everyone if r["reachable"] and r["person_id"] not in blocked]
    assert [r["person_id"] for r in rows] == expected
    assert rows and all("mastodon" in r["platforms"] and r["reachable"] and r["mentions"] > 0 for r in rows)


def test_people_sort_and_search(http: httpx.Client) -> None:
    rows = http.get("/people.json", params={"sort": "mentions", "limit": 50}).json()["rows"]
    mentions = [r["mentions"] for r in rows]
    assert mentions == sorted(mentions, reverse=True)
    found = http.get("/people.json", params={"q": "@" + HANDLE.upper()}).json()
    assert [r["handle"] for r in found["rows"]] == [HANDLE]
    page = http.get("/people.json", params={"limit": 5, "offset": 5}).json()
    whole = http.get("/people.json", params={"limit": 10}).json()
    assert [r["person_id"] for r in page["rows"]] == [r["person_id"] for r in whole["rows"][5:10]]


def test_person_page_and_json(http: httpx.Client, world: World) -> None:
    data = http.get(f"/people/{world.evil_person}.json").json()
    assert data["person_id"] == world.evil_person
    assert data["profile"]["accounts"][0]["handle"] == HANDLE
    assert set(data["crm"]) >= {"stage", "tags", "notes", "outreach", "do_not_contact", "contact"}
    by_handle = http.get(f"/people/twitter:{HANDLE}.json").json()
    assert by_handle["person_id"] == world.evil_person
    assert http.get("/people/nobody-at-all.json").status_code == 404
    assert http.get("/people/nobody-at-all").status_code == 404


def test_inbox_is_in_priority_order_with_reasons(http: httpx.Client, world: World) -> None:
    data = http.get("/inbox.json", params={"status": "all", "limit": 1000}).json()
    priorities = [r["priority"] for r in data["rows"]]
    assert priorities and priorities == sorted(priorities, reverse=True)
    assert all(r["why"] for r in data["rows"])
    assert len(data["rows"]) == len(world.ws.inbox(limit=None))


def test_conversation_has_every_turn_with_emotion(http: httpx.Client, world: World) -> None:
    row = world.ws.conversations(sort="turns", limit=1)[0]
    ref = f"{row['platform']}:{row['conversation_key']}"
    data = http.get(f"/conversations/{ref}.json").json()
    assert len(data["turns"]) == row["turns"] + row["missing"]
    stored = [t for t in data["turns"] if not t["missing"]]
    assert all("emotion" in t and "sentiment" in t for t in stored)
    assert any(t["emotion"] for t in stored)
    assert data["turns"][0]["depth"] == 0 and data["turns"][0]["id"] == row["conversation_key"]
    assert http.get("/conversations/twitter:0.json").status_code == 404


def test_reach_matches_the_library(http: httpx.Client, world: World) -> None:
    top = world.ws.people(top=3)
    ids = [r["person_id"] for r in top]
    data = http.get("/reach.json", params=[("p", i) for i in ids]).json()
    assert data["people"] == ids
    assert data["audience"] == world.ws.audience(ids)
    spread = data["spread"]
    assert spread["low"] <= spread["expected"] <= spread["high"]
    assert spread["expected"] >= len(ids)  # the seeds themselves are activated
    bad = http.get("/reach.json", params={"p": "no-such-person"}).json()
    assert bad["problems"] and bad["audience"] is None


def test_openapi_documents_every_json_twin(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for path in (
        "/index.json",
        "/people.json",
        "/people/{ref}.json",
        "/inbox.json",
        "/conversations/{ref}.json",
        "/reach.json",
        "/people/{ref}/notes.json",
        "/conversations/{ref}/status.json",
        "/conversations/{ref}/drafts.json",
        "/network.json",
    ):
        assert path in paths, path
    params = {p["name"] for p in paths["/people.json"]["get"]["parameters"]}
    assert {"brand", "platform", "reachable", "q", "community", "sort"} <= params


def test_unknown_brand_is_a_clear_404(http: httpx.Client) -> None:
    got = http.get("/people.json", params={"brand": "nope"})
    assert got.status_code == 404
    assert "no tracked brand 'nope'" in got.json()["detail"]


def test_host_header_of_another_site_is_refused(server: Any) -> None:
    # DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1.
    got = httpx.get(server.url + "/people.json", headers={"Host": "evil.example"})
    assert got.status_code == 400


def test_form_writes_need_the_csrf_token(http: httpx.Client, world: World) -> None:
    target = f"/people/{world.evil_person}/notes"
    assert http.post(target, data={"text": "no token"}).status_code == 403
    assert http.post(target, data={"text": "wrong", "csrf_token": "guess"}).status_code == 403
    token = _csrf(http)
    cross = http.post(
        target, data={"text": "x", "csrf_token": token}, headers={"Origin": "http://evil.example"}
    )
    assert cross.status_code == 403
    done = http.post(target, data={"text": "<b>hello</b> from a test", "csrf_token": token})
    assert done.status_code == 303
    notes = crm.notes(world.ws.store, "person", world.evil_person)
    assert [n["text"] for n in notes].count("<b>hello</b> from a test") == 1
    assert "&lt;b&gt;hello&lt;/b&gt; from a test" in http.get(f"/people/{world.evil_person}").text


def test_json_writes_and_the_contact_cap(http: httpx.Client, world: World) -> None:
    person = world.ws.people(top=5)[4]["person_id"]
    token = _csrf(http)
    headers = {"X-CSRF-Token": token}
    assert http.post(f"/people/{person}/stage.json", json={"stage": "engaged"}).status_code == 403  # no CSRF
    assert (
        http.post(f"/people/{person}/stage.json", json={"stage": "engaged"}, headers=headers).json()["stage"]
        == "engaged"
    )
    assert (
        http.post(f"/people/{person}/stage.json", json={"stage": "fan"}, headers=headers).status_code == 422
    )
    limit = crm.contact_cap(world.ws.store).limit
    answers = [
        http.post(f"/people/{person}/outreach.json", json={"channel": "email"}, headers=headers)
        for _ in range(limit + 1)
    ]
    assert [a.status_code for a in answers] == [200] * limit + [409]
    assert answers[limit - 1].json()["warning"] and not answers[0].json()["warning"]
    assert "already contacted" in answers[limit].json()["detail"]


def test_do_not_contact_is_honoured_on_pages_and_outreach(http: httpx.Client, world: World) -> None:
    row = next(r for r in world.ws.people() if r["reachable"] and r["person_id"] != world.evil_person)
    person = row["person_id"]
    headers = {"X-CSRF-Token": _csrf(http)}
    got = http.post(
        f"/people/{person}/do-not-contact.json", json={"reason": "asked us to stop"}, headers=headers
    )
    assert got.status_code == 200 and got.json()["do_not_contact"]
    listed = next(
        r for r in http.get("/people.json", params={"limit": 1000}).json()["rows"] if r["person_id"] == person
    )
    assert listed["do_not_contact"] and listed["channels"] == [] and not listed["reachable"]
    profile = http.get(f"/people/{person}.json").json()
    assert profile["channels_withheld"] and profile["profile"]["channels"] == []
    refused = http.post(f"/people/{person}/outreach.json", json={"channel": "email"}, headers=headers)
    assert refused.status_code == 409 and "do-not-contact" in refused.json()["detail"]
    assert "do not contact" in http.get("/people", params={"q": person}).text
    http.post(f"/people/{person}/do-not-contact.json", json={"do_not_contact": False}, headers=headers)


def test_conversation_status_and_inbox_filter(http: httpx.Client, world: World) -> None:
    first = http.get("/inbox.json").json()["rows"][0]
    headers = {"X-CSRF-Token": _csrf(http)}
    done = http.post(
        f"/conversations/{first['conversation']}/status.json",
        json={"status": "closed", "assignee": "maria"},
        headers=headers,
    )
    assert done.json()["status"] == "closed" and done.json()["assignee"] == "maria"
    active = [r["conversation"] for r in http.get("/inbox.json", params={"limit": 1000}).json()["rows"]]
    assert first["conversation"] not in active
    closed = http.get("/inbox.json", params={"status": "closed", "assignee": "MARIA"}).json()["rows"]
    assert first["conversation"] in [r["conversation"] for r in closed]
    http.post(f"/conversations/{first['conversation']}/status.json", json={"status": "open"}, headers=headers)


def test_hostile_text_is_escaped_in_the_html(http: httpx.Client, world: World) -> None:
    pages = [f"/people/{world.evil_person}", f"/conversations/twitter:{EVIL_ROOT}", "/people?q=" + HANDLE]
    for page in pages:
        html = http.get(page).text
        assert "<script>window.__pwned" not in html and 'id="pwned' not in html, page
        assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", ""), page
    assert "&lt;script&gt;window.__pwned" in http.get(f"/conversations/twitter:{EVIL_ROOT}").text


def test_concurrent_requests_all_answer(server: Any) -> None:
    # Requests are authenticated on the event loop while views run in worker threads; both use
    # DuckDB, which refuses a second call on a busy connection unless each has its own.
    from concurrent.futures import ThreadPoolExecutor

    urls = [f"/people.json?offset={i}&limit=3" for i in range(6)] + [
        "/inbox.json?limit=7",
        "/network.json?limit=9",
    ]

    def get(url: str) -> int:
        return httpx.get(server.url + url, timeout=60).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(get, urls * 2)) == [200] * len(urls) * 2
