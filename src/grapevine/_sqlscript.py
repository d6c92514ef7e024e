"""Run a script of SQL statements: how every package creates its tables in its migration."""

from __future__ import annotations

import duckdb

__all__ = ["run_script"]


def run_script(con: duckdb.DuckDBPyConnection, script: str) -> None:
    """Execute each statement of ``script`` (statements end with ``;`` at the end of a line)."""
    for statement in script.split(";\n"):
        if statement.strip():
            con.execute(statement).fetchall()
