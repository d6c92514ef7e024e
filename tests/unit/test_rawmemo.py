"""RawMemo maps each distinct copy of an object's bytes once, with or without its C lookup."""

from __future__ import annotations

import msgspec
import pytest

from grapevine.sources import _typed
from grapevine.sources._typed import Decline, RawMemo

c_lookup = _typed._c_lookup
needs_c = pytest.mark.skipif(
    c_lookup is None,
    reason="the C fast path was not built (no C compiler when grapevine was installed); RawMemo "
    "looks up in Python alone",
)


class _Thing(msgspec.Struct):
    id: str
    n: int = 0


def raws(line: bytes) -> list[msgspec.Raw]:
    return msgspec.json.decode(line, type=list[msgspec.Raw])


def memo_calls(monkeypatch: pytest.MonkeyPatch, use_c: bool) -> tuple[list[object], list[str]]:
    if not use_c:
        monkeypatch.setattr(_typed, "_c_lookup", None)
    mapped: list[str] = []

    def map_thing(thing: _Thing) -> str:
        mapped.append(thing.id)
        return f"{thing.id}:{thing.n}"

    memo = RawMemo(msgspec.json.Decoder(_Thing), map_thing, size=3)
    prefix = "x" * 70  # the same first 64 bytes, other bytes after them
    line = (
        f'[{{"id": "a"}}, {{"id": "a"}}, {{"id": "b", "n": 1}}, {{"id": "{prefix}", "n": 1}}, '
        f'{{"id": "{prefix}", "n": 2}}, {{"id": "{prefix}", "n": 1}}, {{"id": "c"}}, {{"id": "d"}}, '
        f'{{"id": "a"}}, {{"id": 5}}]'
    ).encode()
    results: list[object] = []
    for raw in raws(line):
        try:
            results.append(memo.get(raw))
        except Decline:
            results.append(Decline)
    return results, mapped


@needs_c
def test_the_c_lookup_gives_what_the_python_lookup_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as python_only:
        expected = memo_calls(python_only, use_c=False)
    assert memo_calls(monkeypatch, use_c=True) == expected
    results, mapped = expected
    assert results[:6] == ["a:0", "a:0", "b:1", f"{'x' * 70}:1", f"{'x' * 70}:2", f"{'x' * 70}:1"]
    assert results[-1] is Decline  # an id of the wrong type
    assert mapped.count("a") == 2  # remembered, then forgotten when the memo filled up


@needs_c
def test_the_c_lookup_checks_every_byte_and_its_arguments() -> None:
    assert c_lookup is not None
    short, other = raws(b'[{"id": "a"}, {"id": "b"}]')
    seen = {bytes(short): (short.copy(), "A")}
    assert c_lookup(seen, short, 64) == "A"
    assert c_lookup(seen, other, 64) is None
    same_start = {bytes(short)[:4]: (short.copy(), "A")}
    assert c_lookup(same_start, other, 4) is None  # same key, other bytes
    with pytest.raises(TypeError):
        c_lookup([], short, 64)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c_lookup({bytes(short): "not a pair"}, short, 64)
