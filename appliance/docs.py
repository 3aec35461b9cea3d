"""Rewrite the README's settings table from the settings model (``make docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

from appliance.settings import markdown_table

START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def with_settings_table(readme: str) -> str:
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{markdown_table()}{END}{after}"


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(with_settings_table(path.read_text()))


if __name__ == "__main__":
    main()
