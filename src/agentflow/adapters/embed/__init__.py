"""embed adapters."""
