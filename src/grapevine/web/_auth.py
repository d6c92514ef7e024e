"""Who may use the web app, and with which scope: password, API tokens, sessions, CSRF, allowed hosts.

- On 127.0.0.1 with nothing configured the app is open to the local user (scope ``write``).
- Once a password (``GRAPEVINE_WEB_PASSWORD``), an admin token (``GRAPEVINE_WEB_TOKEN``) or any
  API token (``grapevine token create``) exists, every request needs one: API clients send
  ``Authorization: Bearer TOKEN``; browsers sign in on ``/login`` and get a signed session cookie.
- Binding any other address than loopback without such a credential is refused
  (:func:`check_bind`).
- API tokens have a scope, ``read`` (GET only) or ``write``; only their SHA-256 is stored.
- Writes from a browser (cookie or open local access) need the CSRF token of the
  ``grapevine_csrf`` cookie echoed in the form field ``csrf_token`` or the ``X-CSRF-Token`` header;
  a bearer token is not sent by browsers on their own, so it needs none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from grapevine.errors import GrapevineError

if TYPE_CHECKING:
    from grapevine.config import Settings
    from grapevine.store import Store

__all__ = [
    "CSRF_COOKIE",
    "SCOPES",
    "SESSION_COOKIE",
    "Access",
    "Principal",
    "check_bind",
    "create_token",
    "is_loopback",
    "list_tokens",
    "revoke_token",
]

SCOPES = ("read", "write")
SESSION_COOKIE = "grapevine_session"
CSRF_COOKIE = "grapevine_csrf"
SESSION_SECONDS = 12 * 3600
_TOKEN_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Principal:
    """Who made a request: a token's name, ``team`` (the password) or ``local``; how; and the scope."""

    name: str
    scope: str
    via: str  # token | session | open

    @property
    def can_write(self) -> bool:
        return self.scope == "write"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(store: Store, name: str, scope: str = "read") -> str:
    """Create an API token; returns it (it is shown once: only its SHA-256 is stored)."""
    if not _TOKEN_NAME.match(name or ""):
        raise GrapevineError(f"invalid token name {name!r}: use 1-64 letters, digits, '_', '-' or '.'")
    if scope not in SCOPES:
        raise GrapevineError(f"unknown scope {scope!r}; expected read or write")
    if store.run("SELECT 1 FROM web_tokens WHERE name = ?", [name]):
        raise GrapevineError(f"a token named {name!r} exists; revoke it first or pick another name")
    token = "gv_" + secrets.token_urlsafe(32)
    store.run("INSERT INTO web_tokens VALUES (?, ?, ?, ?)", [name, _digest(token), scope, datetime.now(UTC)])
    return token


def list_tokens(store: Store) -> list[dict[str, Any]]:
    """The API tokens' names, scopes and creation times (never the tokens)."""
    return store.query("SELECT name, scope, created_at FROM web_tokens ORDER BY name").to_pylist()


def revoke_token(store: Store, name: str) -> None:
    """Delete the token called ``name``; requests carrying it are refused from now on."""
    if not store.run("SELECT 1 FROM web_tokens WHERE name = ?", [name]):
        raise GrapevineError(f"no token named {name!r}; see `grapevine token list`")
    store.run("DELETE FROM web_tokens WHERE name = ?", [name])


def _configured(settings: Settings | None, name: str) -> str | None:
    """A web secret from the settings (when the config knows it) or the environment."""
    value = getattr(settings, name, None) or os.environ.get(f"GRAPEVINE_{name.upper()}")
    return str(value) if value else None


class Access:
    """The credentials of one running app, and the checks built on them."""

    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        password: str | None = None,
        token: str | None = None,
    ) -> None:
        self.store = store
        # Its own DuckDB connection (a cursor of the store's), under its own lock: requests are
        # authenticated on the event loop while a view may be using the store's connection in a
        # worker thread, and one DuckDB connection refuses a second call while it is busy.
        self._con = store.con.cursor()
        self._con_lock = threading.Lock()
        self.password = password or _configured(settings, "web_password")
        self.token = token or _configured(settings, "web_token")
        self._key = secrets.token_bytes(32)  # signs sessions; a restart signs everybody out
        self._failures: list[float] = []

    def _run(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with self._con_lock:
            return self._con.execute(sql, params).fetchall()

    @property
    def required(self) -> bool:
        """Whether any credential exists, so that every request must carry one."""
        return bool(self.password or self.token or self._run("SELECT 1 FROM web_tokens LIMIT 1", []))

    def authenticate(self, secret: str) -> Principal | None:
        """The principal a password or token stands for, or None."""
        if not secret:
            return None
        if self.password and hmac.compare_digest(secret.encode(), self.password.encode()):
            return Principal("team", "write", "session")
        if self.token and hmac.compare_digest(secret.encode(), self.token.encode()):
            return Principal("admin-token", "write", "token")
        row = self._run("SELECT name, scope FROM web_tokens WHERE token_sha256 = ?", [_digest(secret)])
        return Principal(row[0][0], row[0][1], "token") if row else None

    def throttled(self) -> bool:
        """More than 10 failed sign-ins in the last minute: slow guessing down."""
        now = time.monotonic()
        self._failures = [t for t in self._failures if now - t < 60]
        return len(self._failures) >= 10

    def failed(self) -> None:
        self._failures.append(time.monotonic())

    def session_cookie(self, principal: Principal) -> str:
        body = f"{principal.name}|{principal.scope}|{int(time.time()) + SESSION_SECONDS}"
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
        return base64.urlsafe_b64encode(body.encode()).decode() + "." + mac

    def from_session(self, cookie: str | None) -> Principal | None:
        if not cookie or "." not in cookie:
            return None
        encoded, mac = cookie.rsplit(".", 1)
        try:
            body = base64.urlsafe_b64decode(encoded.encode()).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        expected = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, expected):
            return None
        name, scope, expires = body.split("|")
        if int(expires) < time.time():
            return None
        if (
            name != "team"
            and not self._run("SELECT 1 FROM web_tokens WHERE name = ?", [name])
            and name != "admin-token"
        ):
            return None  # the token it was opened with has been revoked
        return Principal(name, scope, "session")

    def principal(self, authorization: str | None, cookie: str | None) -> Principal | None:
        """Who the request is from: a bearer token, a session, or the open local user."""
        if authorization:
            kind, _, secret = authorization.partition(" ")
            if kind.lower() != "bearer":
                return None
            return self.authenticate(secret.strip())
        session = self.from_session(cookie)
        if session is not None:
            return session
        if not self.required:
            return Principal("local", "write", "open")
        return None


def check_bind(host: str, access: Access) -> None:
    """Refuse to listen beyond this machine unless a password or token protects the app."""
    if is_loopback(host) or access.required:
        return
    raise GrapevineError(
        f"refusing to listen on {host} without an access password or token: anyone who can reach it "
        "could read and change the workspace. Set GRAPEVINE_WEB_PASSWORD (or GRAPEVINE_WEB_TOKEN), or "
        "create a token with `grapevine token create NAME --scope write`, or serve on 127.0.0.1."
    )


def csrf_valid(cookie: str | None, sent: str | None) -> bool:
    """The double-submit check: the token sent with a write equals the one in the CSRF cookie."""
    return bool(cookie and sent and hmac.compare_digest(cookie.encode(), sent.encode()))


def new_csrf() -> str:
    return secrets.token_urlsafe(24)
