"""The edge-list source on the real benchmark graphs and on hand-made damage."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from grapevine.models import Edge
from grapevine.sources.base import BadRecord, MappingError, RawRecord, Source, SourceError
from grapevine.sources.edgelist import EdgeListSource

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "edgelist"


def read_bytes(source: Source, data: bytes) -> list[RawRecord | BadRecord]:
    return list(source.read(io.BytesIO(data), "mem.txt"))


# file, edges, self-loops, skipped header lines, first record numbers, weighted
REAL_GRAPHS = [
    ("wiki-Vote.txt", 103_689, 0, [1, 2], [3, 4], False),
    ("nethept.txt", 58_891, 39, [1], [2, 3], False),
    ("netphy.txt", 231_507, 0, [1], [2, 3], False),
    ("email-Enron.txt", 367_662, 0, [1, 2], [3, 4], False),
    ("facebook_combined.txt", 88_234, 0, [], [1, 2, 3], False),  # "0 1": m = 1 is no header here
    ("blogcatalog3_edges.txt", 333_983, 0, [], [1, 2], False),
    ("congress_twitter.edgelist", 13_289, 0, [], [1, 2], True),
]


@pytest.mark.parametrize(("file", "count", "loops", "headers", "first", "weighted"), REAL_GRAPHS)
def test_real_graphs(data_dir: Path, caplog, file, count, loops, headers, first, weighted):
    source = EdgeListSource()
    path = data_dir / "graphs" / file
    with open(path, "rb") as stream:
        assert source.detect(stream.read(64 * 1024), file) == 0.9
        stream.seek(0)
        with caplog.at_level(logging.INFO, logger="grapevine.sources.edgelist"):
            records = list(source.read(stream, file))
    assert not [r for r in records if isinstance(r, BadRecord)]
    assert len(records) == count
    assert len({r.number for r in records}) == count
    assert [r.number for r in records[: len(first)]] == first
    skipped = [r.args[1] for r in caplog.records if "skipped header line" in r.getMessage()]
    assert skipped == headers
    assert not set(headers) & {r.number for r in records}
    for record in records[:1000]:  # map builds the Edge; the archive's line parses back
        assert isinstance(record, RawRecord)
        (edge,) = source.map(record).edges
        assert (edge.src, edge.dst, edge.weight) == record.payload
        assert (edge.platform, edge.kind) == ("graph", "follow")
        assert source.load_raw(record.raw, record.context) == record.payload
    payloads = [r.payload for r in records if isinstance(r, RawRecord)]
    assert sum(src == dst for src, dst, _ in payloads) == loops
    if weighted:
        weights = [w for _, _, w in payloads]
        assert all(w is not None for w in weights)
        assert round(min(weights), 5) == 0.00053 and round(max(weights), 4) == 0.1306
    else:
        assert all(w is None for _, _, w in payloads)


def test_real_edges_keep_their_ids(data_dir: Path):
    source = EdgeListSource()
    with open(data_dir / "graphs" / "wiki-Vote.txt", "rb") as stream:
        first = next(iter(source.read(stream, "wiki-Vote.txt")))
    assert isinstance(first, RawRecord)
    assert first.raw == b"30\t1412"
    assert source.map(first).edges == [Edge("graph", "30", "1412", "follow", None)]
    with open(data_dir / "graphs" / "congress_twitter.edgelist", "rb") as stream:
        first = next(iter(source.read(stream, "congress.edgelist")))
    assert isinstance(first, RawRecord)
    assert source.map(first).edges == [Edge("graph", "0", "4", "follow", 0.002105263157894737)]


def test_damaged_edge_list():
    source = EdgeListSource()
    data = (FIXTURES / "damaged.edges").read_bytes()
    records = read_bytes(source, data)
    good = [(r.number, r.payload) for r in records if isinstance(r, RawRecord)]
    bad = {r.number: r.reason for r in records if isinstance(r, BadRecord)}
    assert good == [
        (4, ("a", "b", 0.5)),
        (5, ("b", "c", 1.0)),
        (6, ("c", "d", None)),
        (12, ("g", "g", 2.5)),
        (14, ("i", "j", 0.001)),
    ]
    assert bad == {
        8: "line 8: one token; an edge needs a source and a target",
        9: "line 9: weight 'heavy' is not a finite number",
        10: "line 10: 4 tokens; expected 'source target [weight]'",
        11: "line 11: NUL byte in edge line",
        13: "line 13: weight 'nan' is not a finite number",
    }
    assert source.detect(data, "damaged.edges") == 0.0


class Unseekable(io.BytesIO):
    """A pipe or zstd stream: it cannot rewind."""

    def seekable(self) -> bool:
        return False


def test_n_m_header_needs_m_to_match_the_lines_that_follow():
    source = EdgeListSource()
    assert [r.number for r in read_bytes(source, b"3 2\n1 2\n2 3\n")] == [2, 3]
    assert [r.number for r in read_bytes(source, b"3 2\n\n# c\n1 2\n2 3\n")] == [4, 5]
    # m = 5 but only 2 lines follow: line 1 is an edge
    assert [r.number for r in read_bytes(source, b"3 5\n1 2\n2 3\n")] == [1, 2, 3]
    # a stream that cannot rewind holds line 1 back until the count is known
    for data, numbers in (
        (b"3 5\n1 2\n2 3\n", [2, 3, 1]),
        (b"0 1\n1 2\n2 3\n3 4\n", [2, 1, 3, 4]),
        (b"3 2\n1 2\n2 3\n", [2, 3]),
    ):
        assert [r.number for r in source.read(Unseekable(data), "pipe")] == numbers
    # within 1%: 100 lines announced, 99 present
    lines = b"".join(b"%d %d\n" % (i, i + 1) for i in range(99))
    assert len(read_bytes(source, b"100 100\n" + lines)) == 99
    assert len(read_bytes(source, b"100 102\n" + lines)) == 100
    # only the first line can be an "n m" header, and single numbers only above the first edge
    records = read_bytes(source, b"# c\n7\n1 2\n2 3\n9\n")
    assert [(r.number, type(r).__name__) for r in records] == [
        (3, "RawRecord"),
        (4, "RawRecord"),
        (5, "BadRecord"),
    ]


def test_header_option():
    yes = EdgeListSource().with_options(header="yes")
    assert [r.number for r in read_bytes(yes, b"1 2\n2 3\n3 4\n")] == [2, 3]
    assert [r.number for r in read_bytes(yes, b"7115\n103689\n1 2\n")] == [3]
    no = EdgeListSource().with_options(header="no")
    records = read_bytes(no, b"3 2\n1 2\n2 3\n")
    assert [r.number for r in records] == [1, 2, 3]
    assert all(isinstance(r, RawRecord) for r in records)
    assert isinstance(read_bytes(no, b"7\n1 2\n")[0], BadRecord)
    auto = EdgeListSource()
    assert [r.number for r in read_bytes(auto, b"source,target,weight\n1,2,0.5\n")] == [2]
    assert [r.number for r in read_bytes(auto, b"alice bob\nbob carol\n")] == [1, 2]
    with pytest.raises(SourceError, match="header"):
        EdgeListSource().with_options(header="maybe")


def test_kind_platform_and_influence_options():
    base = EdgeListSource()
    record = read_bytes(base, b"u v 0.3\n")[0]
    assert isinstance(record, RawRecord)
    assert base.map(record).edges == [Edge("graph", "u", "v", "follow", 0.3)]
    configured = base.with_options(platform="twitter", kind="mention")
    assert configured.map(record).edges == [Edge("twitter", "u", "v", "mention", 0.3)]
    influence = base.with_options(influence="true")
    assert influence.map(record).edges[0].kind == "influence"
    assert base.map(record).edges[0].kind == "follow"  # options configure a copy
    with pytest.raises(SourceError, match="influence"):
        base.with_options(influence="true", kind="follow")
    with pytest.raises(SourceError, match="influence"):
        base.with_options(influence="perhaps")
    with pytest.raises(SourceError, match="no option"):
        base.with_options(directed="yes")


def test_map_rejects_bad_payloads():
    source = EdgeListSource()
    for payload in ("1 2", ("1", "2"), ("1", 2, None), ("", "2", None), ("1", "2", "heavy")):
        with pytest.raises(MappingError):
            source.map(RawRecord(1, payload, b""))


def test_detect():
    source = EdgeListSource()
    assert source.detect(b"# comment\n0 1\n1 2\n2 0\n", "g.txt") == 0.9
    assert source.detect(b"from,to,weight\n1,2,0.5\n2,3,1\n", "g.csv") == 0.9
    assert source.detect(b"alice bob\nbob carol\n", "g.txt") == 0.15
    assert source.detect(b"alice bob\nbob carol\n", "g.edgelist") == 0.6
    for sample in (
        b"0 1\n",  # too little to tell
        b'{"a": 1}\n{"a": 2}\n',
        b"tweet_id,author_id,inbound,created_at,text\n1,a,True,x,hello there\n",
        b"1 2 3 4\n5 6 7 8\n",
        b"a b c\nd e f\n",
        b"",
    ):
        assert source.detect(sample, "x.txt") == 0.0


def test_directive_sets_platform_and_kind_unless_an_option_overrides(tmp_path: Path) -> None:
    import io

    from grapevine.sources.edgelist import EdgeListSource

    text = b"# grapevine: platform=twitter kind=follow\n# follower followed\n1 2\n2 3\n"
    source = EdgeListSource()
    records = [r for r in source.read(io.BytesIO(text), "f.tsv") if isinstance(r, RawRecord)]
    edges = [source.map(r).edges[0] for r in records]
    assert [(e.platform, e.kind, e.src, e.dst) for e in edges] == [
        ("twitter", "follow", "1", "2"),
        ("twitter", "follow", "2", "3"),
    ]
    forced = source.with_options(platform="mastodon")
    edge = forced.map(
        next(r for r in forced.read(io.BytesIO(text), "f.tsv") if isinstance(r, RawRecord))
    ).edges[0]
    assert edge.platform == "mastodon"
    # re-mapping from the archive: the directive comes back through the context
    reloaded = RawRecord(
        3, source.load_raw(records[0].raw, records[0].context), records[0].raw, records[0].context
    )
    assert source.map(reloaded).edges[0].platform == "twitter"
