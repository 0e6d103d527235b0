"""``agentflow admin``: tenants and API keys, straight on the stores of ``--data-dir`` (or
``REDIS_URL``), also while the server runs. The operator at the console is a platform admin."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from agentflow.auth.admin import IdentityAdmin
from agentflow.domain.errors import AgentFlowError
from agentflow.domain.identity import Principal, Role
from agentflow.domain.tenancy import DEFAULT_TENANT
from agentflow.observability.audit import Auditor
from agentflow.runtime.records import build_records
from agentflow.settings import Settings

OPERATOR = Principal(tenant_id=DEFAULT_TENANT, role=Role.ADMIN, subject="cli", method="cli")


def add_admin_commands(commands: Any) -> None:
    admin = commands.add_parser("admin", help="manage tenants and API keys")
    admin.add_argument("--data-dir", type=Path, default=None)
    actions = admin.add_subparsers(dest="action", required=True)
    tenant = actions.add_parser("create-tenant", help="add a tenant")
    tenant.add_argument("name")
    key = actions.add_parser("create-key", help="create an API key (printed once)")
    key.add_argument("--tenant", required=True)
    key.add_argument("--role", choices=[role.value for role in Role], default=Role.USER.value)
    revoke = actions.add_parser("revoke-key", help="revoke an API key by id")
    revoke.add_argument("id")
    actions.add_parser("list-tenants", help="list the tenants")
    admin.set_defaults(run=run_admin)


def run_admin(args: argparse.Namespace) -> int:
    from agentflow.observability.logging import configure_logging

    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    configure_logging("warning", json=False)  # stdout carries the result (JSON) alone
    try:
        print(json.dumps(asyncio.run(_act(settings, args)), indent=2, default=str))
    except AgentFlowError as error:
        print(f"agentflow admin: {error.detail}", file=sys.stderr)
        return 1
    return 0


async def _act(settings: Settings, args: argparse.Namespace) -> Any:
    records = build_records(settings)
    admin = IdentityAdmin(records.identities, Auditor(records.audit))
    try:
        if args.action == "create-tenant":
            return (await admin.create_tenant(args.name, by=OPERATOR)).model_dump(mode="json")
        if args.action == "create-key":
            secret, record = await admin.create_key(args.tenant, Role(args.role), by=OPERATOR)
            return {**record.model_dump(mode="json", exclude={"key_hash"}), "key": secret,
                    "note": "store this key now: it is not shown again"}
        if args.action == "revoke-key":
            revoked = await admin.revoke_key(args.id, by=OPERATOR)
            return revoked.model_dump(mode="json", exclude={"key_hash"})
        return [t.model_dump(mode="json") for t in await records.identities.list_tenants()]
    finally:
        await records.identities.close()
        await records.audit.close()
        close = getattr(records.catalog, "close", None)
        if close is not None:
            await close()
