"""sparse adapters."""
