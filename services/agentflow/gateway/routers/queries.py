"""``/v1/queries``: ask (answer streamed or followed later), follow, look up."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from agentflow.answering.questions import Questions
from agentflow.domain.events import StreamEvent
from agentflow.domain.queries import QueryRecord, QueryRequest
from agentflow.gateway.deps import QuestionsDep, TenantDep
from agentflow.gateway.problems import problem_event
from agentflow.gateway.schemas import QueryAccepted, QueryView
from agentflow.gateway.sse import last_event_id, sse_response
from agentflow.observability.logging import current_trace_id

router = APIRouter(prefix="/v1/queries", tags=["queries"])
_SSE = {"content": {"text/event-stream": {}}, "description": "the query's event stream"}


async def _events(questions: Questions, record: QueryRecord, after: str | None
                  ) -> AsyncIterator[StreamEvent]:
    async for event in questions.follow(record, after=after):
        if event.event == "error":  # the gateway owns HTTP: status and type are added here
            event = event.model_copy(update={"data": problem_event(event.data)})
        yield event


@router.post("", status_code=202, response_model=QueryAccepted, responses={200: _SSE})
async def ask(body: QueryRequest, request: Request, questions: QuestionsDep,
              tenant_id: TenantDep) -> QueryAccepted | StreamingResponse | JSONResponse:
    """Ask a question. With ``"stream": true`` (or ``Accept: text/event-stream``) the response
    is the answer's SSE stream; otherwise 202 with the ``stream_url`` to follow."""
    record = await questions.ask(tenant_id, body, trace_id=current_trace_id())
    if body.stream or "text/event-stream" in request.headers.get("accept", ""):
        response = sse_response(request, _events(questions, record, None))
        # A streaming client learns the ids at once: to reconnect, and to ask a follow-up.
        response.headers["X-Query-Id"] = record.id
        response.headers["X-Conversation-Id"] = record.conversation_id
        return response
    accepted = QueryAccepted(id=record.id, status=record.status,
                             stream_url=f"/v1/queries/{record.id}/stream",
                             conversation_id=record.conversation_id)
    return JSONResponse(accepted.model_dump(mode="json"), status_code=202)


@router.get("/{query_id}/stream", response_class=StreamingResponse, responses={200: _SSE})
async def stream(query_id: str, request: Request, questions: QuestionsDep,
                 tenant_id: TenantDep) -> StreamingResponse:
    """SSE: ``agent``, ``retrieval``, ``token``, ``citation`` events, then ``done`` or
    ``error``; reconnect with ``Last-Event-ID`` to resume without losing any."""
    record = await questions.get(tenant_id, query_id)
    return sse_response(request, _events(questions, record, last_event_id(request)))


@router.get("/{query_id}", response_model=QueryView)
async def get_query(query_id: str, questions: QuestionsDep, tenant_id: TenantDep) -> QueryView:
    """The stored query: status, and once answered the ``done`` event's fields."""
    return QueryView.of(await questions.get(tenant_id, query_id))
