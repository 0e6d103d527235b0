"""``agentflow ingestion``: the ingestion actors (one per document) behind Dapr.

Named ``ingestion_service`` because core's ``agentflow.ingestion`` package owns the name.
"""
