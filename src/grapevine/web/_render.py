"""What the pages and the write actions share: the app's state, the templates, JSON encoding.

The workspace's DuckDB connection is shared by all requests, so library calls run one at a time
under :class:`AppState`'s lock. Templates are rendered by Jinja2 with autoescaping always on.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from grapevine import __version__, crm
from grapevine.errors import GrapevineError
from grapevine.web import _charts, _views
from grapevine.web._auth import Access, Principal
from grapevine.web._shared import POST_DERIVED, SharedResults
from grapevine.workspace import Workspace

__all__ = [
    "HERE",
    "AppState",
    "encode_json",
    "error_status",
    "principal_of",
    "render",
    "state_of",
    "template_environment",
]

HERE = Path(__file__).parent
VIEW_TTL_S = 60.0
VIEW_CACHE_SIZE = 128


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def encode_json(data: Any) -> bytes:
    """JSON bytes for API answers and exports (datetimes as ISO 8601, numpy numbers as numbers)."""
    return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def _percent(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"


def _score(value: float | None) -> str:
    """Influence scores and their points, always with two decimals so that a column lines up."""
    return "–" if value is None else f"{value:.2f}"


def _when(value: datetime | str | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return value.strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = seconds / 60
    if minutes < 60:
        return f"{int(minutes)}m"
    if minutes < 48 * 60:
        return f"{int(minutes // 60)}h"
    return f"{int(minutes // 1440)}d"


def _with_query(query: dict[str, str], **changes: Any) -> str:
    """The current query string with some parameters changed (None removes one)."""
    merged = {**query, **{k: v for k, v in changes.items()}}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def template_environment() -> Environment:
    """Jinja2 with autoescaping always on (every template renders text written by strangers)."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        percent=_percent,
        number=_number,
        score=_score,
        when=_when,
        duration=_duration,
        path=lambda v: quote(str(v), safe=":@"),
    )
    env.globals.update(charts=_charts, version=__version__, with_query=_with_query)
    return env


class AppState:
    """What the routes share: the workspace, its lock, the access rules, the templates and the view cache.

    Views are cached: while the app runs it is the only writer of the workspace (DuckDB lets one
    process open a database for writing), so a view's answer only changes when the app writes,
    which bumps ``generation`` and empties the cache, or as time passes (waiting times, the contact
    cap's window): an entry older than ``VIEW_TTL_S`` is refreshed in the background. A page and its
    JSON twin with the same parameters share one entry.
    """

    def __init__(self, ws: Workspace, access: Access, host: str) -> None:
        self.ws = ws
        self.access = access
        self.host = host
        self.lock = threading.RLock()
        self.env = template_environment()
        self.generation = 0
        self._views: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
        self._views_lock = threading.Lock()
        self._refreshing: set[tuple[Any, ...]] = set()
        self._pending: dict[tuple[Any, ...], threading.Event] = {}  # first computations under way
        #: each page's path -> its view's name and function (filled as routes are registered)
        self.pages: dict[str, tuple[str, Callable[..., Any]]] = {}
        #: set when the start-up warm-up (see :mod:`grapevine.web._warm`) has finished
        self.warmed = threading.Event()
        self.warm_log: list[dict[str, Any]] = []
        self.closing = threading.Event()
        #: library results several views share (see :mod:`grapevine.web._shared`)
        self.shared = SharedResults()

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return fn(*args, **kwargs)

    def cache_keys(self) -> set[tuple[Any, ...]]:
        """The (view, parameters) keys the cache holds now."""
        with self._views_lock:
            return set(self._views)

    @staticmethod
    def cache_key(name: str, params: dict[str, Any]) -> tuple[Any, ...]:
        return (name, repr(sorted(params.items())))

    def wrote(self) -> None:
        """The workspace changed: no cached view may be served any more."""
        with self._views_lock:
            self.generation += 1
            self._views.clear()
        self.shared.clear(keep=POST_DERIVED)

    def view(self, name: str, params: dict[str, Any], compute: Callable[[], Any]) -> Any:
        """``compute()``'s answer for the view ``name`` with ``params``, from the cache when there.

        An entry older than ``VIEW_TTL_S`` is still served while a background thread computes a
        fresh one (stale-while-revalidate): after the first view, nobody waits for a slow page.
        A request for a view that is being computed (by the start-up warm-up, say) waits for
        that answer rather than computing it a second time.
        """
        key = self.cache_key(name, params)
        with self._views_lock:
            hit = self._views.get(key)
            generation = self.generation
            refresh = False
            under_way = mine = None
            if hit is not None:
                self._views.move_to_end(key)
                refresh = time.monotonic() - hit[0] >= VIEW_TTL_S and key not in self._refreshing
                if refresh:
                    self._refreshing.add(key)
            else:
                under_way = self._pending.get(key)
                if under_way is None:
                    mine = self._pending[key] = threading.Event()
        if under_way is not None:
            under_way.wait()
            return self.view(name, params, compute)  # cached now, unless it failed or a write came between
        if hit is None:
            return self._compute(key, compute, generation, mine)
        if refresh:
            threading.Thread(target=self._compute, args=(key, compute, generation), daemon=True).start()
        return hit[1]

    def _compute(
        self,
        key: tuple[Any, ...],
        compute: Callable[[], Any],
        generation: int,
        pending: threading.Event | None = None,
    ) -> Any:
        try:
            with self.lock:
                started = time.monotonic()
                value = compute()
            with self._views_lock:
                if generation == self.generation:  # nothing was written while it was computed
                    self._views[key] = (started, value)
                    while len(self._views) > VIEW_CACHE_SIZE:
                        self._views.popitem(last=False)
        finally:
            with self._views_lock:
                self._refreshing.discard(key)
                if pending is not None:
                    self._pending.pop(key, None)
            if pending is not None:
                pending.set()  # those waiting for this answer look in the cache again
        return value


def state_of(request: Request) -> AppState:
    return request.app.state.grapevine


def principal_of(request: Request) -> Principal:
    return request.state.principal


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page: the template with the request's CSRF token, the signed-in principal and ``context``."""
    app = state_of(request)
    context = {"error": None, "json_url": None, **context}
    page = app.env.get_template(template).render(
        request_path=request.url.path,
        query=dict(request.query_params),
        csrf=request.state.csrf,
        principal=getattr(request.state, "principal", None),
        **context,
    )
    return HTMLResponse(page, status_code=status)


def error_status(exc: GrapevineError) -> int:
    if isinstance(exc, _views.NotFound):
        return 404
    if isinstance(exc, crm.ContactRefused):
        return 409
    return 400
