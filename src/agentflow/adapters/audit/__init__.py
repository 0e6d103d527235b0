"""AuditLog adapters: SQLite (embedded) and Redis Streams (distributed)."""
