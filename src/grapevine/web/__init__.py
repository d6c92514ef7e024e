"""The web dashboard and HTTP API: every page has a JSON twin from the same view.

``grapevine serve`` runs :func:`create_app` under uvicorn on 127.0.0.1 (see :mod:`grapevine.web._auth`
for passwords, API tokens with read/write scope, CSRF and when another address is allowed);
``grapevine report`` writes the overview as one self-contained HTML file
(:func:`write_report`). Pages: ``/`` (overview), ``/people``, ``/people/{ref}``, ``/inbox``,
``/conversations/{platform:root_id}``, ``/network``, ``/reach``; add ``.json`` for the data (``/index.json``
for ``/``); the OpenAPI schema is at ``/openapi.json``.
"""

from grapevine.web._app import create_app, encode_json
from grapevine.web._auth import (
    SCOPES,
    Access,
    check_bind,
    create_token,
    is_loopback,
    list_tokens,
    revoke_token,
)
from grapevine.web._report import write_report
from grapevine.web._serve import serve

__all__ = [
    "SCOPES",
    "Access",
    "check_bind",
    "create_app",
    "create_token",
    "encode_json",
    "is_loopback",
    "list_tokens",
    "revoke_token",
    "serve",
    "write_report",
]
