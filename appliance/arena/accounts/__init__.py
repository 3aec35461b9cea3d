"""Arena accounts: registration, login and its cookie, users' pages, bans as they bear on a
request (codincod-contract.md §2, §3.1, §3.2)."""
