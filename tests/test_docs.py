"""The README's settings table is generated from the settings model and must not drift."""

from appliance.docs import with_settings_table
from tests.conftest import ROOT


def test_readme_settings_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme == with_settings_table(readme), "the settings table is stale: run `make docs`"


def test_readme_opens_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text().split("\n## ", 1)[0]
    assert "make run" in head and "make test" in head
