"""The rank, reach, communities and graph export commands, end to end on real graphs."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from grapevine.cli import cli


def run(workspace: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--workspace", str(workspace), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def wiki(data_dir: Path, tmp_path_factory) -> tuple[Path, nx.DiGraph]:
    ws = tmp_path_factory.mktemp("wiki") / "ws"
    source = data_dir / "graphs" / "wiki-Vote.txt"
    run(ws, "ingest", str(source), "--source", "edgelist")
    edges = pd.read_csv(source, sep=r"\s+", skiprows=2, header=None)
    return ws, nx.DiGraph(list(zip(edges[0], edges[1], strict=True)))


def test_rank_pagerank_on_an_ingested_edge_list_equals_networkx(wiki):
    ws, G = wiki
    rows = json.loads(run(ws, "rank", "--method", "pagerank", "--format", "json"))
    assert len(rows) == G.number_of_nodes()
    expected = nx.pagerank(G, alpha=0.85, tol=1e-12, max_iter=1000)
    assert sum(abs(row["score"] - expected[int(row["id"])]) for row in rows) < 1e-6
    assert [row["score"] for row in rows] == sorted((row["score"] for row in rows), reverse=True)


def test_rank_degrees_and_kcore_equal_networkx(wiki):
    ws, G = wiki
    indegree = {int(r["id"]): r["score"] for r in json.loads(run(ws, "rank", "--method", "indegree"))}
    assert indegree == {v: float(d) for v, d in G.in_degree()}
    kcore = {
        int(r["id"]): r["score"] for r in json.loads(run(ws, "rank", "--method", "kcore", "--format", "json"))
    }
    G.remove_edges_from(nx.selfloop_edges(G))
    assert kcore == nx.core_number(G)
    top = json.loads(run(ws, "rank", "--method", "authorities", "--top", "3"))
    authorities = nx.hits(G, max_iter=1000, tol=1e-12)[1]
    assert [int(r["id"]) for r in top] == sorted(authorities, key=authorities.get, reverse=True)[:3]


def test_reach_reads_follow_edges_against_their_direction(wiki, tmp_path):
    ws, G = wiki
    hub = max(G.in_degree, key=lambda pair: pair[1])[0]  # most voted-for: voters "follow" it
    result = json.loads(
        run(ws, "reach", str(hub), "--model", "ic", "--p", "0.1", "--seed", "3", "--samples", "20000")
    )
    assert set(result) == {"expected_spread", "low", "high"}
    assert result["low"] <= result["expected_spread"] <= result["high"]
    assert result["expected_spread"] > 1 + 0.1 * G.in_degree(hub) * 0.9  # reaches its voters
    # the same lines declared an influence graph flow the other way: the hub reaches few
    edges = tmp_path / "influence.edgelist"
    edges.write_text("# grapevine: kind=influence\n" + "\n".join(f"{u} {v}" for u, v in G.edges()) + "\n")
    run(tmp_path / "ws", "ingest", str(edges), "--source", "edgelist")
    forward = json.loads(
        run(
            tmp_path / "ws",
            "reach",
            str(hub),
            "--model",
            "ic",
            "--p",
            "0.1",
            "--seed",
            "3",
            "--samples",
            "20000",
        )
    )
    assert forward["expected_spread"] < result["expected_spread"] / 2


def test_communities_and_export_commands(wiki, tmp_path):
    ws, G = wiki
    result = CliRunner().invoke(cli, ["--workspace", str(ws), "communities", "--format", "csv"])
    assert result.exit_code == 0
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert len(table) == G.number_of_nodes() and table["community"].min() == 0
    assert "modularity" in result.stderr
    out = tmp_path / "wiki.graphml"
    run(ws, "graph", "export", "--graph", "follow", "--format", "graphml", "--out", str(out))
    read = nx.read_graphml(out)
    assert read.number_of_edges() == G.number_of_edges()
    assert read.has_edge(f"graph:{next(iter(G.edges()))[0]}", f"graph:{next(iter(G.edges()))[1]}")
