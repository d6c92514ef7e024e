"""The root command group and the context every command gets its workspace from."""

from __future__ import annotations

from pathlib import Path

import click

from grapevine import __version__
from grapevine.workspace import Workspace, open_workspace

__all__ = ["AppContext", "cli", "pass_app"]


class AppContext:
    """Holds the global options; opens the workspace only when a command needs it."""

    def __init__(self, workspace: Path | None) -> None:
        self.workspace_path = workspace
        self._workspace: Workspace | None = None

    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = open_workspace(self.workspace_path)
        return self._workspace

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()
            self._workspace = None


pass_app = click.make_pass_decorator(AppContext)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="GRAPEVINE_WORKSPACE",
    default=None,
    help="Workspace folder (one DuckDB file plus config). Default: $GRAPEVINE_WORKSPACE or ./grapevine-data.",
)
@click.version_option(__version__, prog_name="grapevine")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None) -> None:
    """Map the people who matter to a brand and where each conversation is going.

    \b
    Example:
        grapevine --workspace demo ingest ./exports/
    """
    app = AppContext(workspace)
    ctx.obj = app
    ctx.call_on_close(app.close)
