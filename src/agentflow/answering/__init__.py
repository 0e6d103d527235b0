"""Answering questions: validation, records, conversations, and the query workflow's start."""
