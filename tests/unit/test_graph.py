"""Graph kernels against networkx, on hand-made graphs and on the real wiki-Vote and NetHEPT."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import grapevine
from grapevine.errors import GrapevineError
from grapevine.graph import (
    ConvergenceError,
    build_graph,
    core_number,
    degree,
    graph_from_store,
    hits,
    in_degree,
    out_degree,
    pagerank,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "graph"


def read_edges(path: Path, header_lines: int) -> np.ndarray:
    """The integer edge list of a SNAP-style file, skipping its ``n``/``m`` header lines."""
    return pd.read_csv(path, sep=r"\s+", skiprows=header_lines, header=None).to_numpy()


def as_array(values: dict, labels) -> np.ndarray:
    return np.array([values[label] for label in labels])


@pytest.fixture(scope="module")
def wiki_vote(data_dir: Path) -> np.ndarray:
    return read_edges(data_dir / "graphs" / "wiki-Vote.txt", header_lines=2)


# -- building -------------------------------------------------------------------------------


def test_string_ids_are_coded_in_order_of_first_appearance():
    g = build_graph(["b", "a", "b"], ["a", "c", "c"])
    assert list(g.labels) == ["b", "a", "c"]
    assert (g.n_nodes, g.n_edges) == (3, 3)
    src, dst, weights = g.edges()
    assert sorted(zip(g.labels[src], g.labels[dst], strict=True)) == [("a", "c"), ("b", "a"), ("b", "c")]
    assert weights is None


def test_integer_ids_dense_and_sparse_give_sorted_labels():
    dense = build_graph(np.array([7, 5, 9]), np.array([5, 9, 7]))
    assert list(dense.labels) == [5, 7, 9]
    twitter_ids = np.array([1_500_000_000_000_000_000, 12, 99], dtype=np.int64)
    sparse = build_graph(twitter_ids, np.roll(twitter_ids, 1))
    assert list(sparse.labels) == [12, 99, 1_500_000_000_000_000_000]
    assert sparse.index_of(12).tolist() == [0]


def test_arrow_and_pandas_inputs_match_numpy():
    src, dst = ["x", "y", "z", "x"], ["y", "z", "x", "z"]
    expected = build_graph(np.array(src), np.array(dst))
    for a, b in [
        (pa.array(src), pa.array(dst)),
        (pa.chunked_array([src[:2], src[2:]]), pa.chunked_array([dst[:1], dst[1:]])),
        (pd.Series(src), pd.Series(dst)),
        (pa.array(src).dictionary_encode(), pa.array(dst)),
    ]:
        g = build_graph(a, b)
        assert list(g.labels) == list(expected.labels)
        assert g.indptr.tolist() == expected.indptr.tolist()
        assert g.indices.tolist() == expected.indices.tolist()


def test_null_ids_are_refused():
    with pytest.raises(GrapevineError, match="null"):
        build_graph(pa.array(["a", None]), pa.array(["b", "c"]))
    with pytest.raises(GrapevineError, match="null"):
        build_graph(np.array(["a", None], dtype=object), np.array(["b", "c"], dtype=object))


def test_undirected_self_loops_and_duplicates():
    src, dst = [0, 0, 0, 1, 2], [1, 1, 0, 2, 2]
    g = build_graph(src, dst, directed=False)
    assert g.n_edges == 2 * 3 + 2  # three proper edges both ways, two self-loops once
    assert degree(g).tolist() == [3, 3, 2]
    no_loops = build_graph(src, dst, self_loops=False)
    assert no_loops.n_nodes == 3 and no_loops.n_edges == 3  # node 2 stays without its loop
    summed = build_graph(src, dst, [1.0, 2.0, 5.0, 1.0, 1.0], duplicates="sum")
    assert summed.n_edges == 4
    assert summed.weights is not None and summed.weights[summed.indptr[0] + 1] == 3.0  # 0 -> 1
    first = build_graph(src, dst, [1.0, 2.0, 5.0, 1.0, 1.0], duplicates="first")
    last = build_graph(src, dst, [1.0, 2.0, 5.0, 1.0, 1.0], duplicates="last")
    assert first.weights is not None and last.weights is not None
    assert (first.weights[1], last.weights[1]) == (1.0, 2.0)
    counted = build_graph(src, dst, duplicates="sum")
    assert counted.weights is not None and counted.weights.tolist() == [1.0, 2.0, 1.0, 1.0]


def test_weights_missing_count_one_and_bad_ones_are_refused():
    g = build_graph([0, 1], [1, 0], [np.nan, 0.5])
    assert g.weights is not None and g.weights.tolist() == [1.0, 0.5]
    g = build_graph([0, 1], [1, 0], pa.array([None, 0.5]))
    assert g.weights is not None and g.weights.tolist() == [1.0, 0.5]
    with pytest.raises(GrapevineError, match="not negative"):
        build_graph([0, 1], [1, 0], [-1.0, 0.5])
    with pytest.raises(GrapevineError, match="weights for"):
        build_graph([0, 1], [1, 0], [1.0])
    with pytest.raises(GrapevineError, match="targets"):
        build_graph([0, 1], [1])
    with pytest.raises(GrapevineError, match="duplicates"):
        build_graph([0], [1], duplicates="max")  # type: ignore[arg-type]


def test_given_labels_keep_isolated_nodes():
    g = build_graph([0, 1], [1, 0], labels=["a", "b", "lonely"])
    assert g.n_nodes == 3
    G = nx.DiGraph([("a", "b"), ("b", "a")])
    G.add_node("lonely")
    assert pagerank(g, tol=1e-12) == pytest.approx(as_array(nx.pagerank(G, tol=1e-12), g.labels), abs=1e-12)
    with pytest.raises(GrapevineError, match="integer codes"):
        build_graph([0, 3], [1, 0], labels=["a", "b", "c"])
    with pytest.raises(GrapevineError, match="unique"):
        build_graph([0, 1], [1, 0], labels=["a", "a"])


def test_reverse_index_of_series_and_scipy():
    g = build_graph(["a", "a", "b"], ["b", "c", "c"], [1.0, 2.0, 3.0])
    r = g.reverse(kind="follow")
    assert r.kind == "follow" and g.kind == "influence"
    src, dst, weights = r.edges()
    assert sorted(zip(r.labels[src], r.labels[dst], weights.tolist(), strict=True)) == [
        ("b", "a", 1.0),
        ("c", "a", 2.0),
        ("c", "b", 3.0),
    ]
    assert r.reverse().indices.tolist() == g.indices.tolist()
    assert g.index_of(["c", "a"]).tolist() == [2, 0]
    assert g.index_of(pa.array(["b"])).tolist() == [1]
    with pytest.raises(KeyError, match="zed"):
        g.index_of("zed")
    assert g.series(np.arange(3.0), "x").to_dict() == {"a": 0.0, "b": 1.0, "c": 2.0}
    assert g.to_scipy().toarray().tolist() == [[0, 1, 2], [0, 0, 3], [0, 0, 0]]
    assert "3 nodes, 3 edges" in repr(g)


def test_empty_graph():
    g = build_graph(np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    assert g.n_nodes == 0
    assert pagerank(g).size == 0
    assert hits(g)[0].size == 0


# -- centrality against networkx ----------------------------------------------------------------


def random_edges(seed: int, n: int = 40, m: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, m), rng.integers(0, n, m), rng.random(m) + 0.1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pagerank_matches_networkx_with_dangling_weights_and_personalization(seed):
    src, dst, w = random_edges(seed)
    keep = src % 7 != 0  # nodes 0, 7, 14 ... have no out-edges: dangling
    src, dst, w = src[keep], dst[keep], w[keep]
    g = build_graph(src, dst, w, duplicates="last")
    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), w.tolist(), strict=True))
    kw = {"tol": 1e-12, "max_iter": 1000}
    assert np.abs(pagerank(g, tol=1e-12) - as_array(nx.pagerank(G, **kw), g.labels)).sum() < 1e-9
    plain = nx.pagerank(G, weight=None, **kw)
    assert np.abs(pagerank(g, tol=1e-12, weight=False) - as_array(plain, g.labels)).sum() < 1e-9
    personal = {int(g.labels[0]): 2.0, int(g.labels[3]): 1.0}
    dangling = {int(g.labels[1]): 1.0}
    expected = nx.pagerank(G, personalization=personal, dangling=dangling, alpha=0.7, **kw)
    got = pagerank(g, 0.7, 1e-12, personalization=personal, dangling=dangling)
    assert np.abs(got - as_array(expected, g.labels)).sum() < 1e-9


def test_pagerank_parallel_edges_match_a_multidigraph():
    src, dst, _ = random_edges(5, n=10, m=60)  # many repeated pairs
    g = build_graph(src, dst)
    G = nx.MultiDiGraph(list(zip(src.tolist(), dst.tolist(), strict=True)))
    expected = nx.pagerank(G, tol=1e-12, max_iter=1000)
    assert np.abs(pagerank(g, tol=1e-12) - as_array(expected, g.labels)).sum() < 1e-9
    # deduplicated, it is the DiGraph's PageRank instead
    expected = nx.pagerank(nx.DiGraph(G), tol=1e-12, max_iter=1000)
    deduped = build_graph(src, dst, duplicates="first")
    assert np.abs(pagerank(deduped, tol=1e-12) - as_array(expected, deduped.labels)).sum() < 1e-9


def test_pagerank_undirected_with_a_self_loop_matches_networkx():
    src, dst, w = random_edges(9, n=15, m=30)
    src[0] = dst[0]  # one self-loop
    g = build_graph(src, dst, w, directed=False, duplicates="last")
    G = nx.Graph()
    G.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), w.tolist(), strict=True))
    expected = nx.pagerank(G, tol=1e-12, max_iter=1000)
    assert np.abs(pagerank(g, tol=1e-12) - as_array(expected, g.labels)).sum() < 1e-9


def test_pagerank_arguments_are_checked():
    g = build_graph([0, 1, 2], [1, 2, 0])
    with pytest.raises(ConvergenceError, match="did not converge"):
        pagerank(g, tol=0.0, max_iter=3)
    with pytest.raises(GrapevineError, match="damping"):
        pagerank(g, damping=1.5)
    with pytest.raises(GrapevineError, match="positive sum"):
        pagerank(g, personalization={0: 0.0})
    with pytest.raises(GrapevineError, match="one value per node"):
        pagerank(g, nstart=np.ones(2))
    with pytest.raises(KeyError):
        pagerank(g, personalization={99: 1.0})
    assert pagerank(g, nstart=np.array([1.0, 0.0, 0.0])) == pytest.approx([1 / 3] * 3)


@pytest.fixture(scope="module")
def wiki_vote_networkx_pagerank(wiki_vote) -> dict:
    G = nx.DiGraph(wiki_vote.tolist())
    assert G.number_of_edges() == len(wiki_vote)  # no parallel edges: the DiGraph is the same graph
    return nx.pagerank(G, alpha=0.85, tol=1e-10, max_iter=1000)


def test_pagerank_equals_networkx_on_wiki_vote(wiki_vote, wiki_vote_networkx_pagerank):
    g = build_graph(wiki_vote[:, 0], wiki_vote[:, 1])
    assert (g.n_nodes, g.n_edges) == (7115, 103_689)
    expected = as_array(wiki_vote_networkx_pagerank, g.labels)
    scores = pagerank(g, damping=0.85, tol=1e-10)
    assert np.abs(scores - expected).sum() < 1e-6
    assert scores.sum() == pytest.approx(1.0)
    assert g.labels[np.argsort(-scores)[:10]].tolist() == g.labels[np.argsort(-expected)[:10]].tolist()


def test_pagerank_of_wiki_vote_ingested_through_the_edgelist_source(
    data_dir: Path, tmp_path: Path, wiki_vote_networkx_pagerank
):
    with grapevine.open_workspace(tmp_path / "ws") as ws:
        ws.ingest([data_dir / "graphs" / "wiki-Vote.txt"], enrich=False)  # the two header lines skipped
        g = graph_from_store(ws, "follow")
    assert (g.n_nodes, g.n_edges) == (7115, 103_689)
    ids = [int(node_id) for _, node_id in g.labels]
    assert np.abs(pagerank(g) - as_array(wiki_vote_networkx_pagerank, ids)).sum() < 1e-6


def test_hits_degrees_and_cores_equal_networkx_on_wiki_vote(wiki_vote):
    g = build_graph(wiki_vote[:, 0], wiki_vote[:, 1])
    G = nx.DiGraph(wiki_vote.tolist())
    hubs, authorities = hits(g)
    expected_hubs, expected_authorities = nx.hits(G, max_iter=1000, tol=1e-12)
    assert np.abs(hubs - as_array(expected_hubs, g.labels)).sum() < 1e-6
    assert np.abs(authorities - as_array(expected_authorities, g.labels)).sum() < 1e-6
    assert in_degree(g).tolist() == [G.in_degree(v) for v in g.labels]
    assert out_degree(g).tolist() == [G.out_degree(v) for v in g.labels]
    assert degree(g).tolist() == [G.degree(v) for v in g.labels]
    cores = core_number(g)
    assert cores.tolist() == as_array(nx.core_number(G), g.labels).tolist()
    assert cores.max() == 56


def test_weighted_degrees_and_hits_on_a_small_graph():
    src, dst, w = [0, 0, 1, 2], [1, 2, 2, 0], [2.0, 1.0, 4.0, 0.5]
    g = build_graph(src, dst, w)
    assert out_degree(g, weight=True).tolist() == [3.0, 4.0, 0.5]
    assert in_degree(g, weight=True).tolist() == [0.5, 2.0, 5.0]
    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(src, dst, w, strict=True))
    hubs, authorities = hits(g, tol=1e-14)
    expected_hubs, expected_authorities = nx.hits(G, tol=1e-14)
    assert hubs == pytest.approx(as_array(expected_hubs, g.labels), abs=1e-9)
    assert authorities == pytest.approx(as_array(expected_authorities, g.labels), abs=1e-9)


def test_core_number_undirected_nethept_equals_networkx(data_dir: Path):
    edges = read_edges(data_dir / "graphs" / "nethept.txt", header_lines=1)
    assert len(edges) == 58_891  # the "15233 58891" header line is not an edge
    g = build_graph(edges[:, 0], edges[:, 1], directed=False, self_loops=False, duplicates="first")
    G = nx.Graph(edges.tolist())
    G.remove_edges_from(list(nx.selfloop_edges(G)))
    assert g.n_edges == 2 * G.number_of_edges()
    assert core_number(g).tolist() == as_array(nx.core_number(G), g.labels).tolist()
    assert degree(g).tolist() == [G.degree(v) for v in g.labels]


# -- graphs from the store --------------------------------------------------------------------


@pytest.fixture(scope="module")
def social(tmp_path_factory):
    """A workspace with nine hand-written Mastodon statuses and four follow edges."""
    ws = grapevine.open_workspace(tmp_path_factory.mktemp("graph") / "ws")
    ws.ingest([FIXTURES / "statuses.jsonl", FIXTURES / "follows.edgelist"], enrich=False)
    yield ws
    ws.close()


def edge_set(g) -> set[tuple[str, str, float | None]]:
    src, dst, weights = g.edges()
    ids = g.labels.get_level_values("id")
    ws = [None] * len(src) if weights is None else weights.tolist()
    return set(zip(ids[src], ids[dst], ws, strict=True))


def test_follow_graph_from_the_edges_table(social):
    g = graph_from_store(social, "follow")
    assert g.kind == "follow" and g.weights is None
    assert g.labels.names == ["platform", "id"]
    assert set(g.labels.get_level_values("platform")) == {"mastodon"}
    assert edge_set(g) == {
        ("1002", "1001", None),
        ("1003", "1001", None),
        ("1001", "1002", None),
        ("1004", "1003", None),
    }
    assert graph_from_store(social, "follow", since="2030-01-01").n_edges == 4  # undated edges stay
    assert graph_from_store(social, "follow", platform="bluesky").n_nodes == 0


def test_reply_mention_repost_quote_and_interaction_graphs(social):
    assert edge_set(graph_from_store(social.store, "reply")) == {("1002", "1001", 1.0), ("1004", "1002", 1.0)}
    # handles resolve to ids case-insensitively; an unknown handle stays a node; the mention of
    # the account replied to is not counted twice; bob mentioned carol in two posts
    assert edge_set(graph_from_store(social.store.con, "mention")) == {
        ("1001", "1002", 1.0),
        ("1002", "1003", 2.0),
        ("1003", "1004", 1.0),
        ("1003", "zoe@nowhere.example", 1.0),
    }
    assert edge_set(graph_from_store(social, "repost")) == {("1003", "1001", 1.0)}
    assert edge_set(graph_from_store(social, "quote")) == {("1004", "1002", 1.0)}
    everything = graph_from_store(social, "interaction")
    assert edge_set(everything) == {
        ("1002", "1001", 1.0),
        ("1004", "1002", 2.0),  # a reply and a quote
        ("1001", "1002", 1.0),
        ("1002", "1003", 2.0),
        ("1003", "1004", 1.0),
        ("1003", "zoe@nowhere.example", 1.0),
        ("1003", "1001", 1.0),
    }
    weighted = graph_from_store(social, "interaction", weights={"reply": 3, "mention": 0})
    assert edge_set(weighted) == {("1002", "1001", 3.0), ("1004", "1002", 4.0), ("1003", "1001", 1.0)}
    # alice's self-reply (5006) is left out everywhere
    assert all(s != d for s, d, _ in edge_set(everything))


def test_store_graphs_by_time_window(social):
    late = graph_from_store(social, "interaction", since="2025-03-05")
    assert edge_set(late) == {
        ("1003", "1004", 1.0),
        ("1003", "zoe@nowhere.example", 1.0),
        ("1002", "1003", 2.0),
        ("1004", "1002", 1.0),
    }
    early = graph_from_store(social, "reply", until="2025-03-05", platform="mastodon")
    assert edge_set(early) == {("1002", "1001", 1.0)}


def test_store_graph_errors(social):
    with pytest.raises(GrapevineError, match="unknown graph kind 'likes'"):
        graph_from_store(social, "likes")
    with pytest.raises(GrapevineError, match="unknown interaction kinds"):
        graph_from_store(social, "interaction", weights={"like": 1})
    with pytest.raises(GrapevineError, match="every interaction weight is 0"):
        graph_from_store(
            social, "interaction", weights=dict.fromkeys(("reply", "mention", "repost", "quote"), 0)
        )
    with pytest.raises(GrapevineError, match="expected a Workspace"):
        graph_from_store(object(), "follow")
    # weights travel as SQL parameters: anything but a number 0 or more is refused by name
    for bad in (float("nan"), float("inf"), -1.0, "3; DROP TABLE posts"):
        with pytest.raises(GrapevineError, match="interaction weight reply="):
            graph_from_store(social, "interaction", weights={"reply": bad})
    fractional = graph_from_store(social, "interaction", weights={"reply": 0.25, "mention": 0, "quote": 0})
    assert edge_set(fractional) == {("1002", "1001", 0.25), ("1004", "1002", 0.25), ("1003", "1001", 1.0)}


def test_pagerank_on_a_store_graph_is_labelled_by_platform_and_id(social):
    g = graph_from_store(social, "interaction")
    scores = g.series(pagerank(g))
    assert scores.sum() == pytest.approx(1.0)
    assert scores.idxmax() == ("mastodon", "1002")  # bob: replied to, mentioned and quoted
