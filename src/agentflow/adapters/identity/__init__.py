"""IdentityStore adapters: SQLite (embedded) and Redis (distributed)."""
