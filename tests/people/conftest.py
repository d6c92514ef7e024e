"""Fixtures for the people tests: hand-made accounts written through the store, and a simulated world."""

from __future__ import annotations

import csv
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from grapevine import open_workspace
from grapevine.models import Account, Edge, Post
from grapevine.store import Batch
from grapevine.workspace import Workspace


def write(
    ws: Workspace,
    name: str,
    accounts: Sequence[Account] = (),
    posts: Sequence[Post] = (),
    edges: Sequence[Edge] = (),
) -> None:
    """Write records through the store's own batch path, as an import would."""
    batch = Batch(source="test", path=name, file_key=name)
    for number, account in enumerate(accounts, 1):
        batch.add_accounts([account], number)
    for number, post in enumerate(posts, 1):
        batch.add_posts([post], number)
    batch.add_edges(list(edges), 1)
    ws.store.write_batch(batch)


def account(
    platform: str, id: str, handle: str, links: Sequence[str] = (), bio: str | None = None, **extra: Any
) -> Account:
    url = extra.pop("url", None)
    if url is None and platform == "twitter":
        url = f"https://twitter.com/{handle}"
    if url is None and platform == "bluesky":
        url = f"https://bsky.app/profile/{handle}"
    return Account(platform, id, handle=handle, url=url, links=list(links), bio=bio, **extra)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Workspace]]:
    """A small simulated world (truth included), ingested with its brands tracked."""
    from grapevine.demo import track_brands
    from grapevine.simulate import simulate_world

    root = tmp_path_factory.mktemp("people-world")
    out = root / "world"
    simulate_world(out, people=300, days=10, seed=5)
    ws = open_workspace(root / "ws")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an optional model tier may be missing
        track_brands(ws, out)
        ws.ingest([out / "twitter", out / "mastodon", out / "blogs"], enrich=False)
        ws.enrich(model="fast")  # what is tested here does not depend on the model tier
    yield out, ws
    ws.close()


def truth_people(world_dir: Path) -> list[dict[str, str]]:
    with open(world_dir / "truth" / "people.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
