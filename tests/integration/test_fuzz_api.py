"""Fuzzing the API from its own OpenAPI document (schemathesis, bounded examples and time):
no generated request may cause a 500, and documented responses must match their schemas."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from agentflow.gateway.app import create_app
from tests.conftest import make_settings
from tests.server import free_port

schema = schemathesis.openapi.from_dict(create_app().openapi())


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a loopback port, in its own thread (schemathesis calls are blocking)."""
    data: Path = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(make_settings(data)), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the app did not start")
        threading.Event().wait(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
def test_generated_requests_never_break_the_api(case: schemathesis.Case,
                                                fuzz_server: str) -> None:
    case.call_and_validate(base_url=fuzz_server, timeout=30,
                           checks=[not_a_server_error, response_schema_conformance])
