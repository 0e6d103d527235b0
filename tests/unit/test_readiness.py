"""Readiness probes: every dependency is asked at once, each within its deadline, and a failure
says which one and why (503 ``not_ready``)."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette

from agentflow.gateway.probes import install_probes
from agentflow.runtime.readiness import probe


async def _ok() -> None:
    await asyncio.sleep(0)


async def _refused() -> None:
    raise ConnectionRefusedError("Connection refused (127.0.0.1:1)")


async def _hangs() -> None:
    await asyncio.sleep(60)


async def test_ready_only_when_every_check_answers_in_time() -> None:
    report = await probe({"catalog": _ok, "index": _ok})
    assert report.ready and report.checks == {"catalog": "ok", "index": "ok"}
    loop = asyncio.get_running_loop()
    started = loop.time()
    report = await probe({"catalog": _ok, "redis": _refused, "qdrant": _hangs}, timeout_s=0.2)
    assert loop.time() - started < 1.0  # checks run side by side, bounded by the deadline
    assert not report.ready
    assert report.checks["catalog"] == "ok"
    assert report.checks["redis"].startswith("ConnectionRefusedError: Connection refused")
    assert report.checks["qdrant"] == "no answer within 0.2 s"


async def test_probes_answer_503_problem_naming_the_unreachable_dependency() -> None:
    app = Starlette()
    checks = {"catalog": _ok, "event_log": _refused}
    install_probes(app, lambda _: checks)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test") as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "not_ready" and body["detail"] == "unreachable: event_log"
        assert body["checks"]["catalog"] == "ok"
        checks["event_log"] = _ok
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": {"catalog": "ok", "event_log": "ok"}}
