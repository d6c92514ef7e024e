"""The typed fast lanes map every line exactly as the general mappers do, or decline it.

A source may decode its usual JSON line straight into typed structs (msgspec) and map those
(see ``grapevine.sources._mastodon_typed``). That lane is only an optimisation, so for any line
it accepts, its canonical records (or its error) must equal those of the general lane: the
line parsed with orjson and mapped by the general mapper. Checked on every status of the real
Mastodon cassettes, on a simulated world, and on hypothesis-damaged copies of both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grapevine.ingest._parallel import map_chunk
from grapevine.models import Mapped
from grapevine.plugins import default_registry
from grapevine.simulate import simulate_world
from grapevine.sources._mastodon_typed import TypedStatus, decode_status, map_typed_status_rows
from grapevine.sources._twitter_v2_typed import TypedPage, decode_page, map_typed_page_rows
from grapevine.sources.base import RawRecord, Source
from grapevine.sources.mastodon import MastodonSource
from grapevine.store import Batch

LANES: dict[str, tuple[Any, type, Any]] = {
    "mastodon": (decode_status, TypedStatus, map_typed_status_rows),
    "twitter-v2": (decode_page, TypedPage, map_typed_page_rows),
}

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(
        [
            0,
            -1,
            2**63 - 1,
            2**63,
            -(2**63),
            -(2**63) - 1,
            2**64 - 1,
            2**64,
            1.5,
            1e300,
            "",
            "0",
            "12",
            "x" * 5000,
        ]
    ),
    st.text(max_size=12),
    st.just("nul\x00byte"),
    st.just("bad \udcff surrogate"),
    st.just("<p>a <a href='https://x.example/'>link</a></p>"),
    st.just("2024-03-01T00:00:00+02:00"),
    st.just("2024-03-01T00:00:00.1234567Z"),
    st.lists(st.integers(), max_size=2),
    st.lists(
        st.dictionaries(st.sampled_from(["acct", "name", "value", "url"]), st.text(max_size=4)), max_size=2
    ),
    st.dictionaries(
        st.sampled_from(["id", "url", "acct", "quoted_status_id"]), st.text(max_size=6), max_size=3
    ),
)


def _batch_state(batch: Batch) -> tuple[Any, ...]:
    return (
        batch.posts,
        batch.post_records,
        batch.accounts,
        batch.account_records,
        batch.edges,
        batch.duplicates_in_batch,
    )


def _outcome(source: Source, payload: Any, line: bytes) -> tuple[str, Any]:
    """What ``map`` maps a record to; ``map_into`` (what imports call) must add just that."""
    record = RawRecord(7, payload, line)
    into = Batch(source.name, "lines.jsonl", "key")
    try:
        mapped = source.map(record)
    except Exception as exc:  # the reason a record would be quarantined with
        with pytest.raises(type(exc)):
            source.map_into(record, into)
        assert not len(into)  # nothing half-added
        return ("error", str(exc))
    assert isinstance(mapped, Mapped)
    source.map_into(record, into)
    added = Batch(source.name, "lines.jsonl", "key")
    added.add_mapped(mapped, 7)
    assert _batch_state(into) == _batch_state(added)
    return ("mapped", (mapped.posts, mapped.accounts, mapped.edges))


def _general(source: Source, line: bytes) -> tuple[str, Any]:
    try:
        payload = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return ("error", f"invalid JSON: {exc}")
    return _outcome(source, payload, line)


def assert_same_in_both_lanes(source: Source, line: bytes) -> bool:
    """True when the typed lane mapped the line (and gave what the general lane gives)."""
    decode, kind, map_typed = LANES[source.name]
    typed = decode(line)
    if typed is None:
        return False
    assert type(typed) is kind
    fast = _outcome(source, typed, line)
    assert fast == _general(source, line), line[:300]
    return map_typed(typed) is not None


def _statuses(value: Any) -> list[dict[str, Any]]:
    """Every Status object anywhere in a cassette, its JSON bodies included."""
    found = []
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return _statuses(orjson.loads(value))
        except orjson.JSONDecodeError:
            return []
    if isinstance(value, dict):
        if "account" in value and "id" in value and ("content" in value or "text" in value):
            found.append(value)
        for item in value.values():
            found += _statuses(item)
    elif isinstance(value, list):
        for item in value:
            found += _statuses(item)
    return found


@pytest.fixture(scope="module")
def mastodon() -> Source:
    return default_registry().source("mastodon")


@pytest.fixture(scope="module")
def real_statuses(data_dir: Path) -> list[dict[str, Any]]:
    folder = data_dir / "payloads/mastodon/mastodon_py_cassettes"
    if not folder.exists():
        pytest.skip(f"Mastodon cassettes not found at {folder}")
    statuses = []
    for path in sorted(folder.glob("*.json")):
        statuses += _statuses(orjson.loads(path.read_bytes()))
    assert len(statuses) > 100
    return statuses


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("typed") / "world"
    simulate_world(world, people=300, days=10, seed=5, posts=6_000)
    return world


def _lines(folder: Path, pattern: str = "*.jsonl") -> list[bytes]:
    lines = []
    for path in sorted(folder.glob(pattern)):
        lines += [
            line for line in path.read_bytes().splitlines()[1:] if line.strip()
        ]  # as the reader: not the first
    return lines


@pytest.fixture(scope="module")
def simulated_lines(world: Path) -> list[bytes]:
    lines = _lines(world / "mastodon")
    assert len(lines) > 500
    return lines


@pytest.fixture(scope="module")
def twitter() -> Source:
    return default_registry().source("twitter-v2")


@pytest.fixture(scope="module")
def real_pages(data_dir: Path) -> list[bytes]:
    folder = data_dir / "payloads/twitter_v2/twarc-csv_test-data"
    if not folder.exists():
        pytest.skip(f"twarc2 samples not found at {folder}")
    lines = [
        line
        for path in sorted(folder.glob("*.json*"))
        for line in path.read_bytes().splitlines()
        if line.strip()
    ]
    assert len(lines) > 50
    return lines


def test_every_real_status_maps_the_same_in_both_lanes(
    mastodon: Source, real_statuses: list[dict[str, Any]]
) -> None:
    taken = sum(assert_same_in_both_lanes(mastodon, orjson.dumps(s)) for s in real_statuses)
    # The cassettes hold quotes, polls and edits: the lane may decline some, but it is the usual path.
    assert taken >= 0.6 * len(real_statuses), (taken, len(real_statuses))


def test_every_simulated_status_maps_the_same_in_both_lanes(
    mastodon: Source, simulated_lines: list[bytes]
) -> None:
    taken = sum(assert_same_in_both_lanes(mastodon, line) for line in simulated_lines)
    assert taken == len(simulated_lines)  # the simulator writes plain statuses and reblogs only


def test_every_real_twarc_line_maps_the_same_in_both_lanes(twitter: Source, real_pages: list[bytes]) -> None:
    taken = sum(assert_same_in_both_lanes(twitter, line) for line in real_pages)
    # Every page of tweets is taken (26 of 142 lines); flattened tweets, streamed single tweets,
    # users, lists, counts and compliance events are left to the general lane.
    assert taken >= 26, (taken, len(real_pages))


def test_every_simulated_page_maps_the_same_in_both_lanes(twitter: Source, world: Path) -> None:
    lines = _lines(world / "twitter")
    assert len(lines) > 20
    assert sum(assert_same_in_both_lanes(twitter, line) for line in lines) == len(lines)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if len(prefix) < 7 and isinstance(value, dict):
        for key in value:
            found += _paths(value[key], (*prefix, key))
    elif len(prefix) < 7 and isinstance(value, list):
        for index in range(min(len(value), 2)):
            found += _paths(value[index], (*prefix, index))
    return found


def _damaged(status: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool) -> bytes:
    copy = orjson.loads(orjson.dumps(status))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if delete and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = value
    # The stdlib writes what orjson refuses to (huge integers, lone surrogates): both lanes get the same bytes.
    return json.dumps(copy, ensure_ascii=bool(len(path) % 2)).encode("utf-8", "surrogatepass")


def assert_damaged_copies_map_the_same(source: Source, seeds: list[dict[str, Any]], examples: int) -> None:
    """Damage one value of a seed (hypothesis picks which, and what with) and compare both lanes."""
    taken = []

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=st.data(), value=HOSTILE, delete=st.booleans())
    def check(data: st.DataObject, value: Any, delete: bool) -> None:
        seed = data.draw(st.sampled_from(seeds))
        path = data.draw(st.sampled_from(_paths(seed)))
        taken.append(assert_same_in_both_lanes(source, _damaged(seed, path, value, delete)))

    check()
    assert sum(taken) > len(taken) / 4, (sum(taken), len(taken))  # the lane was really exercised


@pytest.mark.slow
def test_damaged_statuses_map_the_same_in_both_lanes(
    mastodon: Source, real_statuses: list[dict[str, Any]], simulated_lines: list[bytes]
) -> None:
    seeds = real_statuses[::7][:40] + [orjson.loads(line) for line in simulated_lines[::97][:40]]
    seeds = [s for s in seeds if decode_status(orjson.dumps(s)) is not None]
    assert_damaged_copies_map_the_same(mastodon, seeds, examples=400)


@pytest.mark.slow
def test_damaged_pages_map_the_same_in_both_lanes(
    twitter: Source, real_pages: list[bytes], world: Path
) -> None:
    lines = [line for line in real_pages if decode_page(line) is not None][::3][:25]
    lines += _lines(world / "twitter")[:10]
    assert_damaged_copies_map_the_same(
        twitter, [_small_page(orjson.loads(line)) for line in lines], examples=500
    )


def _small_page(page: dict[str, Any]) -> dict[str, Any]:
    """A page cut to a few tweets and users, so that a damaged path hits them often."""
    if isinstance(page.get("data"), list):
        page["data"] = page["data"][:3]
    includes = page.get("includes")
    if isinstance(includes, dict):
        for key in ("users", "tweets"):
            if isinstance(includes.get(key), list):
                includes[key] = includes[key][:3]
    return page


def test_lines_msgspec_would_read_but_json_forbids_go_the_general_way(mastodon: Source) -> None:
    line = b'{"id":"1","account":{"id":"2","acct":"a"},"content":"<p>hi</p>","x":"\xff"}'
    assert decode_status(line) is None  # invalid UTF-8 in a field the lane skips
    assert _general(mastodon, line)[0] == "error"


def test_deep_nesting_goes_the_general_way(mastodon: Source) -> None:
    chain = b'{"id":"1","account":{"id":"2"},"content":"","reblog":' * 600 + b"null" + b"}" * 600
    deep_skipped = b'{"id":"1","account":{"id":"2"},"content":"","x":' + b"[" * 3000 + b"]" * 3000 + b"}"
    for line in (chain, deep_skipped):
        assert_same_in_both_lanes(mastodon, line)
    assert _general(mastodon, deep_skipped)[0] == "error"  # deeper than orjson reads


@pytest.mark.parametrize("value", [-(2**63) - 1, -(2**63), 2**63 - 1, 2**63, 2**64 - 1, 2**64])
def test_counts_at_the_edges_of_64_bits_map_the_same_in_both_lanes(twitter: Source, value: int) -> None:
    # orjson reads an integer beyond 64 bits as a float; msgspec would read it exactly.
    page = {
        "data": [{"id": "1", "text": "hi", "author_id": "9", "public_metrics": {"retweet_count": value}}],
        "includes": {"users": [{"id": "9", "username": "a", "public_metrics": {"followers_count": value}}]},
    }
    assert_same_in_both_lanes(twitter, json.dumps(page).encode())


# --- whole chunks: the line fast lane of the parallel path --------------------------------------


class _WithoutLineLane(MastodonSource):
    """Mastodon, every line read by ``read`` and mapped by ``map_into`` (no ``map_line_into``)."""

    def map_line_into(self, line: bytes, number: int, batch: Batch) -> bool:
        return False


def _chunk_outcome(source: Source, data: bytes) -> tuple[Any, ...]:
    result = map_chunk(source, data, "lines.jsonl", "key")
    tables = result.tables
    return (
        result.read,
        result.lines,
        result.first_problem,
        tables.last_record,
        tables.has_deleted,
        tables.duplicates_in_batch,
        *(
            None if t is None else t.to_pylist()
            for t in (tables.posts, tables.accounts, tables.edges, tables.quarantine)
        ),
    )


def assert_chunk_maps_the_same(data: bytes) -> None:
    assert _chunk_outcome(MastodonSource(), data) == _chunk_outcome(_WithoutLineLane(), data), data[:300]


@pytest.mark.slow
def test_chunks_map_the_same_with_and_without_the_line_lane(
    real_statuses: list[dict[str, Any]], simulated_lines: list[bytes]
) -> None:
    """Mixed chunks: typed lines, real statuses, lines the lane declines, bad and blank lines, a
    reblogged original repeated (first copy kept) and an author seen twice (later sighting kept)."""
    real = [orjson.dumps(status) for status in real_statuses[::5][:60]]
    odd = [
        b"",
        b"   ",
        b"{oops",
        b"[1, 2]",
        b'{"id": "5"}',
        b"\xef\xbb\xbf" + simulated_lines[0],
        b"\xff\xfe",
        _out_of_range_date(simulated_lines[1]),  # the lane raises: the general way quarantines it
    ]

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(
        picks=st.lists(
            st.one_of(st.sampled_from(simulated_lines[:300]), st.sampled_from(real), st.sampled_from(odd)),
            max_size=40,
        ),
        trailing_newline=st.booleans(),
    )
    def check(picks: list[bytes], trailing_newline: bool) -> None:
        assert_chunk_maps_the_same(b"\n".join(picks) + (b"\n" if trailing_newline else b""))

    check()


def _out_of_range_date(line: bytes) -> bytes:
    """A status whose date, once in UTC, is before year 1: datetime raises OverflowError."""
    status = orjson.loads(line)
    (status.get("reblog") or status)["created_at"] = "0001-01-01T00:00:00+01:00"
    return orjson.dumps(status)


def test_a_line_the_lane_fails_on_is_quarantined_as_the_general_way_does(
    simulated_lines: list[bytes],
) -> None:
    data = b"\n".join([simulated_lines[2], _out_of_range_date(simulated_lines[3]), simulated_lines[4]])
    assert_chunk_maps_the_same(data)
    result = map_chunk(MastodonSource(), data, "lines.jsonl", "key")
    assert (result.read, result.first_problem) == (3, (2, "OverflowError: date value out of range"))


def test_a_simulated_file_maps_the_same_with_and_without_the_line_lane(world: Path) -> None:
    for path in sorted((world / "mastodon").glob("*.jsonl")):
        data = path.read_bytes()
        assert_chunk_maps_the_same(data)
        lines = data.splitlines(keepends=True)
        assert_chunk_maps_the_same(b"\n\n" + b"".join(lines[5:200]))  # blank lines first
        assert_chunk_maps_the_same(b"{broken\n" + b"".join(lines[5:200]))  # a bad line first
