"""The slice of Dapr's HTTP API that service invocation and pub/sub need, routing to in-process
apps.

``/v1.0/invoke/{app-id}/method/{path}`` is forwarded, headers and body, to the ASGI app
registered under that app id; an unknown app id gets Dapr's own 500 ``ERR_DIRECT_INVOKE``.
``/v1.0/publish/{pubsub}/{topic}`` wraps the body in a CloudEvent and delivers it to every app
whose ``/dapr/subscribe`` lists that topic (204, as Dapr answers).
"""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp


class FakeDaprHttp:
    def __init__(self, apps: dict[str, ASGIApp]) -> None:
        self.apps = apps
        self.calls: list[tuple[str, str]] = []
        self.published: list[tuple[str, str]] = []
        self.app = Starlette(routes=[
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
            answer = await client.request(request.method, f"/{path}", headers=headers,
                                          content=await request.body())
        return Response(answer.content, status_code=answer.status_code,
                        media_type=answer.headers.get("content-type"))
