"""Arena languages: the programming languages the configured executor offers, kept in step
with it under stable ids, and ``POST /execute`` (codincod-contract.md §3.6, §3.8, §8).

``service.execution_refusal`` maps an execution failure to CodinCod's error for every route
that runs code (puzzles, submissions import it from here)."""
