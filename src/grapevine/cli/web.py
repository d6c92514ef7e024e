"""Web commands: serve the dashboard, write the HTML report, manage API tokens."""

from __future__ import annotations

from pathlib import Path

import click

from grapevine.cli._app import AppContext, cli, pass_app
from grapevine.cli._output import echo_rows, format_option


def _missing_web(exc: ImportError) -> click.ClickException:
    return click.ClickException(
        f"the web app needs fastapi, uvicorn and jinja2 ({exc}); pip install grapevine"
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="Server log detail.",
)
@pass_app
def serve(app: AppContext, host: str, port: int, log_level: str) -> None:
    """Serve the dashboard and its JSON API (add .json to any page; schema at /openapi.json).

    Listens on 127.0.0.1 unless told otherwise. Any other address needs a password
    (GRAPEVINE_WEB_PASSWORD), an admin token (GRAPEVINE_WEB_TOKEN) or an API token from
    `grapevine token create`; without one the server refuses to start.

    \b
    Example:
        grapevine serve --port 8080      (on the demo: grapevine -w demo-data/workspace serve)
    """
    try:
        from grapevine.web import Access, check_bind
        from grapevine.web import serve as run_server
    except ImportError as exc:
        raise _missing_web(exc) from exc
    ws = app.workspace()
    check_bind(host, Access(ws.store, ws.settings))  # refuse before saying "Serving"
    click.echo(f"Serving {ws.path} on http://{host}:{port}/  (Ctrl+C stops)", err=True)
    run_server(ws, host=host, port=port, log_level=log_level)


@cli.command()
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="HTML file to write."
)
@click.option("--brand", help="Only this tracked brand.")
@pass_app
def report(app: AppContext, out: Path, brand: str | None) -> None:
    """Write one self-contained HTML report: brand charts, share of voice, top people, inbox.

    The stylesheet and the charts (SVG) are inline, so the file opens anywhere with no network.

    \b
    Example:
        grapevine report --brand acme --out acme-report.html
    """
    try:
        from grapevine.web import write_report
    except ImportError as exc:
        raise _missing_web(exc) from exc
    path = write_report(app.workspace(), out, brand=brand)
    click.echo(f"Wrote {path} ({path.stat().st_size:,} bytes)")


@cli.group()
def token() -> None:
    """Manage API tokens for `grapevine serve` (scope read: GET only; write: changes too).

    \b
    Example:
        grapevine token create dashboard-bot --scope read
    """


@token.command("create")
@click.argument("name")
@click.option(
    "--scope", type=click.Choice(["read", "write"]), default="read", show_default=True, help="What it may do."
)
@pass_app
def token_create(app: AppContext, name: str, scope: str) -> None:
    """Create an API token and print it once (only its hash is stored).

    Send it as `Authorization: Bearer TOKEN`, or paste it on the sign-in page.

    \b
    Example:
        grapevine token create crm-sync --scope write
    """
    from grapevine.web._auth import create_token

    click.echo(create_token(app.workspace().store, name, scope))


@token.command("list")
@format_option()
@pass_app
def token_list(app: AppContext, fmt: str) -> None:
    """List API tokens: name, scope, creation time (never the token).

    \b
    Example:
        grapevine token list --format json
    """
    from grapevine.web._auth import list_tokens

    echo_rows(list_tokens(app.workspace().store), fmt)


@token.command("revoke")
@click.argument("name")
@pass_app
def token_revoke(app: AppContext, name: str) -> None:
    """Revoke an API token: requests and sessions opened with it are refused from now on.

    \b
    Example:
        grapevine token revoke crm-sync
    """
    from grapevine.web._auth import revoke_token

    revoke_token(app.workspace().store, name)
    click.echo(f"Revoked {name}")
