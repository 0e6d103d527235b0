"""Domain models of AgentFlow: plain pydantic types shared by ports, workflows and services.

The domain imports nothing but pydantic and the standard library.
"""
