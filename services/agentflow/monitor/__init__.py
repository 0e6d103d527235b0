"""``agentflow monitor``: the monitoring agent as a service behind Dapr pub/sub."""
