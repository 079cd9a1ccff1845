"""json_text writes exactly what json.dumps(ensure_ascii=False, indent=2) writes, for every value."""

from __future__ import annotations

import enum
import json

import pytest

from generator import json_text


class Level(enum.IntEnum):
    HIGH = 3


class Text(str):
    pass


VALUES = [
    {},
    [],
    (),
    "",
    'quote " backslash \\ newline \n tab \t é \u2028 \x00',
    0,
    -7,
    10**40,
    True,
    False,
    None,
    [[]],
    {"a": {}},
    {"a": [1, True, None, {"b": "c", "d": []}], "e": ("f", 2)},
    [Level.HIGH, Text("t")],
    {Text("key"): Text("value")},
    [1.5, float("inf")],  # floats: left to json.dumps
    {1: "one", None: "none"},  # keys that are not text: left to json.dumps
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_same_text_as_the_standard_library(value):
    assert json_text.dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("value", [{"a": object()}, [{1j: 1}]])
def test_same_error_as_the_standard_library(value):
    with pytest.raises(TypeError):
        json.dumps(value, ensure_ascii=False, indent=2)
    with pytest.raises(TypeError):
        json_text.dumps(value)


def test_a_circular_reference_is_refused_as_json_refuses_it():
    items: list = []
    items.append(items)
    with pytest.raises(ValueError, match="Circular reference detected"):
        json_text.dumps(items)


def test_the_framework_json_is_written_as_before(build_dir):
    text = next(build_dir.glob("framework.json")).read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"
