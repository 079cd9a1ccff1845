"""JSON Schema of the data files, generated from the record classes of the model."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import difflib
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
VERSION = r"^[0-9A-Za-z]+([.-][0-9A-Za-z]+)*$"  # a document version; release file names carry it
PATTERN_HINTS = {
    SLUG: "a lower-case slug such as data-privacy",
    ISO_DATE: "a date as YYYY-MM-DD",
    COLOUR: "a colour as #RRGGBB",
    VERSION: "a version such as 1.1 or 2.0-rc1 (letters and digits joined by dots or hyphens)",
}
MAX_PRUNING_ROUNDS = 40  # deeper than any valid nesting (yaml_reader.MAX_DEPTH), so every error is reached
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# File name -> record class that describes it.
FILE_RECORDS: dict[str, type] = {
    "framework.yaml": model.FrameworkInfo,
    "models.yaml": model.ModelsFile,
    "domains.yaml": model.DomainsFile,
    "matrix.yaml": model.Grid,
    "guidance.yaml": model.Guidance,
    "roles.yaml": model.RolesFile,
    "mappings.yaml": model.MappingsFile,
    "components.yaml": model.ComponentsFile,
}
# A reference framework's ids (data/references/<id>.yaml): one schema for every such file.
REFERENCE_FILE = "reference.yaml"
REFERENCE_RECORD = model.Reference
_PATTERNS = {"id": SLUG, "release_date": ISO_DATE, "relationship": "^(" + "|".join(model.RELATIONSHIPS) + ")$"}


@cache
def file_schema(file_name: str) -> dict:
    """Return the JSON Schema of one data file."""
    return record_schema(REFERENCE_RECORD if file_name == REFERENCE_FILE else FILE_RECORDS[file_name], file_name)


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
    return {name.replace(".yaml", ".schema.json"): file_schema(name) for name in (*FILE_RECORDS, REFERENCE_FILE)}


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
    if tp is datetime.date:
        return {"type": "string", "pattern": ISO_DATE, "format": "date"}
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
    if tp is datetime.date:
        return datetime.date.fromisoformat(data)
    return data


@cache
def _type_hints(cls: type) -> dict[str, typing.Any]:
    """Return a record's field types, resolved once per class (every record of a file asks)."""
    return typing.get_type_hints(cls)


def schema_check(doc: Document, file_name: str, schema: dict | None = None) -> list[Problem]:
    """Check a document against its file's JSON Schema, one problem per error (per unknown key)."""
    errors = schema_errors(doc.data, schema or file_schema(file_name))
    return [doc.problem(key_path, message) for key_path, message in errors]


def schema_errors(data: typing.Any, schema: dict) -> list[tuple[tuple, str]]:
    """Return the key path and description of every schema error; an unknown key is located at itself."""
    validator = _strict_validator()(schema)
    found: list[tuple[tuple, str]] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list(error.schema.get("properties", {}))
            found += [((*path, key), _unknown_key(key, known)) for key in error.instance if key not in known]
        elif (path, _describe(error)) not in found:  # jsonschema reports each missing key; one line names them all
            found.append((path, _describe(error)))
    return found


def valid_part(data: dict, schema: dict, placeholders: dict) -> dict | None:
    """Return a copy of a mapping without its invalid parts, so the checks that do not depend on them can run.

    A wrong value or unknown key is dropped where it stands; a list with a wrong item, or a record
    missing a key, is dropped whole; a required top-level key missing takes its placeholder.
    Return None when nothing valid is left to check.
    """
    data = copy.deepcopy(data)
    for _ in range(MAX_PRUNING_ROUNDS):
        errors = schema_errors(data, schema)
        if not errors:
            return data
        for path, _message in errors:
            while path and isinstance(path[-1], int):
                path = path[:-1]
            if not path:
                missing = {key: value for key, value in placeholders.items() if key not in data}
                if not missing:
                    return None
                data = {**missing, **data}
                continue
            parent: typing.Any = data
            for key in path[:-1]:
                parent = parent.get(key) if isinstance(parent, dict) else None
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
    return None


def _unknown_key(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`?" if close else f"expected one of {', '.join(known)}"
    return f"unknown key {key!r}; {hint}"


@cache
def _strict_validator() -> type[jsonschema.Draft202012Validator]:
    """Return JSON Schema 2020-12 with `pattern` matched whole; jsonschema is imported on first use,
    so a build's poster process, forked before loading starts, never pays for it."""
    import jsonschema

    def whole_pattern(validator, pattern, instance, schema):
        if isinstance(instance, str) and not whole_match(pattern, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")

    def calendar_date(validator, format, instance, schema):
        if format == "date" and isinstance(instance, str) and whole_match(ISO_DATE, instance):
            try:
                datetime.date.fromisoformat(instance)
            except ValueError:
                yield jsonschema.ValidationError(f"{instance!r} is not a date")

    checks = {"pattern": whole_pattern, "format": calendar_date}
    return jsonschema.validators.extend(jsonschema.Draft202012Validator, checks)


def _describe(error: jsonschema.ValidationError) -> str:
    kind, value = error.validator, error.instance
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        return f"missing key {', '.join(missing)}; add it"
    if kind == "type":
        return f"found {_json_type(value)} {value!r:.60}, expected {error.validator_value}"
    if kind == "pattern":
        hint = PATTERN_HINTS.get(error.validator_value, f"text matching {error.validator_value}")
        return f"found {value!r}, expected {hint}"
    if kind == "format":
        return f"found {value!r}, which is not a calendar date; write a real date as YYYY-MM-DD"
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
