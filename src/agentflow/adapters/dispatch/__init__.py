"""IngestionDispatch adapters (the in-process queue lives in ``agentflow.ingestion.queue``)."""
