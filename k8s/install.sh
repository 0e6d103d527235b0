#!/usr/bin/env bash
# AgentFlow on kind: the cluster, its prerequisites (ingress-nginx, Dapr, the KubeRay operator,
# kube-prometheus-stack with prometheus-adapter for the HPAs' custom metrics, an NFS-backed
# ReadWriteMany class for uploads), the image, and the chart. Needs docker, kind, kubectl, helm.
#   k8s/install.sh            # what `make kind-up` runs
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER=${CLUSTER:-agentflow}
NAMESPACE=${NAMESPACE:-agentflow}
IMAGE=${IMAGE:-agentflow:dev}
DAPR_VERSION=${DAPR_VERSION:-1.16.2}
KUBERAY_VERSION=${KUBERAY_VERSION:-1.4.2}

for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "k8s/install.sh needs $tool" >&2; exit 1; }
done

kind get clusters | grep -qx "$CLUSTER" || kind create cluster --config k8s/kind-config.yaml --name "$CLUSTER"

docker build -t "$IMAGE" --target runtime .
kind load docker-image "$IMAGE" --name "$CLUSTER"

helm repo add ingress-nginx https://kubernetes.github.io/ingress-nginx >/dev/null
helm repo add dapr https://dapr.github.io/helm-charts >/dev/null
helm repo add kuberay https://ray-project.github.io/kuberay-helm >/dev/null
helm repo add prometheus-community https://prometheus-community.github.io/helm-charts >/dev/null
helm repo add nfs-ganesha https://kubernetes-sigs.github.io/nfs-ganesha-server-and-external-provisioner >/dev/null
helm repo update >/dev/null

helm upgrade --install ingress-nginx ingress-nginx/ingress-nginx -n ingress-nginx --create-namespace \
  --set controller.hostPort.enabled=true --set controller.service.type=NodePort \
  --set controller.nodeSelector.ingress-ready=true \
  --set 'controller.tolerations[0].operator=Exists' --wait
helm upgrade --install dapr dapr/dapr -n dapr-system --create-namespace --version "$DAPR_VERSION" --wait
helm upgrade --install kuberay-operator kuberay/kuberay-operator -n kuberay --create-namespace \
  --version "$KUBERAY_VERSION" --wait
helm upgrade --install monitoring prometheus-community/kube-prometheus-stack -n monitoring \
  --create-namespace -f k8s/prometheus-stack-values.yaml --wait
helm upgrade --install prometheus-adapter prometheus-community/prometheus-adapter -n monitoring \
  -f k8s/prometheus-adapter-values.yaml --wait
helm upgrade --install nfs nfs-ganesha/nfs-server-provisioner -n nfs --create-namespace \
  --set storageClass.name=nfs --wait

kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$NAMESPACE" get secret agentflow-tls >/dev/null 2>&1 || {
  openssl req -x509 -nodes -newkey rsa:2048 -days 30 -subj "/CN=agentflow.localtest.me" \
    -keyout /tmp/agentflow-tls.key -out /tmp/agentflow-tls.crt
  kubectl -n "$NAMESPACE" create secret tls agentflow-tls --key /tmp/agentflow-tls.key --cert /tmp/agentflow-tls.crt
}
helm upgrade --install agentflow helm/agentflow -n "$NAMESPACE" -f k8s/kind-values.yaml \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" --wait --timeout 15m
helm test agentflow -n "$NAMESPACE"
echo "AgentFlow: https://agentflow.localtest.me:8443 (self-signed); make kind-load runs Locust in the cluster"
