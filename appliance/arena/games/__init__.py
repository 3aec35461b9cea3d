"""Live games (issue 19): waiting rooms in memory, games persisted with their players, chat and
linked submissions, server-side timers, per-game standings (``scoring.py``), and the Phoenix
Channels door (``channels.py``: ``waiting_room:lobby``, ``game:<id>``) over one door-agnostic
service (``service.py``)."""
