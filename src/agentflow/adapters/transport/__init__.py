"""``AgentTransport`` adapters."""
