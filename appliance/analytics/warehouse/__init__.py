"""``analytics.duckdb``: the file's owner, its schema, sessions, rollups, retention."""
