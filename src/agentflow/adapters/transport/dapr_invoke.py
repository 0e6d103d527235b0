"""``AgentTransport`` over Dapr service invocation: each agent is its own service (app id).

A request goes to ``{dapr}/v1.0/invoke/{app-id}/method/a2a/{agent}`` as JSON with its W3C
``traceparent``; the agent service answers with the typed response or a problem object whose
``code`` is re-raised here as the same AgentFlow error class. An agent that cannot be reached
is ``AgentUnavailable``.
"""

from __future__ import annotations

import httpx

from agentflow.domain.errors import AgentFailed, AgentUnavailable, error_type_for_code
from agentflow.domain.messages import MESSAGE_TYPES, AgentMessage, AgentName
from agentflow.ports.agent_transport import Agent, ResponseT


class DaprAgentTransport:
    def __init__(self, dapr_http: str, app_ids: dict[AgentName, str], *,
                 timeout_s: float = 130.0, token: str | None = None) -> None:
        headers = {"dapr-api-token": token} if token else {}
        self._client = httpx.AsyncClient(base_url=dapr_http, timeout=timeout_s, headers=headers)
        self._app_ids = dict(app_ids)

    def register(self, agent: Agent) -> None:
        """Agents live in their own services here; registering one locally is a mistake."""
        raise TypeError("agents are reached over Dapr; run them with `agentflow agent NAME`")

    async def call(self, agent: AgentName, request: AgentMessage,
                   response_type: type[ResponseT]) -> ResponseT:
        app_id = self._app_ids.get(agent)
        if app_id is None:
            raise AgentUnavailable(f"no app id for the {agent.value} agent", agent=agent.value)
        headers = {"traceparent": request.traceparent} if request.traceparent else {}
        try:
            response = await self._client.post(
                f"/v1.0/invoke/{app_id}/method/a2a/{agent.value}", headers=headers,
                json={"type": type(request).__name__, "message": request.model_dump(mode="json")})
        except httpx.TransportError as error:
            raise AgentUnavailable(f"the {agent.value} agent ({app_id}) is unreachable: {error}",
                                   agent=agent.value) from error
        body = _json(response) or {}
        if response.status_code >= 400:
            if "errorCode" in body:  # Dapr itself could not deliver the call
                raise AgentUnavailable(f"the {agent.value} agent ({app_id}) is unavailable: "
                                       f"{body.get('message', body['errorCode'])}",
                                       agent=agent.value)
            error_class = error_type_for_code(str(body.get("code", "agent_failed")))
            raise error_class(str(body.get("detail", response.text[:300])), agent=agent.value)
        kind = MESSAGE_TYPES.get(str(body.get("type")))
        if kind is None:
            raise AgentFailed(f"the {agent.value} agent answered no A2A message",
                              agent=agent.value)
        if kind is not response_type:
            raise TypeError(f"{agent.value} answered {kind.__name__}, not {response_type.__name__}")
        return response_type.model_validate(body["message"])

    async def close(self) -> None:
        await self._client.aclose()


def _json(response: httpx.Response) -> dict[str, object] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
