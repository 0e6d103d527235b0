"""blob adapters."""
