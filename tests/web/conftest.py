"""Fixtures for the web tests: a small simulated world with hostile text in it, served on loopback."""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from grapevine import open_workspace
from grapevine.models import Account, Post
from grapevine.store import Batch
from grapevine.workspace import Workspace

# Each payload would set window.__pwned or add an element with an id starting "pwned" if it
# reached the page unescaped; the browser tests look for both.
TEXT_PAYLOAD = (
    'Acme Mobile <script>window.__pwned="text"</script><img src=x onerror="window.__pwned=\'img\'">'
    '<b id="pwned-text">bold</b> {{7*7}}'
)
NAME_PAYLOAD = '<img src=x onerror="window.__pwned=\'name\'"><span id="pwned-name">Mallory</span>'
BIO_PAYLOAD = '"><svg onload="window.__pwned=\'bio\'"></svg><i id="pwned-bio">x</i></textarea><a href="javascript:alert(1)">'
# A mention is any text after "@": mentions of unknown handles become nodes of the network, labelled so.
MENTION_PAYLOAD = '<img src=x onerror="window.__pwned=\'mention\'"><u id="pwned-mention">m</u>'
HANDLE = "mallory_x"
EVIL_ROOT = "990000000000000001"
EVIL_REPLY = "990000000000000002"


@dataclass
class World:
    root: Path
    ws: Workspace
    evil_person: str


def _write_hostile(ws: Workspace) -> None:
    """An account and a two-turn conversation whose every field a stranger wrote."""
    batch = Batch(source="test", path="hostile.jsonl", file_key="hostile")
    when = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    batch.add_accounts(
        [
            Account(
                "twitter",
                "9900001",
                handle=HANDLE,
                display_name=NAME_PAYLOAD,
                bio=BIO_PAYLOAD,
                followers_count=42,
            )
        ],
        1,
    )
    batch.add_accounts([Account("twitter", "9900002", handle="mallory_friend", display_name="Friend")], 2)
    batch.add_posts(
        [
            Post(
                "twitter",
                EVIL_ROOT,
                author_id="9900001",
                author_handle=HANDLE,
                text=TEXT_PAYLOAD,
                created_at=when,
                lang="en",
                conversation_id=EVIL_ROOT,
                mentions=["AcmeSupport", MENTION_PAYLOAD],
            )
        ],
        3,
    )
    batch.add_posts(
        [
            Post(
                "twitter",
                EVIL_REPLY,
                author_id="9900002",
                author_handle="mallory_friend",
                text="<script>window.__pwned='reply'</script> agreed about Acme Mobile",
                created_at=when.replace(hour=13),
                lang="en",
                reply_to_id=EVIL_ROOT,
                reply_to_author_id="9900001",
                conversation_id=EVIL_ROOT,
            )
        ],
        4,
    )
    ws.store.write_batch(batch)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A small simulated world (300 people, 7 days) with its brands tracked, plus the hostile records."""
    from grapevine.demo import track_brands
    from grapevine.people import person_of
    from grapevine.simulate import simulate_world

    root = tmp_path_factory.mktemp("web-world")
    simulate_world(root / "world", people=300, days=7, seed=5)
    ws = open_workspace(root / "ws")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an optional model tier may be missing
        track_brands(ws, root / "world")
        ws.ingest([root / "world" / name for name in ("twitter", "mastodon", "blogs")])
        _write_hostile(ws)
        ws.enrich()
    yield World(root, ws, person_of(ws.store, f"twitter:{HANDLE}"))
    ws.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn serving an app in a thread on a free loopback port."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )  # type: ignore[arg-type]
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(world: World) -> Iterator[LiveServer]:
    """The dashboard over the world, open to the local user (no credentials configured), warmed as `serve` does."""
    from grapevine.web import create_app

    with LiveServer(create_app(world.ws, warm_up=True)) as live:
        # Tests also call the library on the same connection; they start once the warm-up is done.
        assert live.server.config.app.state.grapevine.warmed.wait(300), "the warm-up did not finish"  # type: ignore[attr-defined]
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[object]:
    import httpx

    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client
