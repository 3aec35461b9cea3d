"""The arena's TypeScript types (``appliance/arena/typegen.py``, issue 20): the committed
``dashboard/src/pages/arena/api-types.ts`` is what the generator writes now (else: run
``make types``), every pydantic model of the arena's contracts is exported or listed as
internal, every named union of literals is exported, and the command explains a missing
generator. The two tests that generate need node and the dashboard's npm packages (``make test``
installs them; without them they fail, never skip)."""

from __future__ import annotations

import difflib
import importlib
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from appliance.arena import typegen

ROOT = Path(__file__).resolve().parents[2]
ARENA = ROOT / "appliance" / "arena"
CONTRACTS = sorted(
    [*ARENA.glob("**/models.py"), ARENA / "wire.py", ARENA / "docs.py", ARENA / "games/events.py"]
)
"""The modules whose models are the arena's contracts."""


def contract_modules() -> list[typing.Any]:
    names = [".".join(path.relative_to(ROOT).with_suffix("").parts) for path in CONTRACTS]
    return [importlib.import_module(name) for name in names]


def generated() -> str:
    """A fresh generation; without node or the npm generator this fails (never skips), so a
    machine that cannot check the committed copy does not pass as if it had."""
    try:
        return typegen.typescript()
    except typegen.GeneratorMissing as missing:
        pytest.fail(f"cannot check {typegen.DEST}: {missing} (make test installs both)")


@pytest.mark.node  # runs the npm generator (make test-fast skips it)
def test_the_committed_types_are_the_generated_ones() -> None:
    fresh = generated()
    committed_file = ROOT / typegen.DEST
    committed = committed_file.read_text(encoding="utf-8") if committed_file.is_file() else ""
    if committed != fresh:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    fresh.splitlines(keepends=True),
                    str(typegen.DEST) + " (committed)",
                    "generated",
                )
            )[:60]
        )
        pytest.fail(f"{typegen.DEST} is out of date: run `make types` and commit it\n{diff}")


@pytest.mark.node  # runs the npm generator (make test-fast skips it)
def test_the_output_is_deterministic() -> None:
    assert generated() == generated()


def test_every_contract_model_is_exported_or_internal() -> None:
    exported = set(typegen.exported_models())
    internal = set(typegen.INTERNAL)
    assert not exported & internal, "a model is both exported and internal"
    missing = [
        f"{model.__module__}.{model.__qualname__}"
        for model in typegen.models_of(contract_modules())
        if model not in exported and model not in internal
    ]
    assert not missing, (
        "add these to appliance/arena/typegen.py: REQUESTS / ANSWERS, or INTERNAL with why: "
        + ", ".join(missing)
    )


def test_every_named_literal_is_an_exported_enum() -> None:
    exported = {tuple(typegen.enum_values(kind)) for kind in typegen.ENUMS.values()}
    missing = [
        f"{module.__name__}.{name}"
        for module in contract_modules()
        for name, value in vars(module).items()
        if typing.get_origin(value) is typing.Literal
        and tuple(str(v) for v in typing.get_args(value)) not in exported
    ]
    assert not missing, f"add these to typegen.ENUMS: {', '.join(missing)}"


def test_names_and_references_in_the_file() -> None:
    text = (ROOT / typegen.DEST).read_text(encoding="utf-8")
    assert text.startswith("// GENERATED FILE")
    assert typegen.COMMAND in text
    for name in ["PuzzleDto", "PuzzlePage", "RegisterBody", "GameUpdate", "ArenaChannels"]:
        assert f"export interface {name} " in text, name
    for name in typegen.ENUMS:
        assert f"export type {name} =" in text, name
    # enum fields are typed by the enum's name, never as a copy ("Difficulty1")
    assert "  difficulty: Difficulty;" in text
    assert "Difficulty1" not in text and "GameMode1" not in text


def test_a_missing_generator_is_explained(tmp_path: Path) -> None:
    with pytest.raises(typegen.GeneratorMissing, match="make dashboard"):
        typegen.typescript(tmp_path)
    # no node on the PATH: the command exits 2 saying what to run
    env = {**os.environ, "PATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "appliance", "arena", "gen-types", "--dest", str(tmp_path / "t.ts")],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "make dashboard" in done.stderr
    assert not (tmp_path / "t.ts").exists()
