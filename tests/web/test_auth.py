"""Who may do what: binding beyond loopback, passwords, tokens and their scopes, sessions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from grapevine import open_workspace
from grapevine.cli import cli
from grapevine.errors import GrapevineError
from grapevine.web import Access, check_bind, create_app, create_token, list_tokens, revoke_token
from grapevine.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with open_workspace(tmp_path / "ws") as workspace:
        yield workspace


def _client(ws: Workspace, **secrets: str) -> TestClient:
    return TestClient(create_app(ws, access=Access(ws.store, **secrets)), base_url="http://127.0.0.1:8080")


def test_other_addresses_need_a_credential(ws: Workspace) -> None:
    check_bind("127.0.0.1", Access(ws.store))
    check_bind("::1", Access(ws.store))
    with pytest.raises(
        GrapevineError, match=r"refusing to listen on 0\.0\.0\.0 without an access password or token"
    ):
        check_bind("0.0.0.0", Access(ws.store))
    check_bind("0.0.0.0", Access(ws.store, password="long enough secret"))
    create_token(ws.store, "bot", "read")
    check_bind("192.168.1.5", Access(ws.store))


def test_serve_refuses_before_listening(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAPEVINE_WEB_PASSWORD", raising=False)
    monkeypatch.delenv("GRAPEVINE_WEB_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path / "w"), "serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0
    assert "refusing to listen on 0.0.0.0" in str(result.exception)


def test_open_on_loopback_when_nothing_is_configured(ws: Workspace) -> None:
    client = _client(ws)
    assert client.get("/index.json").status_code == 200
    assert client.get("/").status_code == 200


def test_password_sign_in_and_session(ws: Workspace) -> None:
    client = _client(ws, password="correct horse")
    assert client.get("/index.json").status_code == 401
    first = client.get("/inbox", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login?next=/inbox"
    page = client.get("/login")
    csrf = client.cookies["grapevine_csrf"]
    assert 'name="csrf_token"' in page.text
    wrong = client.post("/login", data={"secret": "nope", "csrf_token": csrf, "next": "/people"})
    assert wrong.status_code == 401
    ok = client.post(
        "/login",
        data={"secret": "correct horse", "csrf_token": csrf, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/"  # no open redirect
    assert client.get("/").status_code == 200
    forged = client.cookies["grapevine_session"][:-2] + "00"
    client.cookies.delete("grapevine_session")
    client.cookies.set("grapevine_session", forged)
    assert client.get("/index.json").status_code == 401


def test_token_scopes(ws: Workspace) -> None:
    reader = create_token(ws.store, "reader", "read")
    writer = create_token(ws.store, "writer", "write")
    assert {t["name"]: t["scope"] for t in list_tokens(ws.store)} == {"reader": "read", "writer": "write"}
    assert reader not in str(ws.store.run("SELECT * FROM web_tokens"))  # only the hash is stored
    client = _client(ws)
    assert client.get("/index.json").status_code == 401  # a token exists: nobody is let in without one
    assert client.get("/index.json", headers={"Authorization": f"Bearer {reader}"}).status_code == 200
    assert client.get("/openapi.json", headers={"Authorization": "Bearer gv_wrong"}).status_code == 401
    write = client.post(
        "/people/x/notes.json", json={"text": "hi"}, headers={"Authorization": f"Bearer {reader}"}
    )
    assert write.status_code == 403 and "scope read" in write.json()["detail"]
    # The write token passes the scope check (no CSRF needed for a bearer token); the person does not exist.
    write = client.post(
        "/people/x/notes.json", json={"text": "hi"}, headers={"Authorization": f"Bearer {writer}"}
    )
    assert write.status_code == 404
    revoke_token(ws.store, "writer")
    assert client.get("/index.json", headers={"Authorization": f"Bearer {writer}"}).status_code == 401
    with pytest.raises(GrapevineError, match="no token named 'writer'"):
        revoke_token(ws.store, "writer")
    with pytest.raises(GrapevineError, match="invalid token name"):
        create_token(ws.store, "has space", "read")


def test_token_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    where = ["--workspace", str(tmp_path / "w")]
    created = runner.invoke(cli, [*where, "token", "create", "bot", "--scope", "write"])
    assert created.exit_code == 0 and created.output.startswith("gv_")
    listed = runner.invoke(cli, [*where, "token", "list", "--format", "json"])
    assert '"scope": "write"' in listed.output and created.output.strip() not in listed.output


def test_password_from_the_workspace_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAPEVINE_WEB_PASSWORD", raising=False)
    monkeypatch.delenv("GRAPEVINE_WEB_TOKEN", raising=False)
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "grapevine.toml").write_text('web_password = "a long enough secret"\n', encoding="utf-8")
    with open_workspace(folder) as workspace:
        assert workspace.settings.web_password == "a long enough secret"
        check_bind("0.0.0.0", Access(workspace.store, workspace.settings))
