"""The shapes code execution speaks, copied from Piston v2 so the arena can proxy a real
Piston's answers unchanged and the local sandbox answers the same way (contract §3.6, §8)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Runtime(BaseModel):
    """One entry of Piston's ``GET /api/v2/runtimes``; the local sandbox reports the same."""

    model_config = ConfigDict(extra="ignore")

    language: str
    version: str
    aliases: list[str] = Field(default_factory=list)
    runtime: str | None = None

    def answers_to(self, name: str) -> bool:
        """Whether a client's language name picks this runtime (its name or an alias)."""
        return self.language == name or name in self.aliases


class Stage(BaseModel):
    """One stage (``run`` or ``compile``) of an execution, as Piston reports it.

    ``output`` is stdout and stderr interleaved in the order the program wrote them. ``code``
    is None when the program was killed by a signal; ``signal`` is then its name (e.g.
    "SIGKILL"). Newer Pistons add ``message`` and ``status`` (e.g. "TO" time limit, "OL"/"EL"
    stdout/stderr cut); extra fields a real Piston sends are kept so a proxy loses nothing.
    """

    model_config = ConfigDict(extra="allow")

    stdout: str = ""
    stderr: str = ""
    output: str = ""
    code: int | None = None
    signal: str | None = None
    message: str | None = None
    status: str | None = None

    def wire(self) -> dict[str, object]:
        """The stage as Piston sends it (``message``/``status`` left out when unset)."""
        stage = self.model_dump()
        for key in ("message", "status"):
            if stage[key] is None:
                del stage[key]
        return stage


class RunResult(BaseModel):
    """Piston's answer to ``POST /api/v2/execute``: ``compile`` only for compiled languages."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    language: str
    version: str
    run: Stage | None = None
    compile_: Stage | None = Field(default=None, alias="compile")

    def wire(self) -> dict[str, object]:
        """The answer as Piston puts it on the wire: ``compile`` only when there was one,
        ``code`` and ``signal`` always (null when unset), ``message``/``status`` when set."""
        answer = self.model_dump(by_alias=True, exclude={"run", "compile_"})
        for key, stage in (("run", self.run), ("compile", self.compile_)):
            if stage is not None:
                answer[key] = stage.wire()
        return answer


class TestOutcome(BaseModel):
    """One test of a batch: its run and whether it matched the expected output (§8)."""

    __test__ = False  # not a pytest class

    passed: bool
    result: RunResult


class TestSummary(BaseModel):
    """CodinCod's ``puzzleResultInformation``: the §8 aggregation over a batch of tests."""

    __test__ = False

    result: Literal["success", "error"]
    successRate: float
    passed: int
    failed: int
    total: int
    tests: list[TestOutcome] = Field(default_factory=list, exclude=True)
