"""The Helm chart, rendered in-process (helm-python-sdk: Helm's own engine) with the default
values and every ``ci/*-values.yaml``: it lints clean, every manifest validates (core kinds with
kubernetes-validate, Dapr/KubeRay/Prometheus-operator kinds against ../shared/k8s-schemas), and
what operators rely on is there: HPAs, probes, Dapr annotations, PDBs, NetworkPolicies, no
secret in values, and a schema that refuses a misspelt key."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import helm_python as helm
import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "agentflow"
SCHEMAS = ROOT.parent / "shared" / "k8s-schemas"
KUBE_VERSION = "1.33.0"
VALUE_FILES = sorted((CHART / "ci").glob("*-values.yaml"))
SERVICES = ("gateway", "orchestrator", "ingestion", "retrieval", "synthesis", "citation", "mcp",
            "monitor")
SCALED = ("gateway", "retrieval", "synthesis", "citation", "mcp")
Manifest = dict[str, Any]


def render(values: dict[str, Any] | None = None) -> list[Manifest]:
    chart = helm.Chart.load(CHART)
    rendered = chart.render(values, name="af", namespace="agentflow", is_install=True)
    return [doc for path, text in sorted(rendered.items()) if path.endswith(".yaml")
            for doc in yaml.safe_load_all(text) if doc]


def values_of(path: Path | None) -> dict[str, Any] | None:
    return None if path is None else yaml.safe_load(path.read_text())


def kinds(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


@cache
def crd_schema(api_version: str, kind: str) -> dict[str, Any]:
    group, version = api_version.split("/")
    if group == "ray.io":
        plural = {"RayCluster": "rayclusters"}[kind]
        crd = yaml.safe_load((SCHEMAS / "ray.io" / f"ray.io_{plural}.yaml").read_text())
        (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
        schema: dict[str, Any] = strict(served["schema"]["openAPIV3Schema"])
        return schema
    path = SCHEMAS / group / f"{kind.lower()}_{version}.json"
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def strict(schema: Any) -> Any:
    """A CRD schema that refuses unknown fields, as the API server's strict field validation
    does (structural schemas would silently prune a misspelt one)."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
        out.setdefault("additionalProperties", False)
        out["properties"] = {k: strict(v) for k, v in schema["properties"].items()}
    return out


def validate(manifest: Manifest) -> None:
    api_version, kind = manifest["apiVersion"], manifest["kind"]
    if api_version.split("/")[0] in {"ray.io", "dapr.io", "monitoring.coreos.com"}:
        schema = crd_schema(api_version, kind)
        # Not jsonschema.validate: it checks the schema first, and these carry Go regexes
        # (``(?i)`` mid-pattern) that Python's re refuses; fields we set are checked all the same.
        errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(manifest))
        assert not errors, [f"{kind}: {e.json_path}: {e.message}" for e in errors]
    else:
        kubernetes_validate.validate(manifest, KUBE_VERSION, strict=True)


@pytest.mark.parametrize("values_file", [None, *VALUE_FILES],
                         ids=lambda p: "defaults" if p is None else p.name)
def test_the_chart_lints_renders_and_every_manifest_validates(values_file: Path | None) -> None:
    values = values_of(values_file)
    report = helm.lint(CHART, values, strict=True, kube_version=f"v{KUBE_VERSION}")
    assert not report["errors"], report
    assert not [m for m in report["messages"] if m["severity"] >= 2], report["messages"]
    manifests = render(values)
    assert manifests
    for manifest in manifests:
        validate(manifest)
    names = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert len(names) == len(set(names)), "two resources share a kind and name"


def test_a_deployment_per_service_with_probes_dapr_and_limits() -> None:
    manifests = render()
    deployments = kinds(manifests, "Deployment")
    services = kinds(manifests, "Service")
    assert set(deployments) == {f"af-agentflow-{name}" for name in SERVICES}
    for name in SERVICES:
        deployment = deployments[f"af-agentflow-{name}"]
        pod = deployment["spec"]["template"]
        annotations = pod["metadata"]["annotations"]
        assert annotations["dapr.io/enabled"] == "true"
        assert annotations["dapr.io/app-id"] == f"agentflow-{name}"
        assert annotations["dapr.io/app-port"] == "8000"
        assert annotations["dapr.io/config"] == "af-agentflow"
        (container,) = pod["spec"]["containers"]
        assert container["args"] == [name]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        env = {e["name"]: e for e in container["env"]}
        assert env["AGENTFLOW_PROFILE"]["value"] == "distributed"
        assert "secretKeyRef" in env["AGENTFLOW_AUTH__SERVICE_TOKEN"]["valueFrom"]
        assert f"af-agentflow-{name}" in services
    gateway_env = {e["name"] for e in deployments["af-agentflow-gateway"]["spec"]["template"][
        "spec"]["containers"][0]["env"]}
    assert "AGENTFLOW_WORKFLOW__WORKER" in gateway_env
    assert set(kinds(manifests, "PodDisruptionBudget")) == set(deployments)


def test_hpas_scale_the_stateless_services_on_cpu_and_their_own_load() -> None:
    manifests = render()
    hpas = kinds(manifests, "HorizontalPodAutoscaler")
    assert set(hpas) == {f"af-agentflow-{name}" for name in SCALED}
    for name in SCALED:
        hpa = hpas[f"af-agentflow-{name}"]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["name"] == f"af-agentflow-{name}"
        metrics = {m["type"]: m for m in hpa["spec"]["metrics"]}
        assert metrics["Resource"]["resource"]["name"] == "cpu"
        assert "Pods" in metrics
        assert hpa["spec"]["minReplicas"] >= 2
    sse = hpas["af-agentflow-gateway"]["spec"]["metrics"][1]["pods"]["metric"]["name"]
    assert sse == "agentflow_sse_streams"
    deployments = kinds(manifests, "Deployment")
    assert "replicas" not in deployments["af-agentflow-gateway"]["spec"]  # the HPA owns it
    assert deployments["af-agentflow-orchestrator"]["spec"]["replicas"] == 2
    minimal = render(values_of(CHART / "ci" / "minimal-values.yaml"))
    assert not kinds(minimal, "HorizontalPodAutoscaler")


def test_only_the_gateway_is_reachable_from_outside() -> None:
    manifests = render()
    policies = kinds(manifests, "NetworkPolicy")
    internal = policies["af-agentflow-internal"]["spec"]
    assert internal["podSelector"]["matchLabels"] == {"app.kubernetes.io/instance": "af"}
    sources = [peer for rule in internal["ingress"] for peer in rule["from"]]
    assert all("podSelector" in p or "namespaceSelector" in p for p in sources)
    assert not any(p.get("ipBlock") for p in sources)
    public = policies["af-agentflow-gateway-public"]["spec"]
    assert public["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "gateway"
    ingress = kinds(manifests, "Ingress")["af-agentflow"]["spec"]
    assert ingress["tls"][0]["secretName"] == "agentflow-tls"
    backends = {p["backend"]["service"]["name"] for r in ingress["rules"]
                for p in r["http"]["paths"]}
    assert backends == {"af-agentflow-gateway"}
    services = kinds(manifests, "Service")
    assert {s["spec"].get("type", "ClusterIP") for s in services.values()} == {"ClusterIP"}


def test_ray_dapr_stores_and_monitoring_resources() -> None:
    manifests = render()
    (ray,) = kinds(manifests, "RayCluster").values()
    groups = {g["groupName"]: g for g in ray["spec"]["workerGroupSpecs"]}
    assert set(groups) == {"cpu", "gpu"} and ray["spec"]["enableInTreeAutoscaling"] is True
    gpu = groups["gpu"]["template"]["spec"]["containers"][0]
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == 1 and gpu["image"].endswith("-gpu")
    assert groups["cpu"]["maxReplicas"] > groups["cpu"]["minReplicas"]
    components = kinds(manifests, "Component")
    assert {c["spec"]["type"] for c in components.values()} == {"state.redis", "pubsub.redis"}
    for component in components.values():
        metadata = {m["name"]: m.get("value") for m in component["spec"]["metadata"]}
        assert metadata["redisHost"] == "af-agentflow-redis:6379"
    shared = yaml.safe_load((CHART / "files" / "dapr" / "resiliency.yaml").read_text())
    (resiliency,) = kinds(manifests, "Resiliency").values()
    assert resiliency["spec"] == shared["spec"]  # the same policies compose mounts
    (configuration,) = kinds(manifests, "Configuration").values()
    assert configuration["spec"]["tracing"]["otel"]["endpointAddress"] == \
        "otel-collector.observability:4317"
    assert set(kinds(manifests, "StatefulSet")) == {"af-agentflow-redis", "af-agentflow-qdrant"}
    for statefulset in kinds(manifests, "StatefulSet").values():
        assert statefulset["spec"]["volumeClaimTemplates"]
    assert kinds(manifests, "ServiceMonitor") and kinds(manifests, "PrometheusRule")
    dashboards = [m for m in kinds(manifests, "ConfigMap").values()
                  if m["metadata"]["labels"].get("grafana_dashboard") == "1"]
    assert len(dashboards) == 4
    tests = [m for m in manifests
             if m["metadata"].get("annotations", {}).get("helm.sh/hook") == "test"]
    assert len(tests) == 1


def test_ocr_settings_reach_the_services_that_plan_ingestion() -> None:
    """The orchestrator (and every service) gets the OCR mode and languages; Ray's workers get
    them inside each extraction stage from the orchestrator, and run the same image."""
    deployments = kinds(render({"ocr": {"mode": "on", "languages": "eng+deu"}}), "Deployment")
    for name in SERVICES:
        (container,) = deployments[f"af-agentflow-{name}"]["spec"]["template"]["spec"][
            "containers"][:1]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["AGENTFLOW_INGEST__OCR"] == "on"
        assert env["AGENTFLOW_INGEST__OCR_LANGUAGES"] == "eng+deu"
    defaults = kinds(render(), "Deployment")["af-agentflow-orchestrator"]
    env = {e["name"]: e.get("value") for e in defaults["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["AGENTFLOW_INGEST__OCR"] == "auto"


def test_an_s3_store_is_configured_with_its_keys_from_a_secret() -> None:
    deployments = kinds(render({"blob": {"url": "s3://agentflow/originals",
                                         "endpoint": "http://seaweedfs:8333",
                                         "existingSecret": "s3-keys"}}), "Deployment")
    env = {e["name"]: e for e in deployments["af-agentflow-orchestrator"]["spec"]["template"][
        "spec"]["containers"][0]["env"]}
    assert env["AGENTFLOW_BLOB__URL"]["value"] == "s3://agentflow/originals"
    assert env["AGENTFLOW_BLOB__ENDPOINT_URL"]["value"] == "http://seaweedfs:8333"
    assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "s3-keys", "key": "secretAccessKey"}
    defaults = kinds(render(), "Deployment")["af-agentflow-orchestrator"]
    assert "AGENTFLOW_BLOB__URL" not in {e["name"] for e in defaults["spec"]["template"]["spec"][
        "containers"][0]["env"]}


def test_secrets_are_generated_or_referenced_never_values() -> None:
    manifests = render()
    (secret,) = kinds(manifests, "Secret").values()
    assert set(secret["data"]) == {"serviceToken"} and len(secret["data"]["serviceToken"]) > 40
    external = render(values_of(CHART / "ci" / "external-stores-values.yaml"))
    assert not kinds(external, "Secret")  # auth.existingSecret names one
    assert not kinds(external, "StatefulSet") and not kinds(external, "RayCluster")
    env = {e["name"]: e for e in kinds(external, "Deployment")["af-agentflow-gateway"]["spec"][
        "template"]["spec"]["containers"][0]["env"]}
    assert env["REDIS_URL"]["valueFrom"]["secretKeyRef"]["name"] == "agentflow-redis"
    assert env["OPENAI_API_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "agentflow-openai"
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    flat = json.dumps(values).lower()
    assert "password\": \"" not in flat and "apikey\": \"" not in flat


@pytest.mark.parametrize("wrong", [
    {"servces": {}},                                   # misspelt top-level key
    {"services": {"gateway": {"replicaz": 3}}},        # misspelt nested key
    {"image": {"pullPolicy": "Sometimes"}},            # not an allowed value
    {"services": {"retrieval": {"autoscaling": {"enabled": "yes"}}}},  # wrong type
    {"ocr": {"mode": "sometimes"}},  # not a mode
    {"blob": {"url": "https://not-s3/bucket"}},  # not an s3:// URL
])
def test_the_values_schema_refuses_misspelt_or_wrong_values(wrong: dict[str, Any]) -> None:
    chart = helm.Chart.load(CHART)
    chart.validate_schema(None)  # the defaults pass
    with pytest.raises(helm.HelmError):
        chart.validate_schema(chart.merge_values(wrong))
    with pytest.raises(helm.HelmError):
        chart.render(wrong, name="af", namespace="agentflow")
