"""Every real sample in ../shared/data, imported through the workspace with auto-detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from grapevine import IngestError, open_workspace
from grapevine.ingest import detect_source
from grapevine.ingest._files import read_sample
from grapevine.plugins import default_registry

# folder (relative to GRAPEVINE_DATA) -> the source that must claim its files
FOLDERS = {
    "payloads/twitter_v1": "twitter-v1",
    "payloads/mastodon/mastodon_py_cassettes": "mastodon",
    "payloads/bluesky/bskyr_recorded_api": "bluesky",
    "payloads/reddit": "reddit",
    "rumoureval2017": "rumoureval",
    "twcs_slice": "twcs",
    "twitter_cdp/dev.json": "customer-care",
}
# Files that are not posts (counts, lists, compliance jobs) may go elsewhere or nowhere.
NOT_POSTS = {"counts.jsonl", "lists.jsonl", "tweets_compliance.jsonl", "users_compliance.jsonl", "empty.json"}


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl", ".csv", ".txt")
    )


@pytest.mark.parametrize(("folder", "expected"), sorted(FOLDERS.items()))
def test_detection_picks_the_right_source(data_dir: Path, folder: str, expected: str) -> None:
    files = [f for f in _files(data_dir / folder) if f.name != "PROVENANCE.md"]
    assert files
    registry = default_registry()
    for path in files:
        if path.suffix == ".txt" and expected != "edgelist":
            continue
        if b"/api/v" not in path.read_bytes()[:100_000] and "cassettes" in str(path):
            continue  # a cassette of non-API calls (nodeinfo) is not social data
        source = detect_source(registry, read_sample(path, str(path)), str(path))
        assert source.name == expected, f"{path.name}: detected {source.name}, expected {expected}"


def test_twitter_v2_and_tweepy_files_detected_as_twitter(data_dir: Path) -> None:
    registry = default_registry()
    for folder in ("payloads/twitter_v2/twarc-csv_test-data", "payloads/twitter_tweepy_cassettes"):
        for path in _files(data_dir / folder):
            if path.name in NOT_POSTS:
                continue
            source = detect_source(registry, read_sample(path, str(path)), str(path))
            assert source.name in ("twitter-v1", "twitter-v2"), f"{path.name}: {source.name}"


def test_graphs_detected_as_edge_lists(data_dir: Path) -> None:
    registry = default_registry()
    for path in [
        *sorted((data_dir / "graphs").glob("*.txt")),
        data_dir / "graphs" / "congress_twitter.edgelist",
    ]:
        assert detect_source(registry, read_sample(path, str(path)), str(path)).name == "edgelist", path.name


def _not_social_data(path: Path) -> bool:
    """Conformance fixtures, docs, API calls with no posts, and feeds with nothing in them."""
    parts = set(path.parts)
    return (
        "atproto-interop-tests" in parts
        or path.name in NOT_POSTS
        or path.suffix in (".md", ".txt")
        or "rss_atom" in parts
        or ("cassettes" in str(path) and b"/api/v" not in path.read_bytes()[:100_000])
    )


@pytest.mark.slow
def test_whole_payload_tree_imports_idempotently(data_dir: Path, tmp_path: Path) -> None:
    errors: list[IngestError] = []
    with open_workspace(tmp_path / "ws") as ws:
        first = ws.ingest([data_dir / "payloads"], on_error=errors.append, enrich=False)
        stats = ws.stats()
        # Only files that are not social data at all may fail, each with a one-line reason.
        unexpected = [e for e in errors if not _not_social_data(Path(e.path))]
        assert not unexpected, [str(e) for e in unexpected]
        assert all("\n" not in str(e) for e in errors)
        assert set(stats["platforms"]) >= {"twitter", "mastodon", "bluesky", "reddit", "blog"}
        assert stats["posts"] > 5_000
        second = ws.ingest([data_dir / "payloads"], on_error=lambda e: None, enrich=False)
        assert sum(s.new for s in second) == 0
        assert sum(s.read for s in second) == sum(s.read for s in first)
        assert ws.stats() == stats
