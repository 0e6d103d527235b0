"""The slice of Dapr's HTTP API that service invocation and pub/sub need, routing to in-process
apps.

``/v1.0/invoke/{app-id}/method/{path}`` is forwarded, headers and body, to the ASGI app
registered under that app id; an unknown app id gets Dapr's own 500 ``ERR_DIRECT_INVOKE``.
``/v1.0/publish/{pubsub}/{topic}`` wraps the body in a CloudEvent and delivers it to every app
whose ``/dapr/subscribe`` lists that topic (204, as Dapr answers).
``/v1.0/actors/{type}/{id}/method/{m}`` calls the method on the app hosting that actor type
(``PUT /actors/...``, as daprd does); the actors' state (transactions, reads) and reminders are
kept here. ``app_loop``: the event loop the apps live in, when this fake is served from another
thread (the actor runtime checks its sidecar with a blocking call).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp


class FakeDaprHttp:
    def __init__(self, apps: dict[str, ASGIApp], *, actor_hosts: dict[str, ASGIApp] | None = None,
                 app_loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.apps = apps
        self.actor_hosts = actor_hosts if actor_hosts is not None else {}
        self.app_loop = app_loop
        self.calls: list[tuple[str, str]] = []
        self.published: list[tuple[str, str]] = []
        self.actor_state: dict[tuple[str, str], dict[str, Any]] = {}
        self.reminders: set[tuple[str, str, str]] = set()
        actor = "/v1.0/actors/{type}/{id}"
        self.app = Starlette(routes=[
            Route(actor + "/method/{method}", self._actor_method, methods=["POST", "PUT"]),
            Route(actor + "/state", self._actor_transaction, methods=["POST", "PUT"]),
            Route(actor + "/state/{key}", self._actor_state, methods=["GET"]),
            Route(actor + "/reminders/{name}", self._reminder, methods=["PUT", "DELETE"]),
            Route("/v1.0/invoke/{app_id}/method/{path:path}", self._invoke,
                  methods=["GET", "POST", "PUT", "DELETE"]),
            Route("/v1.0/publish/{pubsub}/{topic}", self._publish, methods=["POST"]),
            Route("/v1.0/healthz/outbound", self._healthy, methods=["GET"])])

    async def _healthy(self, request: Request) -> Response:
        return Response(status_code=204)

    async def _publish(self, request: Request) -> Response:
        pubsub, topic = request.path_params["pubsub"], request.path_params["topic"]
        self.published.append((pubsub, topic))
        envelope = {"specversion": "1.0", "type": "com.dapr.event.sent", "source": "fake",
                    "id": str(len(self.published)), "topic": topic, "pubsubname": pubsub,
                    "datacontenttype": "application/json", "data": await request.json()}
        for target in self.apps.values():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=target),
                                         base_url="http://app", timeout=60) as client:
                listed = await client.get("/dapr/subscribe")
                if listed.status_code != 200:
                    continue
                for entry in listed.json():
                    if entry["pubsubname"] == pubsub and entry["topic"] == topic:
                        await client.post(entry["route"], json=envelope)
        return Response(status_code=204)

    async def _invoke(self, request: Request) -> Response:
        app_id, path = request.path_params["app_id"], request.path_params["path"]
        self.calls.append((app_id, path))
        target = self.apps.get(app_id)
        if target is None:
            return JSONResponse({"errorCode": "ERR_DIRECT_INVOKE",
                                 "message": f"app id {app_id} not found"}, status_code=500)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=target),
                                     base_url="http://app", timeout=60) as client:
            query = f"?{request.url.query}" if request.url.query else ""
            answer = await client.request(request.method, f"/{path}{query}", headers=headers,
                                          content=await request.body())
        return Response(answer.content, status_code=answer.status_code,
                        media_type=answer.headers.get("content-type"))

    async def _actor_method(self, request: Request) -> Response:
        kind, actor_id = request.path_params["type"], request.path_params["id"]
        method = request.path_params["method"]
        self.calls.append((kind, f"{actor_id}/{method}"))
        host = self.actor_hosts.get(kind)
        if host is None:
            return JSONResponse({"errorCode": "ERR_ACTOR_INSTANCE_MISSING"}, status_code=500)
        call = _forward(host, "PUT", f"/actors/{kind}/{actor_id}/method/{method}",
                        await request.body())
        if self.app_loop is None:
            status, content = await call
        else:
            status, content = await asyncio.wrap_future(
                asyncio.run_coroutine_threadsafe(call, self.app_loop))
        return Response(content, status_code=status, media_type="application/json")

    async def _actor_transaction(self, request: Request) -> Response:
        key = (request.path_params["type"], request.path_params["id"])
        state = self.actor_state.setdefault(key, {})
        for change in json.loads(await request.body()):
            if change["operation"] == "upsert":
                state[change["request"]["key"]] = change["request"]["value"]
            else:
                state.pop(change["request"]["key"], None)
        return Response(status_code=204)

    async def _actor_state(self, request: Request) -> Response:
        state = self.actor_state.get((request.path_params["type"], request.path_params["id"]), {})
        if request.path_params["key"] not in state:
            return Response(status_code=204)
        return JSONResponse(state[request.path_params["key"]])

    async def _reminder(self, request: Request) -> Response:
        key = (request.path_params["type"], request.path_params["id"], request.path_params["name"])
        if request.method == "PUT":
            self.reminders.add(key)
        else:
            self.reminders.discard(key)
        return Response(status_code=204)


async def _forward(app: ASGIApp, method: str, path: str, body: bytes) -> tuple[int, bytes]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app",
                                 timeout=120) as client:
        answer = await client.request(method, path, content=body)
    return answer.status_code, answer.content
