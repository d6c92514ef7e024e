"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

Screenshots of every page go to ``$GRAPEVINE_ARTIFACTS/web`` (a temporary folder when unset).
Skipped, saying why, where /usr/bin/chromium or the playwright package is missing
(``apt-get install -y chromium``; ``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import EVIL_ROOT, HANDLE, MENTION_PAYLOAD, TEXT_PAYLOAD, LiveServer, World

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need playwright (pip install -e '.[dev]')"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                # WebGL for the network page without a GPU: Chromium's software GL.
                "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-extensions",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda message: message.type == "error" and tab.console_errors.append(message.text))
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    yield tab
    context.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = (
        Path(os.environ["GRAPEVINE_ARTIFACTS"]) / "web"
        if os.environ.get("GRAPEVINE_ARTIFACTS")
        else tmp_path_factory.mktemp("screenshots")
    )
    where.mkdir(parents=True, exist_ok=True)
    return where


def _pwned(page: Any) -> tuple[Any, int]:
    return page.evaluate("window.__pwned"), page.locator("[id^=pwned]").count()


def test_every_page_loads_and_is_captured(page: Any, world: World, artifacts: Path) -> None:
    pages = {
        "overview": "/",
        "people": "/people",
        "person": f"/people/{world.ws.people(top=1)[0]['person_id']}",
        "inbox": "/inbox",
        "conversation": f"/conversations/{world.ws.inbox(limit=1)[0]['platform']}:{world.ws.inbox(limit=1)[0]['conversation_key']}",
        "network": "/network?brand=acme",
        "reach": "/reach?p=" + world.ws.people(top=2)[1]["person_id"],
    }
    for name, path in pages.items():
        response = page.goto(path)
        assert response.status == 200, name
        assert page.locator("h1").first.is_visible(), name
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    assert page.console_errors == []
    assert sorted(p.name for p in artifacts.glob("*.png")) == sorted(f"{n}.png" for n in pages)


def test_injected_markup_never_runs(page: Any, world: World) -> None:
    for path in (
        f"/people/{world.evil_person}",
        f"/conversations/twitter:{EVIL_ROOT}",
        f"/people?q={HANDLE}",
        "/?brand=acme",
        "/reach?p=" + world.evil_person,
        "/network?brand=acme",
    ):
        page.goto(path)
        page.wait_for_load_state("load")
        assert _pwned(page) == (None, 0), path
    page.goto(f"/conversations/twitter:{EVIL_ROOT}")
    assert "<script>window.__pwned" in page.locator("ol.thread").inner_text()  # shown as text, not run
    page.goto(f"/people/{world.evil_person}")
    assert '<span id="pwned-name">' in page.locator("h1").inner_text()


def test_filter_the_people_table(page: Any) -> None:
    page.goto("/people")
    page.keyboard.press("/")  # the search shortcut
    assert page.evaluate("document.activeElement.id") == "q"
    with page.expect_navigation():
        page.select_option("#platform", "mastodon")  # applies on change
    assert "platform=mastodon" in page.url
    cells = page.locator("table.people > tbody > tr > td:nth-child(2)").all_inner_texts()
    assert cells and all("mastodon" in c for c in cells)
    page.fill("#q", HANDLE)
    page.select_option("#platform", "")
    page.wait_for_url("**platform=**")
    page.click("button:has-text('Filter')")
    page.wait_for_url(f"**q={HANDLE}**")
    assert page.locator("table.people > tbody > tr").count() == 1


def test_open_a_thread_from_the_inbox_and_add_a_note(page: Any) -> None:
    page.goto("/inbox")
    first_why = page.locator("table.inbox tbody tr td.why a").first
    expected = first_why.inner_text()
    first_why.click()
    page.wait_for_url("**/conversations/**")
    assert expected in page.locator(".why-card").first.inner_text()
    assert page.locator("ol.thread li.turn .badge.emotion").count() >= 1
    page.fill("#note", "Called them back <b>today</b>")
    page.click("#note-form button")
    page.wait_for_load_state("load")
    assert "Called them back <b>today</b>" in page.locator("ul.notes").inner_text()
    assert page.console_errors == []


def test_inbox_keyboard_and_a_reply_draft(page: Any) -> None:
    page.goto("/inbox")
    links = page.locator("table.inbox tbody [data-row-link]")
    assert "j/k" in page.locator("#inbox-keys").inner_text()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("ArrowDown")  # arrows work once the focus is in the table
    second = links.nth(1).get_attribute("href")
    assert page.evaluate("document.activeElement.getAttribute('href')") == second
    assert "Open the conversation with" in (links.nth(1).get_attribute("aria-label") or "")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(second)
    page.fill("#draft-text", TEXT_PAYLOAD)
    with page.expect_navigation():
        page.click("#draft-form button")
    draft = page.locator("ul.drafts li").first
    assert draft.locator(".badge").inner_text() == "draft"
    assert draft.locator("textarea").input_value() == TEXT_PAYLOAD  # shown as text, not run
    assert _pwned(page) == (None, 0)
    draft.locator("select").select_option("ready")
    with page.expect_navigation():
        draft.locator("button").click()
    assert page.locator("ul.drafts li .badge").first.inner_text() == "ready"
    assert page.console_errors == []


def test_network_draws_searches_and_opens_a_person(page: Any, http: Any) -> None:
    twin = http.get("/network.json", params={"brand": "acme"}).json()
    page.goto("/network?brand=acme")
    page.wait_for_function("window.grapevineNetwork && (grapevineNetwork.renderer || grapevineNetwork.error)")
    drawn = page.evaluate(
        "({order: grapevineNetwork.graph.order, size: grapevineNetwork.graph.size,"
        " renderer: !!grapevineNetwork.renderer, error: grapevineNetwork.error})"
    )
    assert (drawn["order"], drawn["size"]) == (len(twin["nodes"]), len(twin["edges"]))
    # Sigma drew on WebGL (software GL here); without it the page says why and keeps the table.
    assert drawn["renderer"] or "draw" in page.locator("#graph-fallback").inner_text(), drawn
    if drawn["renderer"]:
        assert page.locator("#graph canvas").count() >= 1
        page.click("[data-zoom=in]")
    assert _pwned(page) == (None, 0)
    page.fill("#node-search", MENTION_PAYLOAD[:12])  # the stranger's mention: listed as text
    assert page.locator("#node-results li").first.inner_text() == MENTION_PAYLOAD
    assert _pwned(page) == (None, 0)
    target = next(n for n in twin["nodes"] if n["url"] and n["handle"])
    page.fill("#node-search", target["handle"])
    result = page.locator("#node-results a", has_text=target["label"]).first
    with page.expect_navigation():
        result.click()
    assert page.url.endswith(target["url"])
    assert page.console_errors == []


def test_network_without_webgl_keeps_the_table_and_search(page: Any) -> None:
    page.add_init_script("HTMLCanvasElement.prototype.getContext = function () { return null; };")
    page.goto("/network?brand=acme")
    page.wait_for_function("window.grapevineNetwork && grapevineNetwork.error")
    assert "no WebGL" in page.locator("#graph-fallback").inner_text()
    assert page.locator("table.network-nodes > tbody > tr").count() > 1
    page.fill("#node-search", "acme")
    assert page.locator("#node-results a").count() >= 1
    assert page.console_errors == []
