"""The ``agentflow`` command: serve, mcp, agent, ingestion, orchestrator, monitor, ingest, ask, eval,
admin, openapi."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError
from starlette.types import ASGIApp

from agentflow.cli.admin import add_admin_commands
from agentflow.cli.evaluate import add_eval_commands
from agentflow.domain.errors import AgentFlowError
from agentflow.settings import Settings


def _settings(args: argparse.Namespace) -> Settings | None:
    """Settings from the environment and the flags, or ``None`` (reported) when unsafe."""
    from agentflow.observability.logging import configure_logging

    overrides: dict[str, object] = {"host": args.host, "port": args.port}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        print(f"agentflow: invalid settings: {exc}", file=sys.stderr)
        return None
    configure_logging(settings.log_level, json=settings.log_json)
    try:
        settings.check_safe_to_serve()
    except AgentFlowError as exc:
        print(f"agentflow: {exc.detail}", file=sys.stderr)
        return None
    return settings


def _run_server(args: argparse.Namespace, what: str, path: str,
                build: Callable[[Settings], ASGIApp]) -> int:
    """Settings from the flags, the safety check, a banner, then uvicorn until stopped."""
    import uvicorn

    settings = _settings(args)
    if settings is None:
        return 2
    label = f"AgentFlow {what}".rstrip()
    print(f"{label} is starting on http://{settings.host}:{settings.port}{path}  "
          f"(data in {settings.data_dir.resolve()})", flush=True)
    uvicorn.run(build(settings), host=settings.host, port=settings.port, log_config=None,
                access_log=False, timeout_graceful_shutdown=10)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from agentflow.gateway.app import create_app

    return _run_server(args, "", "/", create_app)  # the web console is at the root


def _mcp(args: argparse.Namespace) -> int:
    from agentflow.mcp.app import create_mcp_app

    return _run_server(args, "MCP server", "/mcp", create_mcp_app)


def _agent(args: argparse.Namespace) -> int:
    from agentflow.agent_service.service import create_agent_service
    from agentflow.domain.messages import AgentName

    name = AgentName(args.name)
    return _run_server(args, f"{name.value} agent", f"/a2a/{name.value}",
                       lambda settings: create_agent_service(settings, name))


def _ingestion(args: argparse.Namespace) -> int:
    from agentflow.ingestion_service.app import create_ingestion_app

    return _run_server(args, "ingestion actors", "", create_ingestion_app)


def _orchestrator(args: argparse.Namespace) -> int:
    from agentflow.orchestrator.app import create_orchestrator_app

    return _run_server(args, "orchestrator", "", create_orchestrator_app)


def _monitor(args: argparse.Namespace) -> int:
    from agentflow.monitor.app import create_monitor_app

    return _run_server(args, "monitor", "/v1/monitor/snapshot", create_monitor_app)


def _ingest(args: argparse.Namespace) -> int:
    from agentflow.cli.ingest import ingest_paths

    return ingest_paths(args.url, [Path(p) for p in args.paths], wait=args.wait,
                        timeout_s=args.timeout)


def _ask(args: argparse.Namespace) -> int:
    from agentflow.cli.ask import ask

    return ask(args.url, args.question, top_k=args.top_k, conversation_id=args.conversation,
               timeout_s=args.timeout)


def _openapi(args: argparse.Namespace) -> int:
    import json

    from agentflow.gateway.app import create_app

    document = json.dumps(create_app().openapi(), indent=2, sort_keys=True) + "\n"
    if args.out is None:
        sys.stdout.write(document)
    else:
        args.out.write_text(document)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="agentflow", description="AgentFlow multi-agent RAG.")
    commands = root.add_subparsers(dest="command", required=True)
    for name, run, port, text in (
            ("serve", _serve, 8000, "run the embedded server"),
            ("mcp", _mcp, 8001, "run the MCP server alone (/mcp)"),
            ("ingestion", _ingestion, 8002, "run the ingestion actors (behind Dapr)"),
            ("orchestrator", _orchestrator, 8003, "run the Dapr workflow worker"),
            ("monitor", _monitor, 8004, "run the monitoring agent (behind Dapr pub/sub)")):
        server = commands.add_parser(name, help=text)
        server.add_argument("--host", default="127.0.0.1")
        server.add_argument("--port", type=int, default=port)
        server.add_argument("--data-dir", type=Path, default=None,
                            help="state directory (default: $AGENTFLOW_DATA_DIR or ./data)")
        server.set_defaults(run=run)
    agent = commands.add_parser("agent", help="run one agent as a service (A2A over Dapr)")
    agent.add_argument("name", choices=["retrieval", "synthesis", "citation"])
    agent.add_argument("--host", default="127.0.0.1")
    agent.add_argument("--port", type=int, default=8010)
    agent.add_argument("--data-dir", type=Path, default=None)
    agent.set_defaults(run=_agent)
    ingest = commands.add_parser("ingest", help="upload PDFs to a running server")
    ingest.add_argument("paths", nargs="+", help="PDF files or folders of PDFs")
    ingest.add_argument("--url", default="http://127.0.0.1:8000")
    ingest.add_argument("--wait", action="store_true", help="wait until each is ready or failed")
    ingest.add_argument("--timeout", type=float, default=1800.0)
    ingest.set_defaults(run=_ingest)
    ask = commands.add_parser("ask", help="ask a running server; the answer streams in")
    ask.add_argument("question")
    ask.add_argument("--url", default="http://127.0.0.1:8000")
    ask.add_argument("--top-k", type=int, default=5)
    ask.add_argument("--conversation", default=None, help="conversation id of a follow-up")
    ask.add_argument("--timeout", type=float, default=60.0)
    ask.set_defaults(run=_ask)
    add_eval_commands(commands)
    add_admin_commands(commands)
    openapi = commands.add_parser("openapi", help="print the OpenAPI document of the HTTP API")
    openapi.add_argument("--out", type=Path, default=None)
    openapi.set_defaults(run=_openapi)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
