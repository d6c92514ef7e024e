"""Run the app with uvicorn, after checking that the address is safe to listen on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grapevine.web._auth import Access, check_bind

if TYPE_CHECKING:
    from grapevine.workspace import Workspace

__all__ = ["serve"]


def serve(ws: Workspace, host: str = "127.0.0.1", port: int = 8080, log_level: str = "info") -> None:
    """Serve the dashboard for ``ws`` until interrupted; refuses a non-loopback ``host`` without credentials."""
    import uvicorn

    from grapevine.web._app import create_app

    access = Access(ws.store, ws.settings)
    check_bind(host, access)
    app = create_app(ws, host=host, access=access, warm_up=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False, proxy_headers=False)
