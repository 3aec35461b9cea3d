"""SparkEvent: the rules of a spark, including property-based checks of every range."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.platform.errors import ServiceError
from appliance.sparks.models import SparkEvent
from appliance.sparks.service import path_coordinate

VALID: dict[str, Any] = {
    "color": [0.5, 0.5, 0.5],
    "radius": 10.0,
    "transparency": 0.5,
    "time_to_grow": 1.0,
}


def spark(**changes: Any) -> dict[str, Any]:
    return {"x": 1, "y": 2, **VALID, **changes}


def invalid_fields(data: dict[str, Any]) -> set[str]:
    try:
        SparkEvent.model_validate(data)
    except Exception as exc:  # pydantic.ValidationError
        return {str(error["loc"][0]) for error in exc.errors()}  # type: ignore[attr-defined]
    return set()


unit = st.floats(min_value=0, max_value=1, allow_nan=False)


@given(
    x=st.integers(0, 511),
    y=st.integers(0, 511),
    color=st.lists(unit, min_size=3, max_size=4),
    radius=st.floats(min_value=0, max_value=512, exclude_min=True, allow_nan=False),
    transparency=unit,
    grow=st.floats(min_value=0, max_value=60, allow_nan=False),
)
def test_every_value_inside_the_ranges_is_accepted(
    x: int, y: int, color: list[float], radius: float, transparency: float, grow: float
) -> None:
    event = SparkEvent.model_validate(
        {
            "x": x,
            "y": y,
            "color": color,
            "radius": radius,
            "transparency": transparency,
            "time_to_grow": grow,
        }
    )
    assert (event.x, event.y, event.color, event.radius) == (x, y, color, radius)


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=512)))
def test_coordinates_outside_the_board_are_rejected(value: int) -> None:
    assert invalid_fields(spark(x=value)) == {"x"}
    assert invalid_fields(spark(y=value)) == {"y"}


@given(
    st.one_of(
        st.floats(max_value=0, allow_nan=False),
        st.floats(min_value=512, exclude_min=True, allow_nan=False),
    )
)
def test_radius_outside_0_512_is_rejected(value: float) -> None:
    assert invalid_fields(spark(radius=value)) == {"radius"}


@given(
    st.one_of(
        st.floats(max_value=0, exclude_max=True, allow_nan=False),
        st.floats(min_value=1, exclude_min=True, allow_nan=False),
    )
)
def test_unit_ranges_are_enforced(value: float) -> None:
    assert invalid_fields(spark(transparency=value)) == {"transparency"}
    assert invalid_fields(spark(color=[0.5, value, 0.5])) == {"color"}


@given(
    st.one_of(
        st.floats(max_value=0, exclude_max=True, allow_nan=False),
        st.floats(min_value=60, exclude_min=True, allow_nan=False),
    )
)
def test_time_to_grow_outside_0_60_is_rejected(value: float) -> None:
    assert invalid_fields(spark(time_to_grow=value)) == {"time_to_grow"}


@given(st.lists(unit, max_size=8).filter(lambda channels: len(channels) not in (3, 4)))
def test_color_has_three_or_four_channels(channels: list[float]) -> None:
    assert invalid_fields(spark(color=channels)) == {"color"}


@pytest.mark.parametrize("field", ["color", "radius", "transparency", "time_to_grow", "x", "y"])
def test_every_field_is_required(field: str) -> None:
    data = spark()
    del data[field]
    assert invalid_fields(data) == {field}


@pytest.mark.parametrize(
    "changes",
    [
        {"radius": "10"},
        {"transparency": True},
        {"color": "red"},
        {"color": [1, "0", 0]},
        {"x": 1.5},
        {"time_to_grow": None},
    ],
)
def test_json_types_are_strict(changes: dict[str, Any]) -> None:
    assert invalid_fields(spark(**changes)) == set(changes)


def test_unknown_fields_are_rejected() -> None:
    assert invalid_fields(spark(size=3)) == {"size"}


def test_integers_are_accepted_where_numbers_are_expected() -> None:
    event = SparkEvent.model_validate(spark(radius=10, color=[1, 0, 0, 1], time_to_grow=0))
    assert event.radius == 10.0 and event.color == [1.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", 0),
        ("511", 511),
        ("-1", -1),
        ("+7", 7),
        ("abc", "abc"),
        ("1.5", "1.5"),
        ("1e3", "1e3"),
        ("", ""),
        ("99999999999999999999", "99999999999999999999"),
    ],
)
def test_path_coordinates_become_integers_only_when_they_are(raw: str, expected: int | str) -> None:
    assert path_coordinate(raw) == expected


def test_service_refuses_coordinates_in_the_body() -> None:
    from appliance.platform.realtime.broker import Broker
    from appliance.sparks.service import SparkService
    from appliance.sparks.settings import SparksSettings

    service = SparkService(Broker(), SparksSettings(), [])
    with pytest.raises(ServiceError) as refused:
        service.validate("1", "2", {**VALID, "x": 5})
    assert refused.value.status == 400
    assert [problem.field for problem in refused.value.problems] == ["x"]


@pytest.mark.parametrize(
    "raw", ["0", "511", "007", "+1", "-1", "12\n", "١٢", "²", "1" * 9, "1" * 10, "", "a", "1 "]
)
def test_a_path_coordinate_is_what_the_integer_pattern_makes_of_it(raw: str) -> None:
    from appliance.sparks.service import _INTEGER

    expected = int(raw) if _INTEGER.match(raw) else raw
    found = path_coordinate(raw)
    assert found == expected and type(found) is type(expected)
