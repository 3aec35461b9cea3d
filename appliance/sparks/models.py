"""SparkEvent: the single source of truth for what a spark is."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, create_model

BOARD_SIZE = 512
MAX_GROW_SECONDS = 60.0

ColorChannel = Annotated[float, Field(ge=0, le=1)]
"""One colour channel, 0..1."""


class SparkEvent(BaseModel):
    """A spark at (x, y) on the 512×512 board.

    - ``x``, ``y``: integers 0..511 (from the URL path).
    - ``color``: 3 or 4 numbers in 0..1 — red, green, blue and an optional alpha.
    - ``radius``: > 0 and ≤ 512 board pixels, the size the spark grows to.
    - ``transparency``: 0 (opaque) .. 1 (invisible); multiplies with the colour's alpha.
    - ``time_to_grow``: ≥ 0 and ≤ 60 seconds to grow from nothing to ``radius``.

    Unknown fields are rejected; JSON types are strict (``"0.5"`` is not a number).
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    x: int = Field(ge=0, lt=BOARD_SIZE, description="Column, 0..511.")
    y: int = Field(ge=0, lt=BOARD_SIZE, description="Row, 0..511.")
    color: list[ColorChannel] = Field(
        min_length=3, max_length=4, description="[r, g, b] or [r, g, b, a], each 0..1."
    )
    radius: float = Field(gt=0, le=BOARD_SIZE, description="Final radius in pixels, (0, 512].")
    transparency: float = Field(ge=0, le=1, description="0 opaque .. 1 invisible.")
    time_to_grow: float = Field(
        ge=0, le=MAX_GROW_SECONDS, description="Seconds to grow to full radius, 0..60."
    )


# The wire shapes around a spark, for the API's documentation (platform/openapi.py): the body
# is the spark without its position, which comes from the path.
SparkBody = create_model(
    "SparkBody",
    __config__=ConfigDict(**SparkEvent.model_config, defer_build=True),
    __doc__="The body of ``POST /api/<x>/<y>``: the spark without its position.",
    **{
        name: (info.annotation, info)
        for name, info in SparkEvent.model_fields.items()
        if name not in ("x", "y")
    },  # type: ignore[call-overload]
)
BoardPosition = create_model(
    "BoardPosition",
    __config__=ConfigDict(defer_build=True),
    __doc__="A cell of the board, from the path.",
    **{name: (int, SparkEvent.model_fields[name]) for name in ("x", "y")},  # type: ignore[call-overload]
)


class SparkErrors(BaseModel):
    """A refused spark: every offending field with its messages (``body`` for the body as a
    whole, ``rate`` for the rate limit)."""

    model_config = ConfigDict(defer_build=True)  # for the API's documentation only

    errors: dict[str, list[str]]
