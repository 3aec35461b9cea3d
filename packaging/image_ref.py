#!/usr/bin/env python3
"""The image reference docker-compose.yml must name, and the drift check of it.

The expected reference is ``ghcr.io/<owner>/<repo>:latest`` (lower case, as GHCR wants), the
image that .github/workflows/image.yml pushes from main. ``<owner>/<repo>`` comes from, first
found: $GITHUB_REPOSITORY (GitHub Actions), the ``origin`` remote when it is on GitHub, or
``[tool.sparkhouse] image`` in pyproject.toml (this repository has no remote yet).

    python3 packaging/image_ref.py expected   # print the expected reference
    python3 packaging/image_ref.py check      # exit 1 when docker-compose.yml drifted

Used by `make test` (tests/packaging/test_compose.py) and by the workflow's drift job; needs
PyYAML.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "sparkhouse"
_GITHUB = re.compile(
    r"^(?:https://(?:[^@/]+@)?github\.com/|git@github\.com:|ssh://git@github\.com/)"
    r"(?P<repo>[\w.-]+/[\w.-]+?)(?:\.git)?/?$"
)


def github_repository(url: str) -> str | None:
    """``owner/repo`` of a GitHub remote URL (https or ssh), else None."""
    match = _GITHUB.match(url.strip())
    return match["repo"] if match else None


def origin_url(root: Path) -> str | None:
    try:
        answer = subprocess.run(  # noqa: S603 - fixed argv, git from PATH
            ["git", "-C", str(root), "remote", "get-url", "origin"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return answer.stdout.strip() if answer.returncode == 0 else None


def configured_image(root: Path) -> str:
    data = tomllib.loads((root / "pyproject.toml").read_text())
    image = data.get("tool", {}).get("sparkhouse", {}).get("image")
    if not isinstance(image, str) or not image.startswith("ghcr.io/"):
        raise SystemExit("pyproject.toml: [tool.sparkhouse] image = 'ghcr.io/<owner>/<repo>'")
    return image


def expected(root: Path = ROOT) -> tuple[str, str]:
    """The expected reference and where owner/repo came from."""
    repository = os.environ.get("GITHUB_REPOSITORY")
    source = "$GITHUB_REPOSITORY"
    if not repository:
        url = origin_url(root)
        repository = github_repository(url) if url else None
        source = f"git remote origin ({url})"
    if repository:
        return f"ghcr.io/{repository.lower()}:latest", source
    return f"{configured_image(root).lower()}:latest", "[tool.sparkhouse] image in pyproject.toml"


def compose_image(root: Path = ROOT) -> str:
    import yaml  # only the check needs it

    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    try:
        return str(compose["services"][SERVICE]["image"])
    except (KeyError, TypeError):
        raise SystemExit(f"docker-compose.yml has no services.{SERVICE}.image") from None


def check(root: Path = ROOT) -> list[str]:
    """Problems found; empty when docker-compose.yml names the expected image."""
    want, source = expected(root)
    have = compose_image(root)
    problems = []
    if have != want:
        problems.append(
            f"docker-compose.yml: services.{SERVICE}.image is {have!r}, expected {want!r} "
            f"(owner/repo from {source})"
        )
    config = f"{configured_image(root).lower()}:latest"
    if config != want:
        problems.append(
            f"pyproject.toml: [tool.sparkhouse] image gives {config!r}, the repository is "
            f"{want!r} (from {source}): update it"
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["expected", "check"])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    args = parser.parse_args(argv)
    if args.command == "expected":
        print(expected(args.root)[0])
        return 0
    problems = check(args.root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"docker-compose.yml names {compose_image(args.root)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
