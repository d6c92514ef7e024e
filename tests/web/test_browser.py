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

from tests.web.conftest import EVIL_ROOT, HANDLE, LiveServer, World

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
                "--disable-gpu",
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
    cells = page.locator("table.people tbody tr td:nth-child(2)").all_inner_texts()
    assert cells and all("mastodon" in c for c in cells)
    page.fill("#q", HANDLE)
    page.select_option("#platform", "")
    page.wait_for_url("**platform=**")
    page.click("button:has-text('Filter')")
    page.wait_for_url(f"**q={HANDLE}**")
    assert page.locator("table.people tbody tr").count() == 1


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
    print(page.url, page.content()[:3000])
    assert "Called them back <b>today</b>" in page.locator("ul.notes").inner_text()
    assert page.console_errors == []
