"""Arena preferences: one record per account — preferred language, theme, blocked users, the
code editor's settings (codincod-contract.md §3.3, §6 Preferences)."""
