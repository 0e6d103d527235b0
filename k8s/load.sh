#!/usr/bin/env bash
# Locust against AgentFlow on kind (after `make kind-up`): an admin key for the load, the 10-Qs
# copied onto the uploads volume, the Locust Job, its summary. USERS/DURATION override the Job's.
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER=${CLUSTER:-agentflow}
NAMESPACE=${NAMESPACE:-agentflow}
PDFS=${PDFS:-../shared/data/pdfs/real/sec10q}

docker build -t agentflow-load:dev -f docker/locust.Dockerfile .
kind load docker-image agentflow-load:dev --name "$CLUSTER"

gateway=$(kubectl -n "$NAMESPACE" get pod -l app.kubernetes.io/component=gateway -o name | head -1)
key=$(kubectl -n "$NAMESPACE" exec "$gateway" -c gateway -- \
  agentflow admin create-key --tenant default --role user | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
kubectl -n "$NAMESPACE" create secret generic agentflow-load --from-literal=apiKey="$key" \
  --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$NAMESPACE" exec "$gateway" -c gateway -- mkdir -p /data/load
for pdf in "$PDFS"/*.pdf; do
  kubectl -n "$NAMESPACE" cp "$pdf" "${gateway#pod/}:/data/load/$(basename "$pdf")" -c gateway
done

kubectl -n "$NAMESPACE" delete job agentflow-locust --ignore-not-found
kubectl -n "$NAMESPACE" apply -f k8s/locust-job.yaml
kubectl -n "$NAMESPACE" wait --for=condition=complete --timeout=15m job/agentflow-locust || true
kubectl -n "$NAMESPACE" logs job/agentflow-locust
