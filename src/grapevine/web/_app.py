"""The ASGI app: every page at ``/page`` and its JSON twin at ``/page.json``, from the same view.

Built with FastAPI, which documents the JSON API at ``/openapi.json`` (browse it at ``/docs``).
The workspace's DuckDB connection is shared by all requests, so views run one at a time under a
lock; pages are rendered by Jinja2 with autoescaping, charts are inline SVG, and every asset is
served from the package (``/static``), so the app works with no internet.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures (and the
# request-body models of the write endpoints built in loops below) at runtime.

import functools
import threading
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

import orjson
from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from grapevine import __version__, crm
from grapevine.errors import GrapevineError
from grapevine.web import _charts, _views
from grapevine.web._auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Access,
    Principal,
    csrf_valid,
    is_loopback,
    new_csrf,
)
from grapevine.workspace import Workspace

__all__ = ["create_app", "encode_json", "template_environment"]

HERE = Path(__file__).parent
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


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
        when=_when,
        duration=_duration,
        path=lambda v: quote(str(v), safe=":@"),
    )
    env.globals.update(charts=_charts, version=__version__, with_query=_with_query)
    return env


class _App:
    """What the routes share: the workspace, its lock, the access rules and the templates."""

    def __init__(self, ws: Workspace, access: Access, host: str) -> None:
        self.ws = ws
        self.access = access
        self.host = host
        self.lock = threading.RLock()
        self.env = template_environment()

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return fn(*args, **kwargs)


def _state(request: Request) -> _App:
    return request.app.state.grapevine


def _principal(request: Request) -> Principal:
    return request.state.principal


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page: the template with the request's CSRF token, the signed-in principal and ``context``."""
    app = _state(request)
    context = {"error": None, "json_url": None, **context}
    page = app.env.get_template(template).render(
        request_path=request.url.path,
        query=dict(request.query_params),
        csrf=request.state.csrf,
        principal=getattr(request.state, "principal", None),
        **context,
    )
    return HTMLResponse(page, status_code=status)


def _error_status(exc: GrapevineError) -> int:
    if isinstance(exc, _views.NotFound):
        return 404
    if isinstance(exc, crm.ContactRefused):
        return 409
    return 400


def _clean(value: str | None) -> str | None:
    """HTML forms send "" for "any": treat it as not given."""
    return value.strip() or None if value is not None else None


def twin(app: FastAPI, path: str, template: str, json_path: str | None = None) -> Callable[..., Any]:
    """Register ``view`` as the HTML page ``path`` and as its JSON twin (``path.json``, in the OpenAPI schema)."""

    def register(view: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(view)
        def as_json(**kwargs: Any) -> Response:
            request: Request = kwargs["request"]
            data = _state(request).call(view, **kwargs)
            return Response(encode_json(data), media_type="application/json")

        @functools.wraps(view)
        def as_html(**kwargs: Any) -> Response:
            request: Request = kwargs["request"]
            data = _state(request).call(view, **kwargs)
            return render(
                request, template, {"data": data, "json_url": _json_url(request, json_path or path + ".json")}
            )

        app.add_api_route(
            json_path or path + ".json",
            as_json,
            methods=["GET"],
            name=view.__name__ + "_json",
            summary=(view.__doc__ or "").strip().splitlines()[0],
            response_model=None,
        )
        app.add_api_route(
            path,
            as_html,
            methods=["GET"],
            name=view.__name__,
            include_in_schema=False,
            response_class=HTMLResponse,
            response_model=None,
        )
        return view

    return register


def _json_url(request: Request, json_path: str) -> str:
    path = request.url.path
    target = "/index.json" if path == "/" else path + ".json"
    return target + (f"?{request.url.query}" if request.url.query else "")


# -- write endpoints: one body model and one action each, as JSON and as an HTML form -----------


class StageIn(BaseModel):
    stage: Literal["unknown", "aware", "engaged", "advocate", "detractor"]


class TagIn(BaseModel):
    tag: str = Field(min_length=1, max_length=64)
    remove: bool = False


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=10_000)


class OutreachIn(BaseModel):
    channel: str = Field(min_length=1, max_length=40, description="email, phone, handle, dm, ...")
    summary: str | None = Field(default=None, max_length=2_000)


class DoNotContactIn(BaseModel):
    do_not_contact: bool = True
    reason: str | None = Field(default=None, max_length=500)


class ConversationIn(BaseModel):
    status: Literal["open", "pending", "closed"] | None = None
    assignee: str | None = Field(default=None, max_length=80, description='"" unassigns')


def _stage(ws: Workspace, ref: str, body: StageIn, by: str) -> dict[str, Any]:
    return crm.set_stage(ws.store, ref, body.stage, by=by)


def _tag(ws: Workspace, ref: str, body: TagIn, by: str) -> dict[str, Any]:
    return crm.remove_tag(ws.store, ref, body.tag) if body.remove else crm.add_tag(ws.store, ref, body.tag)


def _person_note(ws: Workspace, ref: str, body: NoteIn, by: str) -> dict[str, Any]:
    return crm.add_note(ws.store, "person", ref, body.text, author=by)


def _outreach(ws: Workspace, ref: str, body: OutreachIn, by: str) -> dict[str, Any]:
    return crm.log_outreach(ws.store, ref, body.channel, body.summary, by=by)


def _dnc(ws: Workspace, ref: str, body: DoNotContactIn, by: str) -> dict[str, Any]:
    if body.do_not_contact:
        return crm.add_do_not_contact(ws.store, ref, body.reason, by=by)
    return crm.remove_do_not_contact(ws.store, ref)


def _conversation(ws: Workspace, ref: str, body: ConversationIn, by: str) -> dict[str, Any]:
    return crm.set_conversation(ws.store, ref, status=body.status, assignee=body.assignee, by=by)


def _conversation_note(ws: Workspace, ref: str, body: NoteIn, by: str) -> dict[str, Any]:
    return crm.add_note(ws.store, "conversation", ref, body.text, author=by)


PERSON_ACTIONS: list[tuple[str, type[BaseModel], Callable[..., dict[str, Any]]]] = [
    ("stage", StageIn, _stage),
    ("tags", TagIn, _tag),
    ("notes", NoteIn, _person_note),
    ("outreach", OutreachIn, _outreach),
    ("do-not-contact", DoNotContactIn, _dnc),
]
CONVERSATION_ACTIONS: list[tuple[str, type[BaseModel], Callable[..., dict[str, Any]]]] = [
    ("status", ConversationIn, _conversation),
    ("notes", NoteIn, _conversation_note),
]


def _check_write(request: Request, sent_csrf: str | None) -> Principal:
    principal = _principal(request)
    if not principal.can_write:
        raise HTTPException(403, f"token {principal.name!r} has scope read; this needs write")
    if principal.via != "token" and not csrf_valid(request.cookies.get(CSRF_COOKIE), sent_csrf):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")
    return principal


def _existing_person(ws: Workspace, ref: str) -> str:
    return _views.person_id(ws, ref)


def _existing_conversation(ws: Workspace, ref: str) -> str:
    try:
        platform, key = crm.conversation_key(ws.store, ref)
    except GrapevineError as exc:
        raise _views.NotFound(str(exc)) from None
    return f"{platform}:{key}"


def _register_actions(
    app: FastAPI, base: str, page: str, actions: list[Any], view_of: Callable[..., Any]
) -> None:
    resolve = _existing_person if base == "/people" else _existing_conversation
    for name, model, act in actions:
        _register_action(app, base, page, name, model, _resolving(resolve, act), view_of)


def _resolving(
    resolve: Callable[[Workspace, str], str], act: Callable[..., dict[str, Any]]
) -> Callable[..., dict[str, Any]]:
    """``act`` on the id ``ref`` names, after a 404 for a person or conversation that does not exist."""

    def run(ws: Workspace, ref: str, body: BaseModel, by: str) -> dict[str, Any]:
        return act(ws, resolve(ws, ref), body, by)

    return run


def _register_action(
    app: FastAPI,
    base: str,
    page: str,
    name: str,
    model: type[BaseModel],
    act: Callable[..., dict[str, Any]],
    view_of: Callable[..., Any],
) -> None:
    def as_json(request: Request, ref: str, body: Annotated[model, Body()]) -> Response:  # type: ignore[valid-type]
        principal = _check_write(request, request.headers.get("x-csrf-token"))
        try:
            result = _state(request).call(act, _state(request).ws, ref, body, principal.name)
        except GrapevineError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=_error_status(exc))
        return Response(encode_json(result), media_type="application/json")

    async def as_form(request: Request, ref: str) -> Response:
        form = await request.form()
        principal = _check_write(request, str(form.get("csrf_token") or ""))
        # Pydantic reads "true"/"false"/"on" as booleans, as HTML forms send them.
        fields = {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
        state = _state(request)
        try:
            body = model.model_validate(fields)
            await run_in_threadpool(state.call, act, state.ws, ref, body, principal.name)
        except (GrapevineError, ValueError) as exc:
            message = str(exc) if isinstance(exc, GrapevineError) else _validation_message(exc)
            status = _error_status(exc) if isinstance(exc, GrapevineError) else 400
            try:
                data = await run_in_threadpool(state.call, view_of, request=request, ref=ref)
            except GrapevineError as inner:
                return render(request, "error.html", {"message": str(inner)}, status=_error_status(inner))
            return render(request, page, {"data": data, "error": message, "json_url": None}, status=status)
        return RedirectResponse(f"{base}/{quote(ref, safe=':@')}#crm", status_code=303)

    as_json.__name__ = as_form.__name__ = f"{base.strip('/')}_{name.replace('-', '_')}"
    app.add_api_route(
        f"{base}/{{ref}}/{name}.json",
        as_json,
        methods=["POST"],
        name=as_json.__name__ + "_json",
        summary=f"{name} of {base.strip('/')} (JSON; needs write scope)",
        response_model=None,
    )
    app.add_api_route(
        f"{base}/{{ref}}/{name}",
        as_form,
        methods=["POST"],
        name=as_form.__name__,
        include_in_schema=False,
        response_model=None,
    )


def _validation_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors())
    return str(exc)


# -- the app --------------------------------------------------------------------------------------


def create_app(ws: Workspace, host: str = "127.0.0.1", access: Access | None = None) -> FastAPI:
    """The web app over an open workspace (``host`` is where it listens, for the Host-header check)."""
    app = FastAPI(
        title="grapevine",
        version=__version__,
        description="Every page of the grapevine dashboard as JSON: add `.json` to a page's path.",
        docs_url="/docs",
        redoc_url=None,
    )
    state = _App(ws, access or Access(ws.store, ws.settings), host)
    app.state.grapevine = state
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[..., Any]) -> Response:
        response = await _guard(request, call_next, state)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"  # no-referrer makes browsers send Origin: null
        response.headers["X-Frame-Options"] = "DENY"
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict", path="/")
        return response

    @app.exception_handler(GrapevineError)
    async def library_error(request: Request, exc: GrapevineError) -> Response:
        status = _error_status(exc)
        if request.url.path.endswith(".json") or request.url.path.startswith("/openapi"):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        return render(request, "error.html", {"message": str(exc)}, status=status)

    _routes(app)
    return app


async def _guard(request: Request, call_next: Callable[..., Any], state: _App) -> Response:
    """Host check, authentication, scope of unsafe methods, same-origin writes."""
    request.state.csrf = request.cookies.get(CSRF_COOKIE) or new_csrf()
    request.state.principal = None
    host = (request.headers.get("host") or "").rsplit(":", 1)[0]
    if is_loopback(state.host) and not is_loopback(host):
        # A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) gets here.
        return Response(f"unexpected Host {host!r}: this server answers to 127.0.0.1 and localhost only", 400)
    origin = request.headers.get("origin")
    if (
        request.method in UNSAFE
        and origin
        and origin != f"{request.url.scheme}://{request.headers.get('host')}"
    ):
        return Response("cross-origin writes are refused", 403)
    path = request.url.path
    if path.startswith("/static/") or path in ("/login", "/logout"):
        return await call_next(request)
    principal = state.access.principal(
        request.headers.get("authorization"), request.cookies.get(SESSION_COOKIE)
    )
    if principal is None:
        if (
            request.headers.get("authorization")
            or path.endswith(".json")
            or path.startswith(("/openapi", "/docs"))
        ):
            return JSONResponse(
                {"detail": "a valid token is needed: Authorization: Bearer TOKEN"},
                401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return RedirectResponse("/login?next=" + quote(path, safe="/"), status_code=303)
    if request.method in UNSAFE and not principal.can_write:
        return JSONResponse({"detail": f"token {principal.name!r} has scope read; this needs write"}, 403)
    request.state.principal = principal
    return await call_next(request)


def _routes(app: FastAPI) -> None:
    @twin(app, "/", "overview.html", json_path="/index.json")
    def overview(
        request: Request, brand: str | None = Query(None, description="one tracked brand")
    ) -> dict[str, Any]:
        """Per brand: mentions and sentiment per day, corrected shares, share of voice, spikes."""
        return _views.overview_view(_state(request).ws, brand=_clean(brand))

    @twin(app, "/people", "people.html")
    def people(
        request: Request,
        brand: str | None = Query(None, description="only people who mentioned this brand"),
        platform: str | None = Query(None, description="only people with an account there"),
        reachable: Literal["yes", "no", ""] | None = Query(
            None, description="with (yes) or without (no) a contact channel"
        ),
        q: str | None = Query(None, description="search handles and person ids"),
        stage: str | None = Query(None, description="CRM relationship stage"),
        tag: str | None = Query(None, description="CRM tag"),
        sort: Literal["influence", "mentions", "positive", "reach"] = "influence",
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        """The influencer table: sort, filter by brand, platform, reachability, stage and tag, search."""
        wanted = {"yes": True, "no": False}.get(reachable or "")
        return _views.people_view(
            _state(request).ws,
            brand=_clean(brand),
            platform=_clean(platform),
            reachable=wanted,
            q=_clean(q),
            stage=_clean(stage),
            tag=_clean(tag),
            sort=sort,
            limit=limit,
            offset=offset,
        )

    @twin(app, "/people/{ref}", "person.html")
    def person(request: Request, ref: str, brand: str | None = None) -> dict[str, Any]:
        """One person across platforms: channels, brand stats, posts, notes, outreach, stage."""
        return _views.person_view(_state(request).ws, ref, brand=_clean(brand))

    @twin(app, "/inbox", "inbox.html")
    def inbox(
        request: Request,
        brand: str | None = None,
        status: Literal["active", "all", "open", "pending", "closed"] = "active",
        assignee: str | None = None,
        limit: int = Query(50, ge=1, le=1000),
    ) -> dict[str, Any]:
        """Customers waiting on a brand, highest priority first, each with why, status and assignee."""
        return _views.inbox_view(
            _state(request).ws, brand=_clean(brand), status=status, assignee=_clean(assignee), limit=limit
        )

    @twin(app, "/conversations/{ref}", "conversation.html")
    def conversation(request: Request, ref: str) -> dict[str, Any]:
        """One conversation (platform:root_id): each turn with its emotion, the care rows with why, status, notes."""
        return _views.conversation_view(_state(request).ws, ref)

    @twin(app, "/reach", "reach.html")
    def reach(
        request: Request,
        p: Annotated[list[str] | None, Query(description="people: person ids or handles")] = None,
    ) -> dict[str, Any]:
        """The de-duplicated audience of the chosen people and their expected spread with its 95% interval."""
        refs = [part for value in p or [] for part in value.replace(",", "\n").splitlines()]
        return _views.reach_view(_state(request).ws, refs)

    _register_actions(
        app,
        "/people",
        "person.html",
        PERSON_ACTIONS,
        lambda request, ref: _views.person_view(_state(request).ws, ref),
    )
    _register_actions(
        app,
        "/conversations",
        "conversation.html",
        CONVERSATION_ACTIONS,
        lambda request, ref: _views.conversation_view(_state(request).ws, ref),
    )

    @app.get("/login", include_in_schema=False, response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> Response:
        return render(request, "login.html", {"next": _safe_next(next), "error": None})

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        state = _state(request)
        target = _safe_next(str(form.get("next") or "/"))
        if not csrf_valid(request.cookies.get(CSRF_COOKIE), str(form.get("csrf_token") or "")):
            return render(
                request, "login.html", {"next": target, "error": "The form expired; try again."}, 403
            )
        if state.access.throttled():
            return render(
                request, "login.html", {"next": target, "error": "Too many attempts; wait a minute."}, 429
            )
        principal = await run_in_threadpool(
            state.call, state.access.authenticate, str(form.get("secret") or "")
        )
        if principal is None:
            state.access.failed()
            return render(request, "login.html", {"next": target, "error": "Wrong password or token."}, 401)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            state.access.session_cookie(principal),
            httponly=True,
            samesite="strict",
            path="/",
            max_age=12 * 3600,
        )
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def _safe_next(target: str) -> str:
    """Only paths on this site: no scheme, no host, no protocol-relative ``//evil``."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
