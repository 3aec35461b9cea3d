"""Public share links (analytics-api.md 11.5): the read side behind a share id."""
