"""Reply drafts on a conversation: saved with a status, shown on the thread and in the inbox, never sent."""

from __future__ import annotations

import httpx

from grapevine.web._drafts import drafts
from tests.web.conftest import EVIL_REPLY, EVIL_ROOT, TEXT_PAYLOAD, World

EVIL = f"twitter:{EVIL_ROOT}"


def _headers(http: httpx.Client) -> dict[str, str]:
    http.get("/inbox")
    return {"X-CSRF-Token": str(http.cookies["grapevine_csrf"])}


def test_a_draft_moves_from_draft_to_sent(http: httpx.Client, world: World) -> None:
    headers = _headers(http)
    made = http.post(
        f"/conversations/{EVIL}/drafts.json",
        json={"text": "  Sorry about that!  ", "reply_to": EVIL_REPLY},
        headers=headers,
    )
    assert made.status_code == 200
    draft = made.json()
    assert (draft["status"], draft["text"], draft["reply_to"], draft["conversation"]) == (
        "draft",
        "Sorry about that!",
        EVIL_REPLY,
        EVIL,
    )
    stored = {d["id"]: d for d in drafts(world.ws.store, "twitter", EVIL_ROOT)}
    assert stored[draft["id"]]["text"] == "Sorry about that!"
    ready = http.post(
        f"/conversations/{EVIL}/drafts.json", json={"id": draft["id"], "status": "ready"}, headers=headers
    )
    assert ready.json()["status"] == "ready" and ready.json()["text"] == "Sorry about that!"
    row = next(
        r
        for r in http.get("/inbox.json", params={"status": "all", "limit": 1000}).json()["rows"]
        if r["conversation"] == EVIL
    )
    assert row["draft"] == "ready"
    sent = http.post(
        f"/conversations/{EVIL}/drafts.json", json={"id": draft["id"], "status": "sent"}, headers=headers
    )
    assert sent.json()["status"] == "sent"
    late = http.post(
        f"/conversations/{EVIL}/drafts.json", json={"id": draft["id"], "text": "changed"}, headers=headers
    )
    assert late.status_code == 400 and "is sent" in late.json()["detail"]
    row = next(
        r
        for r in http.get("/inbox.json", params={"status": "all", "limit": 1000}).json()["rows"]
        if r["conversation"] == EVIL
    )
    assert row["draft"] is None  # nothing open waits on this conversation any more


def test_bad_drafts_are_refused_with_a_reason(http: httpx.Client) -> None:
    headers = _headers(http)
    url = f"/conversations/{EVIL}/drafts.json"
    assert (
        http.post(url, json={"text": "   "}, headers=headers).json()["detail"]
        == "a reply draft needs some text"
    )
    assert http.post(url, json={"text": "x" * 5001}, headers=headers).status_code == 422
    assert http.post(url, json={"text": "hi", "status": "posted"}, headers=headers).status_code == 422
    wrong_post = http.post(url, json={"text": "hi", "reply_to": "123"}, headers=headers)
    assert wrong_post.status_code == 400 and "not part of conversation" in wrong_post.json()["detail"]
    assert http.post(url, json={"id": 999_999, "status": "ready"}, headers=headers).status_code == 400
    assert (
        http.post("/conversations/twitter:0/drafts.json", json={"text": "hi"}, headers=headers).status_code
        == 404
    )
    assert http.post(url, json={"text": "no csrf"}).status_code == 403
    assert http.post(f"/conversations/{EVIL}/drafts", data={"text": "no csrf"}).status_code == 403


def test_draft_text_is_stored_verbatim_and_shown_escaped(http: httpx.Client, world: World) -> None:
    headers = _headers(http)
    form = http.post(
        f"/conversations/{EVIL}/drafts", data={"text": TEXT_PAYLOAD, "csrf_token": headers["X-CSRF-Token"]}
    )
    assert form.status_code == 303 and form.headers["location"] == f"/conversations/{EVIL}#crm"
    assert TEXT_PAYLOAD in [d["text"] for d in drafts(world.ws.store, "twitter", EVIL_ROOT)]
    html = http.get(f"/conversations/{EVIL}").text
    assert "<script>window.__pwned" not in html and 'id="pwned' not in html
    assert "&lt;script&gt;window.__pwned=&#34;text&#34;&lt;/script&gt;" in html
    # A new draft starts by addressing the author of the newest turn.
    assert (
        '<textarea id="draft-text" name="text" rows="4" required maxlength="5000">@mallory_friend </textarea>'
        in html
    )
