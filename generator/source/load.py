"""Load the framework data: read, check against the schema, cross-check, join."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import model, values
from generator.problems import InputError, Problem
from generator.source import assemble, passed
from generator.source.schema import FILE_RECORDS, REFERENCE_FILE, REFERENCE_RECORD, SLUG, from_raw
from generator.source.yaml_reader import Document, YamlError, load_yaml

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
OPTIONAL_FILES = ("guidance.yaml", "mappings.yaml")
NAME_KEYS = ("name", "short_name")  # keys whose text becomes a heading, header or label
_VERSION = re.compile(r"^\d+(\.\d+)*$")


# Files already read and checked in this command: (path, schema, record type) -> (document, problems, record).
Reads = dict[tuple[Path, str, type], tuple[Document | None, list[Problem], Any]]


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


def load_previous(
    framework: model.Framework, data_dir: Path = DATA_DIR, reads: Reads | None = None
) -> model.Framework | None:
    """Load the version published before `framework`'s in `data_dir`; None for the first version."""
    before = previous_version(framework.info.version, data_dir)
    return load_framework(data_dir, before, reads) if before else None


def load_with_previous(
    data_dir: Path = DATA_DIR, version: str | None = None
) -> tuple[model.Framework, model.Framework | None]:
    """Load a version and the one published before it; the files both use (roles, reference lists) are read once."""
    reads: Reads = {}
    framework = load_framework(data_dir, version, reads)
    return framework, load_previous(framework, data_dir, reads)


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


def text_problems(doc: Document) -> list[Problem]:
    """Check every text value of a data file: names one line and short, all text drawable."""
    problems = []

    def walk(value: Any, key_path: tuple) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*key_path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, (*key_path, i))
        elif isinstance(value, str):
            named = bool(key_path) and key_path[-1] in NAME_KEYS
            problem = values.name_problem(value) if named else values.text_problem(value)
            if problem:
                problems.append(doc.problem(key_path, problem))

    walk(doc.data, ())
    return problems


def load_framework(
    data_dir: Path = DATA_DIR, version: str | None = None, reads: Reads | None = None
) -> model.Framework:
    """Load and check one framework version; raise InputError listing every problem.

    `reads` holds the files an earlier load of the same command read and checked, by path; a
    file found there is not read again, and the files this load reads are added to it.
    """
    src = sources(data_dir, version)
    problems: list[Problem] = []
    paths = {name: src.version_dir / name for name in FILE_RECORDS if name != "roles.yaml"}
    paths["roles.yaml"] = src.roles_file
    docs: dict[str, Document] = {}
    records: dict[str, Any] = {}
    for name, path in paths.items():
        if name in OPTIONAL_FILES and not path.exists():
            continue
        problems.extend(_read_record(path, name, name, FILE_RECORDS[name], docs, records, reads))
    if "mappings.yaml" in records:
        problems.extend(_load_references(data_dir, records, docs, reads))
    if problems or len(records) < len(docs):
        raise InputError(problems)
    framework, cross_problems = assemble.join(records, docs)
    if cross_problems or framework is None:
        raise InputError(cross_problems)
    return framework


def _load_references(
    data_dir: Path, records: dict[str, Any], docs: dict[str, Document], reads: Reads | None
) -> list[Problem]:
    """Read the reference list of every framework mappings.yaml names into `records` as `references/<id>.yaml`."""
    problems: list[Problem] = []
    for ref_id in records["mappings.yaml"].frameworks:
        name = f"references/{ref_id}.yaml"
        path = data_dir / name
        if not values.whole_match(SLUG, ref_id):
            message = f"found framework {ref_id!r}, expected a lower-case slug naming data/references/<slug>.yaml"
            problems.append(docs["mappings.yaml"].problem(("frameworks", ref_id), message))
            continue
        if not path.is_file():
            message = f"no reference list {name} for framework {ref_id!r}; add it or remove the framework"
            problems.append(docs["mappings.yaml"].problem(("frameworks", ref_id), message))
            continue
        problems.extend(_read_record(path, name, REFERENCE_FILE, REFERENCE_RECORD, docs, records, reads))
    return problems


def _read_record(
    path: Path,
    name: str,
    schema: str,
    record: type,
    docs: dict[str, Document],
    records: dict[str, Any],
    reads: Reads | None = None,
) -> list[Problem]:
    """Read one data file into `docs[name]` and, when its schema and text checks pass, `records[name]`."""
    key = (path, schema, record)
    if reads is not None and key in reads:
        doc, found, value = reads[key]
    else:
        doc, found, value = _read(path, schema, record)
        if reads is not None:
            reads[key] = (doc, found, value)
    if doc is not None:
        docs[name] = doc
    if value is not None:
        records[name] = value
    return list(found)


def _read(path: Path, schema: str, record: type) -> tuple[Document | None, list[Problem], Any]:
    """Read and check one data file: its document (None if unreadable), its problems, and its record if none."""
    try:
        doc = load_yaml(path)
    except YamlError as exc:
        return None, list(exc.problems), None
    found = passed.schema_check(doc, schema) + text_problems(doc)
    return doc, found, None if found else from_raw(record, doc.data)
