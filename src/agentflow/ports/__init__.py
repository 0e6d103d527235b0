"""Ports: small async protocols typed with domain models, one per file.

Every port has an in-process adapter in ``agentflow.adapters``; ``agentflow.runtime.container``
is the only place that chooses which adapter serves a port.
"""
