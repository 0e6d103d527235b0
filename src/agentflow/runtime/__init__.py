"""Composition: the container that wires adapters to ports."""
