"""Authentication through the HTTP API: API keys and JWTs, roles, the admin API and CLI, the
per-tenant request rate, and X-Tenant-ID ignored once auth is on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from pydantic import SecretStr

from agentflow.cli.main import main
from agentflow.gateway.app import create_app
from agentflow.ports.embedder import Embedder
from agentflow.runtime.container import build_container
from agentflow.settings import AuthSettings, Settings
from tests.conftest import make_settings

SECRET = "an-hs256-secret-for-tests-only-0123456789"


def auth_settings(tmp_path: Path, **auth: Any) -> Settings:
    settings = make_settings(tmp_path)
    settings.auth = AuthSettings(enabled=True, jwt_secret=SecretStr(SECRET), **auth)
    return settings


async def cli(tmp_path: Path, *args: str,
              capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``agentflow admin`` (it runs its own event loop: on a thread here)."""
    return await asyncio.to_thread(_cli, tmp_path, *args, capsys=capsys)


def _cli(tmp_path: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["admin", "--data-dir", str(tmp_path), *args])
    return code, capsys.readouterr().out


pytestmark = pytest.mark.usefixtures("cli_process_state")


@pytest.fixture
async def api(tmp_path: Path, embedder: Embedder,
              capsys: pytest.CaptureFixture[str]) -> AsyncIterator[dict[str, Any]]:
    import json

    # The operator prepares tenants and keys with the CLI, on the server's data directory.
    assert (await cli(tmp_path, "create-tenant", "acme", capsys=capsys))[0] == 0
    assert (await cli(tmp_path, "create-tenant", "beta", capsys=capsys))[0] == 0
    assert (await cli(tmp_path, "create-tenant", "acme", capsys=capsys))[0] == 1  # exists
    keys = {name: json.loads((await cli(tmp_path, "create-key", "--tenant", tenant, "--role",
                                        role, capsys=capsys))[1])
            for name, tenant, role in (("platform", "default", "admin"),
                                       ("acme-admin", "acme", "admin"),
                                       ("acme-user", "acme", "user"),
                                       ("beta-user", "beta", "user"))}
    app = create_app(container=build_container(auth_settings(tmp_path, requests_per_minute=0),
                                               embedder=embedder))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield {"client": client, "keys": keys}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token(**claims: Any) -> str:
    now = int(time.time())
    return jwt.encode({"sub": "u", "tenant_id": "acme", "role": "user", "iat": now,
                       "exp": now + 300, **claims}, SECRET, algorithm="HS256")


async def test_requests_need_valid_credentials(api: dict[str, Any]) -> None:
    client, keys = api["client"], api["keys"]
    missing = await client.get("/v1/documents")
    assert missing.status_code == 401 and missing.json()["code"] == "unauthenticated"
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    for header in ({"Authorization": "Basic abc"}, bearer("af_not-a-real-key"),
                   bearer(token(exp=int(time.time()) - 3600)), bearer(token(tenant_id="nope")),
                   bearer(jwt.encode({"tenant_id": "acme", "role": "user",
                                      "exp": int(time.time()) + 60}, None, algorithm="none"))):
        response = await client.get("/v1/documents", headers=header)
        assert response.status_code == 401, header
    assert (await client.get("/v1/documents", headers=bearer(keys["acme-user"]["key"]))
            ).status_code == 200
    assert (await client.get("/v1/documents", headers=bearer(token()))).status_code == 200
    assert (await client.get("/healthz")).status_code == 200  # probes need no credentials


async def test_the_tenant_comes_from_the_credentials_not_the_header(
        api: dict[str, Any], tiny_pdf: Path) -> None:
    client, keys = api["client"], api["keys"]
    acme = bearer(keys["acme-user"]["key"])
    files = [("file", (tiny_pdf.name, tiny_pdf.read_bytes(), "application/pdf"))]
    uploaded = (await client.post("/v1/documents", files=files,
                                  headers={**acme, "X-Tenant-ID": "beta"})).json()
    document_id = uploaded["documents"][0]["id"]
    assert (await client.get(f"/v1/documents/{document_id}", headers=acme)).status_code == 200
    beta = bearer(keys["beta-user"]["key"])
    assert (await client.get(f"/v1/documents/{document_id}", headers=beta)).status_code == 404
    assert (await client.get("/v1/documents", headers=beta)).json()["documents"] == []


async def test_admins_manage_keys_of_their_tenant_only(api: dict[str, Any]) -> None:
    client, keys = api["client"], api["keys"]
    user, admin = bearer(keys["acme-user"]["key"]), bearer(keys["acme-admin"]["key"])
    assert (await client.get("/v1/admin/api-keys", headers=user)).status_code == 403
    created = await client.post("/v1/admin/api-keys", json={"role": "user"}, headers=admin)
    assert created.status_code == 201 and created.json()["key"].startswith("af_")
    listed = (await client.get("/v1/admin/api-keys", headers=admin)).json()
    assert {k["id"] for k in listed} >= {created.json()["id"], keys["acme-user"]["id"]}
    assert all("key" not in k and "key_hash" not in k for k in listed)  # shown once only
    other = await client.post("/v1/admin/api-keys", json={"tenant_id": "beta"}, headers=admin)
    assert other.status_code == 403
    assert (await client.post("/v1/admin/tenants", json={"name": "gamma"},
                              headers=admin)).status_code == 403
    foreign = await client.delete(f"/v1/admin/api-keys/{keys['beta-user']['id']}",
                                  headers=admin)
    assert foreign.status_code == 404
    revoked = await client.delete(f"/v1/admin/api-keys/{created.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (await client.get("/v1/documents", headers=bearer(created.json()["key"]))
            ).status_code == 401
    platform = bearer(keys["platform"]["key"])
    made = await client.post("/v1/admin/tenants", json={"name": "gamma"}, headers=platform)
    assert made.status_code == 201
    assert (await client.post("/v1/admin/tenants", json={"name": "Bad Name"},
                              headers=platform)).status_code == 422


async def test_a_tenant_over_its_request_rate_gets_429(
        tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    await cli(tmp_path, "create-tenant", "acme", capsys=capsys)
    key = json.loads((await cli(tmp_path, "create-key", "--tenant", "acme",
                                capsys=capsys))[1])["key"]
    app = create_app(container=build_container(auth_settings(tmp_path, requests_per_minute=3),
                                               embedder=embedder))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        codes = [(await client.get("/v1/documents", headers=bearer(key))).status_code
                 for _ in range(4)]
        limited = await client.get("/v1/documents", headers=bearer(key))
    assert codes == [200, 200, 200, 429]
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 20


def test_serving_refuses_unsafe_set_ups(tmp_path: Path) -> None:
    from agentflow.domain.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"refusing to serve on 0\.0\.0\.0"):
        Settings(host="0.0.0.0", data_dir=tmp_path).check_safe_to_serve()
    weak = Settings(host="0.0.0.0", data_dir=tmp_path,
                    auth=AuthSettings(enabled=True, jwt_secret=SecretStr("secret")))
    with pytest.raises(InvalidInput, match="at least 32"):
        weak.check_safe_to_serve()


async def test_the_audit_log_records_agents_ingestion_admin_and_auth_failures(
        api: dict[str, Any], tiny_pdf: Path) -> None:
    client, keys = api["client"], api["keys"]
    user, admin = bearer(keys["acme-user"]["key"]), bearer(keys["acme-admin"]["key"])
    files = [("file", (tiny_pdf.name, tiny_pdf.read_bytes(), "application/pdf"))]
    document = (await client.post("/v1/documents", files=files, headers=user)).json()
    for _ in range(200):
        status = (await client.get(f"/v1/documents/{document['documents'][0]['id']}",
                                   headers=user)).json()["status"]
        if status in ("ready", "failed"):
            break
        await asyncio.sleep(0.1)
    answered = await client.post("/v1/queries", headers=user, json={
        "question": "What does the text say about information?", "stream": True})
    assert answered.status_code == 200
    await client.get("/v1/documents", headers=bearer("af_forged"))
    entries = (await client.get("/v1/admin/audit?limit=500", headers=admin)).json()
    actions = {(e["action"], e["outcome"]) for e in entries}
    assert {("agent.retrieval", "ok"), ("agent.synthesis", "ok"), ("agent.citation", "ok"),
            ("ingest.extract", "ok"), ("ingest.commit", "ok"),
            ("admin.create_key", "ok")} <= actions
    assert all(e["tenant_id"] == "acme" and e["at"] and e["actor"] for e in entries)
    assert any(e["trace_id"] for e in entries if e["action"].startswith("agent."))
    page = (await client.get("/v1/admin/audit?limit=2", headers=admin)).json()
    older = (await client.get(f"/v1/admin/audit?limit=2&before={page[-1]['id']}",
                              headers=admin)).json()
    assert [e["id"] for e in page + older] == [e["id"] for e in entries[:4]]
    platform = (await client.get("/v1/admin/audit",
                                 headers=bearer(keys["platform"]["key"]))).json()
    assert any(e["action"] == "auth.failed" and e["detail"]["path"] == "/v1/documents"
               for e in platform)
    for method in ("PUT", "PATCH", "DELETE", "POST"):  # no route changes an entry
        response = await client.request(method, "/v1/admin/audit", headers=admin)
        assert response.status_code == 405
    assert (await client.get("/v1/admin/audit", headers=user)).status_code == 403
    assert (await client.get("/v1/admin/audit?before=1;DROP", headers=admin)).status_code == 422


async def test_me_says_who_the_caller_is_and_nothing_secret(api: dict[str, Any]) -> None:
    client, keys = api["client"], api["keys"]
    expected = {"platform": ("default", "admin", True), "acme-admin": ("acme", "admin", False),
                "acme-user": ("acme", "user", False)}
    for name, (tenant, role, platform) in expected.items():
        response = await client.get("/v1/me", headers=bearer(keys[name]["key"]))
        assert response.status_code == 200
        assert response.json() == {"tenant_id": tenant, "role": role, "method": "api_key",
                                   "platform_admin": platform}
    refused = await client.get("/v1/me")
    assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
    # The console page itself needs no credential, and tells the browser to ask for one.
    page = await client.get("/")
    assert page.status_code == 200 and '<meta name="agentflow-auth" content="on">' in page.text
