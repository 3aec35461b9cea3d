"""Realtime delivery: the broker, the Phoenix Channels socket and SSE streams."""
