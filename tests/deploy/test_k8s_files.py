"""k8s/: the kind cluster config, the scripts (syntax), the Locust Job (a valid Job), the kind
values (accepted by the chart's schema) and prometheus-adapter serving exactly the custom
metrics the chart's HPAs ask for."""

from __future__ import annotations

import subprocess
from pathlib import Path

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"


def test_the_kind_cluster_maps_the_ingress_ports() -> None:
    config = yaml.safe_load((K8S / "kind-config.yaml").read_text())
    assert config["kind"] == "Cluster" and config["apiVersion"].startswith("kind.x-k8s.io/")
    roles = [node["role"] for node in config["nodes"]]
    assert roles.count("control-plane") == 1 and roles.count("worker") >= 2
    ports = {m["containerPort"] for m in config["nodes"][0]["extraPortMappings"]}
    assert ports == {80, 443}


@pytest.mark.parametrize("script", ["install.sh", "load.sh"])
def test_the_scripts_parse(script: str) -> None:
    subprocess.run(["bash", "-n", str(K8S / script)], check=True)
    assert (K8S / script).stat().st_mode & 0o111  # executable


def test_the_locust_job_is_a_valid_job() -> None:
    job = yaml.safe_load((K8S / "locust-job.yaml").read_text())
    kubernetes_validate.validate(job, "1.33.0", strict=True)
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert "/load/locustfile.py" in container["args"]
    assert container["env"][1]["valueFrom"]["secretKeyRef"]["name"] == "agentflow-load"


def test_the_kind_values_fit_the_chart() -> None:
    chart = helm.Chart.load(ROOT / "helm" / "agentflow")
    values = yaml.safe_load((K8S / "kind-values.yaml").read_text())
    chart.validate_schema(chart.merge_values(values))
    assert chart.render(values, name="agentflow", namespace="agentflow")


def test_prometheus_adapter_serves_the_hpas_custom_metrics() -> None:
    adapter = yaml.safe_load((K8S / "prometheus-adapter-values.yaml").read_text())
    served = {rule["name"]["as"] for rule in adapter["rules"]["custom"]}
    values = yaml.safe_load((ROOT / "helm" / "agentflow" / "values.yaml").read_text())
    wanted = {svc["autoscaling"]["customMetric"]["name"]
              for svc in values["services"].values()
              if svc["autoscaling"].get("enabled") and svc["autoscaling"].get("customMetric")}
    assert wanted == served
