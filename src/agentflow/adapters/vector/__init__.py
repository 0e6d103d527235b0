"""vector adapters."""
