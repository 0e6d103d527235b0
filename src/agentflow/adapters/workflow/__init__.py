"""workflow adapters."""
