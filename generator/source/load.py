"""Load the framework data: read, check against the schema, cross-check, join."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from generator import model
from generator.problems import InputError, Problem
from generator.source import assemble
from generator.source.schema import FILE_RECORDS, PATTERN_HINTS, file_schema, from_raw
from generator.source.yaml_reader import Document, YamlError, load_yaml

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
OPTIONAL_FILES = ("guidance.yaml",)
_VERSION = re.compile(r"^\d+(\.\d+)*$")


@dataclass(frozen=True)
class Sources:
    """Where one framework version's files are."""

    version_dir: Path
    roles_file: Path


def available_versions(data_dir: Path = DATA_DIR) -> list[str]:
    """Return the framework versions in `data_dir`, oldest first."""
    root = data_dir / "frameworks"
    names = [p.name for p in root.iterdir() if p.is_dir() and _VERSION.match(p.name)] if root.is_dir() else []
    return sorted(names, key=lambda v: tuple(int(x) for x in v.split(".")))


def previous_version(version: str, data_dir: Path = DATA_DIR) -> str | None:
    """Return the version published before `version` in `data_dir`, if any."""
    versions = available_versions(data_dir)
    older = versions[: versions.index(version)] if version in versions else []
    return older[-1] if older else None


def sources(data_dir: Path = DATA_DIR, version: str | None = None) -> Sources:
    """Locate the files of a version (the newest when none is given)."""
    versions = available_versions(data_dir)
    if not versions:
        raise InputError(
            [Problem(data_dir / "frameworks", None, "", "no framework version folders; add one such as 1.1.0/")]
        )
    if version is None:
        version = versions[-1]
    elif version not in versions:
        raise InputError(
            [
                Problem(
                    data_dir / "frameworks",
                    None,
                    "",
                    f"version {version} not found; expected one of {', '.join(versions)}",
                )
            ]
        )
    return Sources(data_dir / "frameworks" / version, data_dir / "roles.yaml")


def load_framework(data_dir: Path = DATA_DIR, version: str | None = None) -> model.Framework:
    """Load and check one framework version; raise InputError listing every problem."""
    src = sources(data_dir, version)
    problems: list[Problem] = []
    paths = {name: src.version_dir / name for name in FILE_RECORDS if name != "roles.yaml"}
    paths["roles.yaml"] = src.roles_file
    docs: dict[str, Document] = {}
    records: dict[str, Any] = {}
    for name, path in paths.items():
        if name in OPTIONAL_FILES and not path.exists():
            continue
        try:
            docs[name] = load_yaml(path)
        except YamlError as exc:
            problems.extend(exc.problems)
            continue
        schema_problems = schema_check(docs[name], name)
        problems.extend(schema_problems)
        if not schema_problems:
            records[name] = from_raw(FILE_RECORDS[name], docs[name].data)
    if problems or len(records) < len(docs):
        raise InputError(problems)
    framework, cross_problems = assemble.join(records, docs)
    if cross_problems or framework is None:
        raise InputError(cross_problems)
    return framework


def schema_check(doc: Document, file_name: str, schema: dict | None = None) -> list[Problem]:
    """Check a document against its file's JSON Schema, one problem per error."""
    validator = jsonschema.Draft202012Validator(schema or file_schema(file_name))
    problems = []
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(doc.problem(tuple(error.absolute_path), _describe(error)))
    return problems


def _describe(error: jsonschema.ValidationError) -> str:
    kind, value = error.validator, error.instance
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        return f"missing key {', '.join(missing)}; add it"
    if kind == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {}))
        extra = [k for k in value if k not in error.schema.get("properties", {})]
        return f"unknown key {', '.join(extra)}; expected only {allowed}"
    if kind == "type":
        return f"found {_json_type(value)} {value!r:.60}, expected {error.validator_value}"
    if kind == "pattern":
        hint = PATTERN_HINTS.get(error.validator_value, f"text matching {error.validator_value}")
        return f"found {value!r}, expected {hint}"
    if kind == "minLength":
        return "found empty text, expected a value"
    return error.message


def _json_type(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", bool: "true/false"}.get(
        type(value), "a value"
    )
