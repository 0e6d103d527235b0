"""Adapters implementing the ports; chosen only by ``agentflow.runtime.container``."""
