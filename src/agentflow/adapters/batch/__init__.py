"""batch adapters."""
