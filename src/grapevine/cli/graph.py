"""Graph commands: rank accounts, estimate reach, find communities, export graphs for Gephi."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from grapevine.cli._app import AppContext, cli, pass_app
from grapevine.cli._output import echo_json, echo_rows, format_option
from grapevine.graph import (
    EXPORT_FORMATS,
    GRAPH_KINDS,
    RANK_METHODS,
    Graph,
    brand_voices,
    export_store_graph,
    find_communities,
    load_graph,
    node_handles,
    rank_nodes,
    resolve_nodes,
)
from grapevine.reach import expected_spread


def _graph_options(function: Any) -> Any:
    """The options that pick a store graph, shared by every command here."""
    options = [
        click.option(
            "--graph",
            "kind",
            type=click.Choice(list(GRAPH_KINDS)),
            default="auto",
            show_default=True,
            help="Which relation: follow, a stored influence graph, reply, mention, repost, quote, or "
            "all interactions; auto takes follow, else influence, else interaction.",
        ),
        click.option("--platform", help="Only this platform's accounts."),
        click.option("--since", help="Only posts (and dated edges) on or after this date (ISO)."),
        click.option("--until", help="Only posts (and dated edges) before this date (ISO)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _node_rows(app: AppContext, graph: Graph, column: str, values: Any) -> list[dict[str, Any]]:
    handles = node_handles(app.workspace(), graph)
    rows = []
    for label, handle, value in zip(graph.labels, handles, values.tolist(), strict=True):
        rows.append({"id": label[1], "platform": label[0], "handle": handle, column: value})
    return rows


@cli.command()
@_graph_options
@click.option(
    "--method",
    type=click.Choice(list(RANK_METHODS)),
    default="pagerank",
    show_default=True,
    help="PageRank (weighted), PageRank personalised to --brand, weighted in/out degree, HITS hubs "
    "or authorities, k-core number, or betweenness.",
)
@click.option("--brand", help="A tracked query: the personalised method teleports to its authors.")
@click.option("--samples", type=int, help="Betweenness: sampled source nodes (default: all, exact).")
@click.option("--seed", type=int, help="Seed for sampled methods.")
@click.option("--top", type=int, default=0, show_default=True, help="Only the N highest (0: every node).")
@format_option(default="json")
@pass_app
def rank(
    app: AppContext,
    kind: str,
    platform: str | None,
    since: str | None,
    until: str | None,
    method: str,
    brand: str | None,
    samples: int | None,
    seed: int | None,
    top: int,
    fmt: str,
) -> None:
    """Score every node of a graph by PageRank or another centrality, highest first.

    An edge list line "u v" ingested with --source edgelist is an edge u -> v (u follows v), so
    pagerank here equals networkx.pagerank on a DiGraph of the same edges (damping 0.85). A
    stored influence graph (kind=influence: u influences v) is turned around first. JSON rows
    are {"id", "platform", "handle", "score"}, one per node.

    \b
    Example:
        grapevine rank --graph reply --method pagerank --format json
    """
    ws = app.workspace()
    graph = load_graph(ws, kind, platform, since, until)
    teleport = brand_voices(ws, graph, brand) if brand is not None else None
    if method == "personalized" and brand is None:
        raise click.UsageError("--method personalized needs --brand")
    scores = rank_nodes(graph, method, teleport=teleport, samples=samples, seed=seed)
    rows = sorted(_node_rows(app, graph, "score", scores), key=lambda row: -row["score"])
    echo_rows(rows[:top] if top > 0 else rows, fmt)


@cli.command()
@click.argument("accounts", nargs=-1, required=True)
@_graph_options
@click.option(
    "--model",
    type=click.Choice(["wc", "ic"]),
    default="wc",
    show_default=True,
    help="Weighted cascade (p = 1 / in-degree) or independent cascade with --p.",
)
@click.option(
    "--p",
    "probability",
    type=float,
    help="With --model ic: the probability on every edge (default: edge weights).",
)
@click.option("--samples", type=int, help="RR sets to draw (default: until the interval is within 0.5%).")
@click.option("--seed", type=int, help="Random seed: the same seed gives the same answer.")
@format_option(default="json", choices=("json", "table"))
@pass_app
def reach(
    app: AppContext,
    accounts: tuple[str, ...],
    kind: str,
    platform: str | None,
    since: str | None,
    until: str | None,
    model: str,
    probability: float | None,
    samples: int | None,
    seed: int | None,
    fmt: str,
) -> None:
    """Estimate how many accounts a message started by ACCOUNTS reaches, with a 95% interval.

    ACCOUNTS are ids or handles. Independent Cascade estimated with reverse-reachable sets;
    influence flows against follow and interaction edges (v's posts reach u when u follows v)
    unless the graph was ingested as an influence graph (--option influence=true, or the
    directive "# grapevine: kind=influence"). Prints {"expected_spread", "low", "high"}.

    \b
    Example:
        grapevine reach alice bob --model wc --format json
    """
    ws = app.workspace()
    graph = load_graph(ws, kind, platform, since, until)
    seeds = resolve_nodes(ws, graph, list(accounts), platform)
    spread = expected_spread(graph, seeds, model=model, p=probability, samples=samples, seed=seed)
    result = {"expected_spread": spread.estimate, "low": spread.low, "high": spread.high}
    if fmt == "json":
        echo_json(result)
    else:
        echo_rows([result], fmt)


@cli.command()
@_graph_options
@click.option(
    "--resolution", type=float, default=1.0, show_default=True, help="Above 1: smaller communities."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the visiting order.")
@format_option()
@pass_app
def communities(
    app: AppContext,
    kind: str,
    platform: str | None,
    since: str | None,
    until: str | None,
    resolution: float,
    seed: int,
    fmt: str,
) -> None:
    """Split a graph into communities with the Leiden algorithm (modularity), one row per node.

    Rows are {"id", "platform", "handle", "community"}, community 0 the largest; the number of
    communities and the modularity go to stderr. Directed edges count both ways.

    \b
    Example:
        grapevine communities --graph interaction --format csv
    """
    graph = load_graph(app.workspace(), kind, platform, since, until)
    labels, quality = find_communities(graph, resolution=resolution, seed=seed)
    rows = sorted(_node_rows(app, graph, "community", labels), key=lambda row: row["community"])
    echo_rows(rows, fmt)
    count = int(labels.max()) + 1 if labels.size else 0
    click.echo(f"{count:,} communities over {graph.n_nodes:,} nodes, modularity {quality:.4f}", err=True)


@cli.group()
def graph() -> None:
    """Export the follow and interaction graphs.

    \b
    Example:
        grapevine graph export --graph reply --format gexf --out replies.gexf
    """


@graph.command("export")
@_graph_options
@click.option("--brand", help="Only the conversation about this tracked query.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(EXPORT_FORMATS)),
    help="File format (default: from --out's suffix).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@pass_app
def export_graph(
    app: AppContext,
    kind: str,
    platform: str | None,
    since: str | None,
    until: str | None,
    brand: str | None,
    fmt: str | None,
    out: Path,
) -> None:
    """Write a graph as GEXF or GraphML (both open in Gephi) or a CSV edge list.

    Nodes are "platform:id" with the handle as label; parallel edges become one edge whose
    weight is their count. With --brand, interaction edges come only from posts matching the
    tracked query, follow edges only between accounts that wrote such posts.

    \b
    Example:
        grapevine graph export --graph reply --since 2024-03-01 --format graphml --out replies.graphml
    """
    written = export_store_graph(app.workspace(), out, kind, fmt, platform, since, until, brand)
    click.echo(f"Wrote {written.n_nodes:,} nodes and their edges to {out}", err=True)
