"""The write actions: one request-body model and one library call each, as JSON and as an HTML form.

``POST /people/{ref}/NAME.json`` takes a JSON body (API tokens with write scope, or a browser
session with the ``X-CSRF-Token`` header); ``POST /people/{ref}/NAME`` takes the page's form
(with its ``csrf_token`` field) and redirects back to the page, or shows it again with the error.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the request-body models of the
# endpoints built in loops below at runtime.

from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from grapevine import crm
from grapevine.errors import GrapevineError
from grapevine.web import _views
from grapevine.web._auth import CSRF_COOKIE, Principal, csrf_valid
from grapevine.web._drafts import MAX_DRAFT, add_draft, update_draft
from grapevine.web._render import encode_json, error_status, principal_of, render, state_of
from grapevine.workspace import Workspace

__all__ = ["CONVERSATION_ACTIONS", "PERSON_ACTIONS", "check_write", "register_actions"]


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


class DraftIn(BaseModel):
    id: int | None = Field(default=None, ge=1, description="the draft to change; absent for a new draft")
    text: str | None = Field(default=None, max_length=MAX_DRAFT)
    status: Literal["draft", "ready", "sent", "discarded"] | None = Field(
        default=None, description="sent: you posted it yourself; grapevine never posts"
    )
    reply_to: str | None = Field(default=None, max_length=100, description="the post id it answers")


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


def _draft(ws: Workspace, ref: str, body: DraftIn, by: str) -> dict[str, Any]:
    if body.id is not None:
        return update_draft(ws.store, ref, body.id, text=body.text, status=body.status, by=by)
    draft = add_draft(ws.store, ref, body.text or "", reply_to=body.reply_to or None, author=by)
    if body.status not in (None, "draft"):
        draft = update_draft(ws.store, ref, draft["id"], status=body.status, by=by)
    return draft


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
    ("drafts", DraftIn, _draft),
]


def check_write(request: Request, sent_csrf: str | None) -> Principal:
    principal = principal_of(request)
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


def register_actions(app: FastAPI) -> None:
    """Every write: ``POST /people/{ref}/NAME`` and ``/conversations/{ref}/NAME``, as a form and as JSON."""
    _register_all(
        app,
        "/people",
        "person.html",
        PERSON_ACTIONS,
        lambda request, ref: _views.person_view(state_of(request).ws, ref, shared=state_of(request).shared),
    )
    _register_all(
        app,
        "/conversations",
        "conversation.html",
        CONVERSATION_ACTIONS,
        lambda request, ref: _views.conversation_view(state_of(request).ws, ref),
    )


def _register_all(
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
        principal = check_write(request, request.headers.get("x-csrf-token"))
        state = state_of(request)
        try:
            result = state.call(act, state.ws, ref, body, principal.name)
        except GrapevineError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=error_status(exc))
        finally:
            state.wrote()  # even a refused write may have written (the contact cap logs a warning)
        return Response(encode_json(result), media_type="application/json")

    async def as_form(request: Request, ref: str) -> Response:
        form = await request.form()
        principal = check_write(request, str(form.get("csrf_token") or ""))
        # Pydantic reads "true"/"false"/"on" as booleans, as HTML forms send them.
        fields = {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
        state = state_of(request)
        try:
            body = model.model_validate(fields)
            try:
                await run_in_threadpool(state.call, act, state.ws, ref, body, principal.name)
            finally:
                state.wrote()
        except (GrapevineError, ValueError) as exc:
            message = str(exc) if isinstance(exc, GrapevineError) else _validation_message(exc)
            status = error_status(exc) if isinstance(exc, GrapevineError) else 400
            try:
                data = await run_in_threadpool(state.call, view_of, request=request, ref=ref)
            except GrapevineError as inner:
                return render(request, "error.html", {"message": str(inner)}, status=error_status(inner))
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
