"""Batch work shipped to Ray (extraction, embedding); only ``executor.py`` imports ``ray``."""
