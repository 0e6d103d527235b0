"""extract adapters."""
