"""The ASGI app: every page at ``/page`` and its JSON twin at ``/page.json``, from the same view.

Built with FastAPI, which documents the JSON API at ``/openapi.json`` (browse it at ``/docs``).
The workspace's DuckDB connection is shared by all requests, so views run one at a time under a
lock; pages are rendered by Jinja2 with autoescaping, charts are inline SVG, and every asset is
served from the package (``/static``), so the app works with no internet.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures at runtime.

import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from grapevine import __version__
from grapevine.errors import GrapevineError
from grapevine.web import _views
from grapevine.web._actions import register_actions
from grapevine.web._auth import CSRF_COOKIE, SESSION_COOKIE, Access, csrf_valid, is_loopback, new_csrf
from grapevine.web._network import DEFAULT_NODES, MAX_NODES
from grapevine.web._render import (
    HERE,
    AppState,
    encode_json,
    error_status,
    render,
    state_of,
    template_environment,
)
from grapevine.web._warm import start_warm_up
from grapevine.workspace import Workspace

__all__ = ["create_app", "encode_json", "template_environment"]

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _clean(value: str | None) -> str | None:
    """HTML forms send "" for "any": treat it as not given."""
    return value.strip() or None if value is not None else None


def _community(value: str | None) -> int | None:
    """A community number from a query string, where "" (the form's "any") means none."""
    cleaned = _clean(value)
    return int(cleaned) if cleaned else None


def twin(app: FastAPI, path: str, template: str, json_path: str | None = None) -> Callable[..., Any]:
    """Register ``view`` as the HTML page ``path`` and as its JSON twin (``path.json``, in the OpenAPI schema)."""

    def register(view: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(view)
        def as_json(**kwargs: Any) -> Response:
            data = _cached(view, kwargs)
            return Response(encode_json(data), media_type="application/json")

        @functools.wraps(view)
        def as_html(**kwargs: Any) -> Response:
            request: Request = kwargs["request"]
            data = _cached(view, kwargs)
            return render(
                request, template, {"data": data, "json_url": _json_url(request, json_path or path + ".json")}
            )

        state_of_app(app).pages[path] = (view.__name__, view)
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


def _cached(view: Callable[..., dict[str, Any]], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The view's data for these parameters (the request aside), computed once per cache lifetime."""
    params = {k: v for k, v in kwargs.items() if k != "request"}
    state = state_of(kwargs["request"])
    return state.view(view.__name__, params, lambda: view(**kwargs))


def _json_url(request: Request, json_path: str) -> str:
    path = request.url.path
    target = "/index.json" if path == "/" else path + ".json"
    return target + (f"?{request.url.query}" if request.url.query else "")


# -- the app --------------------------------------------------------------------------------------


def state_of_app(app: FastAPI) -> AppState:
    return app.state.grapevine


def create_app(
    ws: Workspace, host: str = "127.0.0.1", access: Access | None = None, warm_up: bool = False
) -> FastAPI:
    """The web app over an open workspace (``host`` is where it listens, for the Host-header check).

    With ``warm_up``, the main pages are computed into the view cache in the background once the
    server has started (see :mod:`grapevine.web._warm`); startup does not wait for them.
    """
    state = AppState(ws, access or Access(ws.store, ws.settings), host)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            start_warm_up(app, state)
        else:
            state.warmed.set()  # nothing to warm: /status.json says so
        yield
        state.closing.set()  # a warm-up still running stops after its current view

    app = FastAPI(
        title="grapevine",
        version=__version__,
        description="Every page of the grapevine dashboard as JSON: add `.json` to a page's path.",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
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
        status = error_status(exc)
        if request.url.path.endswith(".json") or request.url.path.startswith("/openapi"):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        return render(request, "error.html", {"message": str(exc)}, status=status)

    _routes(app)
    return app


async def _guard(request: Request, call_next: Callable[..., Any], state: AppState) -> Response:
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
        return _views.overview_view(state_of(request).ws, brand=_clean(brand))

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
        community: str | None = Query(
            None, pattern=r"^\d*$", description="Leiden community of the interaction graph (see /network)"
        ),
        sort: Literal["influence", "mentions", "positive", "reach"] = "influence",
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        """The influencer table: sort, filter by brand, platform, community, reachability, stage and tag, search."""
        wanted = {"yes": True, "no": False}.get(reachable or "")
        return _views.people_view(
            state_of(request).ws,
            brand=_clean(brand),
            platform=_clean(platform),
            reachable=wanted,
            q=_clean(q),
            stage=_clean(stage),
            tag=_clean(tag),
            community=_community(community),
            sort=sort,
            limit=limit,
            offset=offset,
            shared=state_of(request).shared,
        )

    @twin(app, "/people/{ref}", "person.html")
    def person(request: Request, ref: str, brand: str | None = None) -> dict[str, Any]:
        """One person across platforms: channels, brand stats, posts, notes, outreach, stage."""
        return _views.person_view(
            state_of(request).ws, ref, brand=_clean(brand), shared=state_of(request).shared
        )

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
            state_of(request).ws, brand=_clean(brand), status=status, assignee=_clean(assignee), limit=limit
        )

    @twin(app, "/conversations/{ref}", "conversation.html")
    def conversation(request: Request, ref: str) -> dict[str, Any]:
        """One conversation (platform:root_id): each turn with its emotion, the care rows with why, status, notes."""
        return _views.conversation_view(state_of(request).ws, ref)

    @twin(app, "/network", "network.html")
    def network(
        request: Request,
        brand: str | None = Query(
            None, description="a tracked brand's conversation (every post when absent)"
        ),
        community: str | None = Query(
            None, pattern=r"^\d*$", description="only this Leiden community (0 is the largest)"
        ),
        limit: int = Query(DEFAULT_NODES, ge=1, le=MAX_NODES, description="accounts shown, by PageRank"),
    ) -> dict[str, Any]:
        """A brand's conversation network: the top accounts by PageRank with their Leiden communities and layout."""
        return _views.network_view(
            state_of(request).ws, brand=_clean(brand), limit=limit, community=_community(community)
        )

    @twin(app, "/reach", "reach.html")
    def reach(
        request: Request,
        p: Annotated[list[str] | None, Query(description="people: person ids or handles")] = None,
    ) -> dict[str, Any]:
        """The de-duplicated audience of the chosen people and their expected spread with its 95% interval."""
        refs = [part for value in p or [] for part in value.replace(",", "\n").splitlines()]
        return _views.reach_view(state_of(request).ws, refs, shared=state_of(request).shared)

    @app.get("/status.json", tags=["status"])
    def status(request: Request) -> dict[str, Any]:
        """The server's state without touching the workspace: version and whether the start-up warm-up is done."""
        state = state_of(request)
        return {"version": __version__, "warmed": state.warmed.is_set(), "warm_up": list(state.warm_log)}

    register_actions(app)

    @app.get("/login", include_in_schema=False, response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> Response:
        return render(request, "login.html", {"next": _safe_next(next), "error": None})

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        state = state_of(request)
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
