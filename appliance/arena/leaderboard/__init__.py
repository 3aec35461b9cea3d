"""The arena's leaderboard: per-game ranking and scores of every mode, Glicko-2 ratings per
mode, the hourly recalculation, and the leaderboard's routes (codincod-contract.md §3.11, §9)."""
