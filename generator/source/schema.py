"""JSON Schema of the data files, generated from the record classes of the model."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from generator import model
from generator.problems import Problem
from generator.values import whole_match

if TYPE_CHECKING:
    import jsonschema

    from generator.source.yaml_reader import Document

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
COLOUR = r"^#[0-9A-Fa-f]{6}$"
PATTERN_HINTS = {
    SLUG: "a lower-case slug such as data-privacy",
    ISO_DATE: "a date as YYYY-MM-DD",
    COLOUR: "a colour as #RRGGBB",
}
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# File name -> record class that describes it.
FILE_RECORDS: dict[str, type] = {
    "framework.yaml": model.FrameworkInfo,
    "models.yaml": model.ModelsFile,
    "domains.yaml": model.DomainsFile,
    "matrix.yaml": model.Grid,
    "guidance.yaml": model.Guidance,
    "roles.yaml": model.RolesFile,
}
_PATTERNS = {"id": SLUG, "release_date": ISO_DATE}


@cache
def file_schema(file_name: str) -> dict:
    """Return the JSON Schema of one data file."""
    return record_schema(FILE_RECORDS[file_name], file_name)


def record_schema(cls: type, file_name: str) -> dict:
    """Return the JSON Schema of a file described by record class `cls`."""
    defs: dict[str, dict] = {}
    root = _record_schema(cls, defs)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"https://ai-security-shared-responsibility/schema/{file_name.replace('.yaml', '')}.schema.json",
        "title": file_name,
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def all_schemas() -> dict[str, dict]:
    """Return every data file's schema, keyed by the schema's file name."""
    return {name.replace(".yaml", ".schema.json"): file_schema(name) for name in FILE_RECORDS}


def from_raw(cls: type, data: typing.Any) -> typing.Any:
    """Build a record (or nested value) of type `cls` from schema-valid data."""
    return _convert(cls, data)


def _record_schema(cls: type, defs: dict[str, dict]) -> dict:
    hints = typing.get_type_hints(cls)
    properties, required = {}, []
    for f in dataclasses.fields(cls):
        prop = _type_schema(hints[f.name], defs)
        pattern = f.metadata.get("pattern", _PATTERNS.get(f.name))
        if pattern and prop.get("type") == "string":
            prop["pattern"] = pattern
        if "max_items" in f.metadata:  # a bound on an untrusted list or mapping's length
            prop["maxItems" if prop.get("type") == "array" else "maxProperties"] = f.metadata["max_items"]
        if "doc" in f.metadata:
            prop = {"description": f.metadata["doc"], **prop}
        properties[f.name] = prop
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _type_schema(tp: typing.Any, defs: dict[str, dict]) -> dict:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is str:
        return {"type": "string", "minLength": 1}
    if tp is int:
        return {"type": "integer"}
    if tp is bool:
        return {"type": "boolean"}
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return _type_schema(inner, defs)
    if origin is tuple:
        return {"type": "array", "items": _type_schema(args[0], defs)}
    if origin in (Mapping, dict):
        return {"type": "object", "additionalProperties": _type_schema(args[1], defs)}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if tp.__name__ not in defs:
            defs[tp.__name__] = {}
            defs[tp.__name__] = _record_schema(tp, defs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    raise TypeError(f"no schema for {tp!r}")


def _convert(tp: typing.Any, data: typing.Any) -> typing.Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return None if data is None else _convert(inner, data)
    if origin is tuple:
        return tuple(_convert(args[0], item) for item in data)
    if origin in (Mapping, dict):
        return types.MappingProxyType({k: _convert(args[1], v) for k, v in data.items()})
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _type_hints(tp)
        return tp(**{k: _convert(hints[k], v) for k, v in data.items()})
    return data


@cache
def _type_hints(cls: type) -> dict[str, typing.Any]:
    """Return a record's field types, resolved once per class (every record of a file asks)."""
    return typing.get_type_hints(cls)


def schema_check(doc: Document, file_name: str, schema: dict | None = None) -> list[Problem]:
    """Check a document against its file's JSON Schema, one problem per error."""
    validator = _strict_validator()(schema or file_schema(file_name))
    problems = []
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(doc.problem(tuple(error.absolute_path), _describe(error)))
    return problems


@cache
def _strict_validator() -> type[jsonschema.Draft202012Validator]:
    """Return JSON Schema 2020-12 with `pattern` matched whole; jsonschema is imported on first use,
    so a build's poster process, forked before loading starts, never pays for it."""
    import jsonschema

    def whole_pattern(validator, pattern, instance, schema):
        if isinstance(instance, str) and not whole_match(pattern, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")

    return jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": whole_pattern})


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
    if kind in ("maxItems", "maxProperties"):
        return f"found {len(value):,} entries, more than {error.validator_value:,}; keep the list shorter"
    return error.message


def _json_type(value: typing.Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", bool: "true/false"}.get(
        type(value), "a value"
    )
