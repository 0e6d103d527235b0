"""Quality evaluation through the real ingestion and query paths (``agentflow eval``)."""
