"""Arena puzzles: authoring, the visibility workflow with its validator check, who may read,
edit and delete what, and the sample puzzles (codincod-contract.md §3.4, §6 Puzzle)."""
