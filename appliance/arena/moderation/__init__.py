"""Arena reports and moderation: reports by anyone signed in, the review queues, puzzle
verdicts, report decisions with their escalation, bans, and the audit log
(codincod-contract.md §3.9, §3.10, §10). Bans themselves are the accounts context's (it
checks them on every request); their HTTP is here."""
