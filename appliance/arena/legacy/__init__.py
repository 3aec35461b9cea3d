"""``sparkhouse arena import-legacy DIR``: a CodinCod MongoDB export into the arena's tables.

One file per collection, named as Mongoose names them (``users.json``, ``puzzles.json``, …;
a missing file is an empty collection), each ``mongoexport``'s JSON lines or one JSON array,
in Extended JSON read by pymongo's ``bson.json_util`` (``reader.py``). Each document becomes
its rows (``mapping.py``: the two data migrations of CodinCod included — old ``roles[]``
arrays become one role, language strings become language rows), written in one transaction
with its children and its entry in ``arena_legacy_ids`` (``importer.py``), so a bad document
never leaves half a row and never stops the run, and a second run skips everything it wrote.
Ids are kept (24-hex), so old links keep working.

The arena's contexts are not used: an import writes rows as they are, with their own dates
and ids, which no service call does. Run it while the server is stopped (the data dir's lock
is taken: a running server makes it refuse). Nothing here loads until the command runs
(``command.py`` imports the rest lazily): the CLI's other commands do not pay for it.
"""
