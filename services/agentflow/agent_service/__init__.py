"""An agent as a service: its A2A endpoint, reached over Dapr service invocation."""
