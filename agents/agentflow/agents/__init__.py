"""The agents (retrieval, synthesis, citation, monitoring) and their prompts.

A subpackage of the ``agentflow`` namespace, never a top-level ``agents`` package: that name
belongs to the OpenAI Agents SDK.
"""
