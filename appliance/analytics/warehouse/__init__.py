"""``analytics.duckdb``: database.py owns the file (open, close, the writer thread and the
reader pool with its deadlines); schema.py holds its tables and migrations; batches.py stores a
flush batch, whose sessions sessions.py assigns; rollup_levels.py defines the rollup tables and
rollups.py keeps them in step with the events, counts.py the count tables of two of them;
retention.py deletes old data and a website's;
seed.py writes synthetic traffic; transactions.py wraps a write in one transaction."""
