"""Write a graph as GEXF (Gephi), GraphML or a CSV edge list.

Parallel edges are summed into one weighted edge (Gephi and networkx's DiGraph keep one edge
per pair). Node ids are the labels as text; a store graph's ``(platform, id)`` label becomes
``platform:id``, with ``platform`` and ``account_id`` written as node attributes, plus any
``node_attributes`` given (a handle, a score). The XML is streamed, so a large graph does not
build a document tree in memory.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd

from grapevine.errors import GrapevineError
from grapevine.graph._graph import Graph

__all__ = ["EXPORT_FORMATS", "node_keys", "write_graph"]

EXPORT_FORMATS = ("gexf", "graphml", "csv")


def node_keys(graph: Graph) -> list[str]:
    """The text id of each node: ``platform:id`` for store graphs, the label otherwise."""
    if isinstance(graph.labels, pd.MultiIndex):
        return [":".join(str(part) for part in label) for label in graph.labels]
    return [str(label) for label in graph.labels]


def write_graph(
    graph: Graph,
    path: str | Path,
    fmt: str | None = None,
    node_attributes: Mapping[str, Sequence[Any]] | None = None,
) -> int:
    """Write ``graph`` to ``path`` as ``gexf``, ``graphml`` or ``csv``; return the edges written.

    Parameters
    ----------
    fmt : str, optional
        Taken from the file's suffix when left out.
    node_attributes : mapping, optional
        Extra per-node columns (name -> one value per node, aligned with ``graph.labels``);
        None values are left out. Ignored by CSV, which holds edges only.

    Examples
    --------
    >>> import tempfile, networkx as nx
    >>> from grapevine.graph import build_graph
    >>> g = build_graph(["a", "a", "b"], ["b", "b", "c"])
    >>> path = Path(tempfile.mkdtemp()) / "g.gexf"
    >>> write_graph(g, path)
    2
    >>> sorted(nx.read_gexf(path).edges(data="weight"))
    [('a', 'b', 2.0), ('b', 'c', 1.0)]
    """
    target = Path(path)
    fmt = (fmt or target.suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise GrapevineError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    keys = node_keys(graph)
    attributes = _attributes(graph, node_attributes)
    src, dst, weights = _merged_edges(graph)
    with target.open("w", encoding="utf-8", newline="") as out:
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["source", "target", "weight"])
            for s, d, w in zip(src.tolist(), dst.tolist(), weights.tolist(), strict=True):
                writer.writerow([keys[s], keys[d], _number(w)])
        else:
            writer_fn = _gexf if fmt == "gexf" else _graphml
            out.writelines(writer_fn(graph, keys, attributes, src, dst, weights))
    return int(src.size)


def _attributes(graph: Graph, extra: Mapping[str, Sequence[Any]] | None) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    if isinstance(graph.labels, pd.MultiIndex) and graph.labels.nlevels == 2:
        columns["platform"] = [str(v) for v in graph.labels.get_level_values(0)]
        columns["account_id"] = [str(v) for v in graph.labels.get_level_values(1)]
    for name, values in (extra or {}).items():
        values = list(values)
        if len(values) != graph.n_nodes:
            raise GrapevineError(
                f"node attribute {name!r} has {len(values)} values for {graph.n_nodes} nodes"
            )
        columns[name] = values
    return columns


def _merged_edges(graph: Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One edge per (source, target), parallel edges summed; undirected graphs keep u <= v once."""
    src, dst, weights = graph.edges()
    w = np.ones(src.size) if weights is None else weights
    if not graph.directed:
        keep = src <= dst
        src, dst, w = src[keep], dst[keep], w[keep]
    key = src.astype(np.int64) * graph.n_nodes + dst
    unique, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=w, minlength=unique.size)
    return (unique // max(graph.n_nodes, 1)).astype(np.int64), (unique % max(graph.n_nodes, 1)), summed


def _kind(values: list[Any]) -> str:
    """The type of a column, named alike in GEXF and GraphML: long, double or string."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in present):
        return "long"
    if present and all(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in present):
        return "double"
    return "string"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _gexf(
    graph: Graph,
    keys: list[str],
    attributes: dict[str, list[Any]],
    src: np.ndarray,
    dst: np.ndarray,
    weights: np.ndarray,
) -> Iterator[str]:
    mode = "directed" if graph.directed else "undirected"
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
    yield f'  <graph mode="static" defaultedgetype="{mode}">\n'
    if attributes:
        yield '    <attributes class="node">\n'
        for i, (name, values) in enumerate(attributes.items()):
            yield f'      <attribute id="{i}" title={_attr(name)} type="{_kind(values)}"/>\n'
        yield "    </attributes>\n"
    yield "    <nodes>\n"
    columns = list(attributes.values())
    handles = attributes.get("handle", [None] * len(keys))
    for code, key in enumerate(keys):
        label = handles[code] or key
        cells = "".join(
            f'<attvalue for="{i}" value={_attr(str(column[code]))}/>'
            for i, column in enumerate(columns)
            if column[code] is not None
        )
        body = f"><attvalues>{cells}</attvalues></node>" if cells else "/>"
        yield f"      <node id={_attr(key)} label={_attr(str(label))}{body}\n"
    yield "    </nodes>\n    <edges>\n"
    for i, (s, d, w) in enumerate(zip(src.tolist(), dst.tolist(), weights.tolist(), strict=True)):
        yield f'      <edge id="{i}" source={_attr(keys[s])} target={_attr(keys[d])} weight="{_number(w)}"/>\n'
    yield "    </edges>\n  </graph>\n</gexf>\n"


def _graphml(
    graph: Graph,
    keys: list[str],
    attributes: dict[str, list[Any]],
    src: np.ndarray,
    dst: np.ndarray,
    weights: np.ndarray,
) -> Iterator[str]:
    mode = "directed" if graph.directed else "undirected"
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    for i, (name, values) in enumerate(attributes.items()):
        yield f'  <key id="n{i}" for="node" attr.name={_attr(name)} attr.type="{_kind(values)}"/>\n'
    yield '  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>\n'
    yield f'  <graph id="G" edgedefault="{mode}">\n'
    columns = list(attributes.values())
    for code, key in enumerate(keys):
        data = "".join(
            f'<data key="n{i}">{_text(column[code])}</data>'
            for i, column in enumerate(columns)
            if column[code] is not None
        )
        yield f"    <node id={_attr(key)}>{data}</node>\n" if data else f"    <node id={_attr(key)}/>\n"
    for s, d, w in zip(src.tolist(), dst.tolist(), weights.tolist(), strict=True):
        yield (
            f"    <edge source={_attr(keys[s])} target={_attr(keys[d])}>"
            f'<data key="weight">{_number(w)}</data></edge>\n'
        )
    yield "  </graph>\n</graphml>\n"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold


def _text(value: Any) -> str:
    return escape(_NOT_XML.sub("\ufffd", str(value)))


def _attr(value: Any) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", str(value)))
