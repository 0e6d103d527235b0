#!/bin/sh
# AgentFlow container entry point: the first argument names the service.
#   gateway | orchestrator | ingestion | mcp | monitor | retrieval | synthesis | citation
#   ray ...        (a Ray head or worker: the rest goes to `ray`, e.g. `ray start --head --block`)
#   anything else  is run as given (e.g. `agentflow admin create-tenant acme`)
# AGENTFLOW_HOST / AGENTFLOW_PORT choose the bind address (0.0.0.0:8000 in the image).
# AGENTFLOW_ENTRYPOINT_DRY_RUN=1 prints the command instead of running it (tests).
set -eu

service="${1:-gateway}"
[ "$#" -gt 0 ] && shift
host="${AGENTFLOW_HOST:-0.0.0.0}"
port="${AGENTFLOW_PORT:-8000}"
bind="--host $host --port $port"

case "$service" in
    gateway)                         set -- agentflow serve $bind "$@" ;;
    orchestrator|ingestion|mcp|monitor) set -- agentflow "$service" $bind "$@" ;;
    retrieval|synthesis|citation)    set -- agentflow agent "$service" $bind "$@" ;;
    ray)                             set -- ray "$@" ;;
    *)                               set -- "$service" "$@" ;;
esac

if [ "${AGENTFLOW_ENTRYPOINT_DRY_RUN:-0}" = "1" ]; then
    echo "$@"
    exit 0
fi
exec "$@"
