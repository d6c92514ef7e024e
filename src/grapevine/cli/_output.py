"""Rendering rows for the terminal: aligned tables, JSON and CSV, shared by every command."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import click
import orjson
import pyarrow as pa

__all__ = ["FORMATS", "echo_json", "echo_rows", "format_option", "render_table"]

FORMATS = ("table", "json", "csv")


def format_option(default: str = "table", choices: Sequence[str] = FORMATS) -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help="Output format.",
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def echo_json(value: Any) -> None:
    click.echo(orjson.dumps(value, default=_json_default, option=orjson.OPT_INDENT_2).decode())


def _cell(value: Any, width: int) -> str:
    if value is None:
        text = ""
    elif isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, float):
        text = f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = str(value)
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    if "/" in text and " " not in text:  # a path: its end tells files apart
        return "…" + text[-(width - 1) :]
    return text[: max(width - 1, 1)] + "…"


def render_table(rows: list[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """An aligned plain-text table that fits the terminal, long cells cut with an ellipsis."""
    if not rows:
        return "(no rows)"
    cols = list(columns or rows[0].keys())
    total = shutil.get_terminal_size((120, 20)).columns
    limit = max(12, (total - 2 * len(cols)) // max(len(cols), 1) * 2)
    cells = [[_cell(row.get(c), limit) for c in cols] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def echo_rows(rows: list[dict[str, Any]] | pa.Table, fmt: str, columns: Sequence[str] | None = None) -> None:
    """Print rows as a table, a JSON array or CSV."""
    if isinstance(rows, pa.Table):
        rows = rows.to_pylist()
    if columns:
        rows = [{c: row.get(c) for c in columns} for row in rows]
    if fmt == "json":
        echo_json(rows)
    elif fmt == "csv":
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0].keys()), lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _csv_value(v) for k, v in row.items()})
        click.echo(buffer.getvalue(), nl=False)
    else:
        click.echo(render_table(rows, columns))


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
