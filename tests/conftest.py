"""Shared fixtures: where the real datasets are, and fresh workspaces on real DuckDB files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def data_root() -> Path:
    return Path(os.environ.get("GRAPEVINE_DATA", DEFAULT_DATA))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared real datasets (GRAPEVINE_DATA, default ../shared/data); skips when absent."""
    root = data_root()
    if not root.is_dir():
        pytest.skip(f"shared datasets not found at {root}; set GRAPEVINE_DATA to their folder")
    return root


@pytest.fixture
def workspace(tmp_path: Path):
    """A fresh workspace on a real DuckDB file under tmp_path."""
    from grapevine import open_workspace

    ws = open_workspace(tmp_path / "ws")
    yield ws
    ws.close()
