"""``agentflow orchestrator``: the Dapr workflow worker running both workflows and their
activities."""
