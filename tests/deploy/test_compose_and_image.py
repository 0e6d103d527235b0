"""docker-compose.yml's structure (profiles, a sidecar per app, the shared Dapr files and what
each needs), the Dapr files against their CRD schemas, the Dockerfile's shape, and the image's
entry point (run here in dry-run mode). No Docker engine is needed."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT.parent / "shared" / "k8s-schemas" / "dapr.io"
DAPR_FILES = ROOT / "helm" / "agentflow" / "files" / "dapr"
APPS = ("gateway", "orchestrator", "ingestion", "retrieval", "synthesis", "citation", "mcp",
        "monitor")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def profiles(service: dict[str, Any]) -> set[str]:
    return set(service.get("profiles", []))


def test_profiles_split_embedded_distributed_and_observability(
        compose: dict[str, Any]) -> None:
    services = compose["services"]
    by_profile: dict[str, set[str]] = {}
    for name, service in services.items():
        assert profiles(service), f"{name} runs in every profile"
        for profile in profiles(service):
            by_profile.setdefault(profile, set()).add(name)
    assert by_profile["embedded"] == {"agentflow"}
    assert by_profile["distributed"] >= {"redis", "qdrant", "dapr-placement", "dapr-scheduler",
                                         "ray-head", "ray-worker", *APPS,
                                         *(f"{app}-dapr" for app in APPS)}
    assert by_profile["observability"] == {"prometheus", "grafana", "otel-collector"}
    embedded = services["agentflow"]
    assert embedded["command"] == ["gateway"] and embedded["environment"][
        "AGENTFLOW_AUTH__ENABLED"] == "true"  # bound to 0.0.0.0 in a container: auth is on


def test_every_app_has_its_sidecar_with_the_shared_components(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for app in APPS:
        sidecar = services[f"{app}-dapr"]
        assert sidecar["network_mode"] == f"service:{app}"  # localhost:3500 from the app
        command = sidecar["command"]
        flags = dict(zip(command[1::2], command[2::2], strict=False))
        assert command[0] == "./daprd" and flags["--app-id"] == f"agentflow-{app}"
        assert flags["--app-port"] == "8000"
        assert flags["--resources-path"] == "/dapr"
        assert flags["--config"] == "/dapr/configuration.yaml"
        assert flags["--placement-host-address"] == "dapr-placement:50005"
        assert "./helm/agentflow/files/dapr:/dapr:ro" in sidecar["volumes"]
        env = services[app]["environment"]
        assert env["AGENTFLOW_PROFILE"] == "distributed"
        assert env["AGENTFLOW_DAPR__HTTP_ENDPOINT"] == "http://127.0.0.1:3500"
        assert services[app]["command"] == [app]
    # Uploads are read by extraction: one shared volume for the gateway, orchestrator and Ray.
    for name in ("gateway", "orchestrator", "ingestion", "ray-head", "ray-worker"):
        assert "agentflow-data:/data" in services[name]["volumes"]
    assert services["orchestrator"]["environment"]["RAY_ADDRESS"] == "ray://ray-head:10001"
    assert services["gateway"]["environment"]["AGENTFLOW_WORKFLOW__WORKER"] == "false"
    # What the components need runs in the same profile.
    components = {doc["metadata"]["name"]: doc for doc in map(
        lambda p: yaml.safe_load(p.read_text()), DAPR_FILES.glob("*.yaml"))}
    for name in ("statestore", "pubsub"):
        host = {m["name"]: m["value"] for m in components[name]["spec"]["metadata"]}
        assert host["redisHost"].split(":")[0] in services


def test_observability_is_provisioned_from_the_charts_files(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "./helm/agentflow/rules:/etc/prometheus/rules:ro" in services["prometheus"]["volumes"]
    assert "./helm/agentflow/dashboards:/var/lib/grafana/dashboards/agentflow:ro" in services[
        "grafana"]["volumes"]
    config = yaml.safe_load((ROOT / "docker" / "observability" / "prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for group in job["static_configs"]
               for t in group["targets"]}
    assert {f"{app}:8000" for app in APPS} <= targets
    provider = yaml.safe_load((ROOT / "docker" / "observability" / "grafana" /
                               "dashboards.yaml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards/agentflow"
    configuration = yaml.safe_load((DAPR_FILES / "configuration.yaml").read_text())
    endpoint = configuration["spec"]["tracing"]["otel"]["endpointAddress"]
    assert endpoint.split(":")[0] in services  # sidecars' spans reach the collector


@pytest.mark.parametrize("path", sorted(DAPR_FILES.glob("*.yaml")), ids=lambda p: p.name)
def test_the_dapr_files_match_their_crd_schemas(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    version = document["apiVersion"].split("/")[1]
    schema = json.loads((SCHEMAS / f"{document['kind'].lower()}_{version}.json").read_text())
    jsonschema.validate(document, schema)


def test_the_resiliency_policy_leaves_agent_retries_to_the_workflow() -> None:
    resiliency = yaml.safe_load((DAPR_FILES / "resiliency.yaml").read_text())["spec"]
    for agent in ("retrieval", "synthesis", "citation"):
        target = resiliency["targets"]["apps"][f"agentflow-{agent}"]
        assert resiliency["policies"]["retries"][target["retry"]]["maxRetries"] == 0
        assert target["circuitBreaker"] in resiliency["policies"]["circuitBreakers"]
    assert resiliency["policies"]["retries"]["events"]["maxRetries"] > 0


def test_the_dockerfile_is_multi_stage_slim_and_non_root() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)\s+AS\s+(\S+)", text, flags=re.MULTILINE)
    assert [name for _, name in stages] == ["build", "runtime", "build-gpu", "gpu"]
    runtime = text.split(" AS runtime", 1)[1].split("\nFROM ", 1)[0]
    assert "build-essential" not in runtime and "pip install" not in runtime
    assert re.search(r"^USER 10001", runtime, flags=re.MULTILINE)
    assert "HEALTHCHECK" in runtime and "/healthz" in runtime
    assert 'ENTRYPOINT ["agentflow-entrypoint"]' in runtime
    assert "slim" in text and "torch==2.13.0" in text
    assert "tesseract-ocr" in runtime  # scanned pages are read in every image's workers


@pytest.mark.parametrize(("argv", "expected"), [
    ([], "agentflow serve --host 0.0.0.0 --port 8000"),
    (["gateway"], "agentflow serve --host 0.0.0.0 --port 8000"),
    (["orchestrator"], "agentflow orchestrator --host 0.0.0.0 --port 8000"),
    (["ingestion"], "agentflow ingestion --host 0.0.0.0 --port 8000"),
    (["mcp"], "agentflow mcp --host 0.0.0.0 --port 8000"),
    (["monitor"], "agentflow monitor --host 0.0.0.0 --port 8000"),
    (["retrieval"], "agentflow agent retrieval --host 0.0.0.0 --port 8000"),
    (["synthesis"], "agentflow agent synthesis --host 0.0.0.0 --port 8000"),
    (["citation"], "agentflow agent citation --host 0.0.0.0 --port 8000"),
    (["ray", "start", "--head", "--block"], "ray start --head --block"),
    (["agentflow", "admin", "list-tenants"], "agentflow admin list-tenants"),
])
def test_the_entry_point_takes_the_service_name(argv: list[str], expected: str) -> None:
    result = subprocess.run(["sh", str(ROOT / "docker" / "entrypoint.sh"), *argv],
                            env={**os.environ, "AGENTFLOW_ENTRYPOINT_DRY_RUN": "1"},
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == expected


def test_the_entry_point_commands_exist() -> None:
    """Every command the entry point runs is one the ``agentflow`` CLI knows."""
    from agentflow.cli.main import parser

    for argv in (["serve"], ["orchestrator"], ["ingestion"], ["mcp"], ["monitor"],
                 ["agent", "retrieval"]):
        args = parser().parse_args([*argv, "--host", "0.0.0.0", "--port", "8000"])
        assert args.host == "0.0.0.0" and args.port == 8000
