"""Schema checks remembered: unchanged data that passed is not checked again; problems are never remembered."""

from __future__ import annotations

import sys

import pytest

from generator.model import DEFAULT_FRAMEWORK
from generator.source import passed, schema
from generator.source.load import DATA_DIR
from generator.source.yaml_reader import Document, load_yaml

ROLES = DATA_DIR / "frameworks" / DEFAULT_FRAMEWORK / "roles.yaml"


@pytest.fixture
def checks(tmp_path, monkeypatch) -> list[str]:
    """The files jsonschema checks, with the user's cache in a fresh folder."""
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    checked: list[str] = []
    original = schema.schema_check
    monkeypatch.setattr(schema, "schema_check", lambda doc, name: checked.append(name) or original(doc, name))
    return checked


def test_data_that_passed_is_not_checked_again(checks):
    doc = load_yaml(ROLES)
    assert passed.schema_check(doc, "roles.yaml") == []
    assert passed.schema_check(load_yaml(ROLES), "roles.yaml") == []
    assert checks == ["roles.yaml"]
    changed = Document(ROLES, {**doc.data, "roles": doc.data["roles"][:1]})
    assert passed.schema_check(changed, "roles.yaml") == []
    assert checks == ["roles.yaml", "roles.yaml"]


def test_problems_are_found_every_time(checks):
    broken = Document(ROLES, {**load_yaml(ROLES).data, "unknown": 1})
    for _ in range(2):
        assert [p.message for p in passed.schema_check(broken, "roles.yaml")] == [
            "unknown key 'unknown'; expected one of roles, raci"
        ]
    assert checks == ["roles.yaml", "roles.yaml"]


def test_a_key_1_is_not_the_key_1_as_text():
    doc = load_yaml(ROLES)
    as_text = Document(ROLES, {**doc.data, "1": "x"})
    as_number = Document(ROLES, {**doc.data, 1: "x"})
    assert passed._key(as_text, "roles.yaml") != passed._key(as_number, "roles.yaml")
