"""Pure ingestion logic: chunking."""
