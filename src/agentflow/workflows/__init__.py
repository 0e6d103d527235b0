"""Workflows (deterministic generators) and their activities (typed I/O)."""
