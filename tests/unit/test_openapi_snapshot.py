"""The OpenAPI document saved in .specify/ is exactly what the app serves."""

from __future__ import annotations

import json

from agentflow.gateway.app import create_app
from tests.conftest import ROOT


def test_saved_openapi_matches_the_app() -> None:
    saved = json.loads((ROOT / ".specify" / "openapi.json").read_text())
    assert saved == create_app().openapi(), "run `make openapi` and commit the result"


def test_every_documents_route_of_the_contract_is_served() -> None:
    paths = create_app().openapi()["paths"]
    expected = {
        "/v1/documents": {"get", "post"},
        "/v1/documents/{document_id}": {"get", "delete"},
        "/v1/documents/{document_id}/events": {"get"},
        "/v1/documents/{document_id}/file": {"get"},
        "/v1/documents/{document_id}/pages/{number}": {"get"},
        "/v1/documents/{document_id}/retry": {"post"},
        "/healthz": {"get"},
        "/readyz": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
