"""The slice of Dapr's HTTP API that service invocation needs, routing to in-process apps.

``/v1.0/invoke/{app-id}/method/{path}`` is forwarded, headers and body, to the ASGI app
registered under that app id; an unknown app id gets Dapr's own 500 ``ERR_DIRECT_INVOKE``.
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
        self.app = Starlette(routes=[Route("/v1.0/invoke/{app_id}/method/{path:path}",
                                           self._invoke, methods=["GET", "POST", "PUT", "DELETE"])])

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
