"""The ``grapevine`` command: thin commands over the library, one module per family."""

from __future__ import annotations

import sys
from typing import Any

import click

from grapevine.cli._app import AppContext, cli
from grapevine.errors import GrapevineError

# Importing the families registers their commands on ``cli``.
from grapevine.cli import data as _data  # noqa: F401  isort: skip
from grapevine.cli import conversations as _conversations  # noqa: F401  isort: skip
from grapevine.cli import care as _care  # noqa: F401  isort: skip
from grapevine.cli import text as _text  # noqa: F401  isort: skip
from grapevine.cli import world as _world  # noqa: F401  isort: skip
from grapevine.cli import people as _people  # noqa: F401  isort: skip
from grapevine.cli import graph as _graph  # noqa: F401  isort: skip
from grapevine.cli import crm as _crm, web as _web  # noqa: F401  isort: skip

__all__ = ["AppContext", "cli", "main"]


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; library errors become one clear line on stderr and exit status 1."""
    try:
        return cli.main(args=argv, prog_name="grapevine", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GrapevineError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
