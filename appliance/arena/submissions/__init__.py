"""Arena submissions: a player's code judged on every validator of a puzzle and kept with its
result, read back by those who may, and a user's activity (codincod-contract.md §3.7, §3.2,
§8). Games link submissions later (``game_id``)."""
