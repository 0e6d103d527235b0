"""``/v1/conversations``: the turns of a conversation."""

from __future__ import annotations

from fastapi import APIRouter

from agentflow.gateway.deps import QuestionsDep, TenantDep
from agentflow.gateway.schemas import ConversationView

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])


@router.get("/{conversation_id}", response_model=ConversationView)
async def get_conversation(conversation_id: str, questions: QuestionsDep,
                           tenant_id: TenantDep) -> ConversationView:
    """Questions and answers of one conversation, oldest first."""
    turns = await questions.conversation(tenant_id, conversation_id)
    return ConversationView(id=conversation_id, turns=turns)
