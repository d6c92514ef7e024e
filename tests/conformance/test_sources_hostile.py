"""Every source against hostile input: it quarantines, it never crashes or hangs.

Property-based (hypothesis): real records from ../shared/data are damaged (fields removed or
given the wrong type, huge strings, NUL bytes, invalid UTF-8, truncation) and fed to each
source, at the level of ``map`` and of a whole import into a real DuckDB workspace.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grapevine import IngestError, open_workspace
from grapevine.ingest._files import open_decompressed
from grapevine.models import Mapped
from grapevine.plugins import default_registry
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source

# A real sample for each built-in source, relative to GRAPEVINE_DATA.
SAMPLES = {
    "twitter-v1": "payloads/twitter_v1/rumoureval2017_v1.1_tweets_sample.jsonl",
    "twitter-v2": "payloads/twitter_v2/twarc-csv_test-data/two_tweets.jsonl",
    "rumoureval": "rumoureval2017/rumoureval2017_traindev_threads.jsonl",
    "mastodon": "payloads/mastodon/mastodon_py_cassettes/test_status_context.json",
    "bluesky": "payloads/bluesky/bskyr_recorded_api/f_postthread.json",
    "reddit": "payloads/reddit/praw_comments_flat.jsonl",
    "feed": "payloads/rss_atom/feedparser_tests/wellformed/rss/item_description.xml",
    "twcs": "twcs_slice/twcs_first5000.csv",
    "airline": "airline_tweets/airline_tweets_clean.csv",
    "customer-care": "twitter_cdp/dev.json",
    "edgelist": "graphs/congress_twitter.edgelist",
}
MAX_RECORDS = 5  # records per sample used as seeds for damage

HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.just("x" * 200_000),
    st.just("nul\x00byte"),
    st.just("bad \udcff surrogate"),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _sample_path(data_dir: Path, name: str) -> Path:
    path = data_dir / SAMPLES[name]
    if not path.exists():
        pytest.skip(f"sample for {name} not found at {path}")
    return path


def _records(source: Source, path: Path) -> list[RawRecord]:
    with open_decompressed(path, str(path)) as stream:
        got = [r for r in itertools.islice(source.read(stream, str(path)), 200) if isinstance(r, RawRecord)]
    return got[:MAX_RECORDS]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a nested JSON value, breadth-limited so huge payloads stay cheap."""
    found = [prefix] if prefix else []
    if len(found) > 400:
        return found
    if isinstance(value, dict):
        for key in list(value)[:40]:
            found += _paths(value[key], (*prefix, key))
    elif isinstance(value, list):
        for index in range(min(len(value), 3)):
            found += _paths(value[index], (*prefix, index))
    return found


def _damage(payload: Any, path: tuple[Any, ...], replacement: Any, delete: bool) -> Any:
    damaged = orjson.loads(orjson.dumps(payload, default=str)) if not isinstance(payload, tuple) else payload
    if not path or isinstance(damaged, tuple):
        return replacement
    target = damaged
    for key in path[:-1]:
        target = target[key]
    if delete and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = replacement
    return damaged


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_map_raises_only_mapping_errors_on_damaged_payloads(data_dir: Path, name: str) -> None:
    source = default_registry().source(name)
    records = _records(source, _sample_path(data_dir, name))
    assert records, f"{name}: the sample yielded no records"
    for record in records:
        assert isinstance(source.map(record), Mapped)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=st.data(), replacement=HOSTILE_VALUES, delete=st.booleans())
    def check(data: st.DataObject, replacement: Any, delete: bool) -> None:
        record = data.draw(st.sampled_from(records))
        if not isinstance(record.payload, dict | list):
            payload: Any = replacement
        else:
            paths = _paths(record.payload) or [()]
            payload = _damage(record.payload, data.draw(st.sampled_from(paths)), replacement, delete)
        damaged = RawRecord(record.number, payload, record.raw, record.context)
        try:
            result = source.map(damaged)
        except MappingError:
            return
        assert isinstance(result, Mapped)

    check()


BYTE_DAMAGE = st.sampled_from(["truncate", "nul", "invalid-utf8", "huge-line", "flip"])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_damaged_files_quarantine_and_keep_good_records(data_dir: Path, name: str, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    original = _sample_path(data_dir, name).read_bytes()[:400_000]
    head = original[: original.rfind(b"\n", 0, 300_000) + 1] or original

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(kind=BYTE_DAMAGE, where=st.floats(min_value=0.05, max_value=0.95))
    def check(kind: str, where: float) -> None:
        at = int(len(head) * where)
        if kind == "truncate":
            damaged = head[:at]
        elif kind == "nul":
            damaged = head[:at] + b"\x00\x00" + head[at:]
        elif kind == "invalid-utf8":
            damaged = head[:at] + b"\xff\xfe\xc3" + head[at:]
        elif kind == "huge-line":
            damaged = head[:at] + b"x" * 2_000_000 + head[at:]
        else:
            damaged = head[:at] + bytes([head[at] ^ 0x5A]) + head[at + 1 :] if at < len(head) else head
        folder = tmp_path_factory.mktemp(name)
        path = folder / ("damaged" + Path(SAMPLES[name]).suffix)
        path.write_bytes(damaged)
        with open_workspace(folder / "ws") as ws:
            try:
                summaries = ws.ingest([path], source=name, enrich=False)
            except IngestError as exc:  # the whole file is unreadable: one clear line, no traceback
                assert str(exc).startswith(str(path)) and "\n" not in str(exc)
                return
            (summary,) = summaries
            stats = ws.stats()
            assert stats["quarantined"] == summary.quarantined
            assert summary.read >= summary.quarantined

    check()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_read_yields_numbered_records(data_dir: Path, name: str) -> None:
    source = default_registry().source(name)
    path = _sample_path(data_dir, name)
    with open_decompressed(path, str(path)) as stream:
        records = list(itertools.islice(source.read(stream, str(path)), 50))
    assert records
    numbers = [r.number for r in records]
    assert numbers == sorted(numbers) and numbers[0] >= 1
    assert all(isinstance(r, RawRecord | BadRecord) for r in records)
