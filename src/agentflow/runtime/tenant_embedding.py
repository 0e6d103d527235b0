"""Building per-tenant embedding: the models each tenant uses, the generations' indexes, and
the workflow that moves a tenant to a new model."""

from __future__ import annotations

from agentflow.domain.embedding_models import MOVE_WORKFLOW
from agentflow.ingestion.endpoint_guard import EndpointGuard
from agentflow.ingestion.model_changes import ModelChanges
from agentflow.ports.catalog import Catalog
from agentflow.ports.embedder import Embedder
from agentflow.ports.sparse_encoder import SparseEncoder
from agentflow.ports.tenant_models import TenantModelStore
from agentflow.ports.vector_index import VectorIndex
from agentflow.ports.workflow_engine import WorkflowEngine
from agentflow.retrieval.tenant_models import TenantModels
from agentflow.runtime.embedding import remote_embedder
from agentflow.runtime.processing import build_index
from agentflow.settings import Settings
from agentflow.workflows.model_move import move_tenant_model
from agentflow.workflows.model_move_activities import ModelMoveActivities


def endpoint_guard(settings: Settings) -> EndpointGuard:
    """Where tenants' own embedding endpoints may point (the operator's internal hosts)."""
    return EndpointGuard.allowing(settings.embedding.internal_endpoints)


def build_tenant_models(settings: Settings, store: TenantModelStore, embedder: Embedder,
                        shared: VectorIndex, guard: EndpointGuard) -> TenantModels:
    """Tenants' models: the shipped one in the shared index, others in indexes of their own
    (Qdrant Edge folders or server collections named after the tenant and generation); every
    request to an endpoint is vetted by ``guard``."""
    return TenantModels(store, embedder, shared,
                        remote=lambda spec, builtin: remote_embedder(spec, builtin, guard=guard),
                        indexes=lambda name, dimension: build_index(settings, dimension, of=name))


def build_model_changes(models: TenantModels, catalog: Catalog, sparse: SparseEncoder,
                        engine: WorkflowEngine, guard: EndpointGuard) -> ModelChanges:
    """The admin's model changes (an endpoint vetted by ``guard`` first), and the move
    workflow with its activities."""
    engine.register_workflow(MOVE_WORKFLOW, move_tenant_model)
    ModelMoveActivities(catalog=catalog, models=models, sparse=sparse).register(engine)
    return ModelChanges(models=models, engine=engine, catalog=catalog, guard=guard)
