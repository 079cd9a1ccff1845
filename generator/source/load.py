"""Load the framework data: read, check against the schema, cross-check, join."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import model, values
from generator.model import DEFAULT_FRAMEWORK
from generator.problems import InputError, Problem
from generator.source import assemble, passed
from generator.source.schema import FILE_RECORDS, REFERENCE_FILE, REFERENCE_RECORD, SLUG, from_raw
from generator.source.yaml_reader import Document, YamlError, load_yaml

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
OPTIONAL_FILES = ("guidance.yaml", "mappings.yaml", "components.yaml")
NAME_KEYS = ("name", "short_name")  # keys whose text becomes a heading, header or label
_VERSION = re.compile(r"^\d+(\.\d+)*$")
SLUG_NAME = re.compile(SLUG)


# Files already read and checked in this command: (path, schema, record type) -> (document, problems, record).
Reads = dict[tuple[Path, str, type], tuple[Document | None, list[Problem], Any]]


@dataclass(frozen=True)
class Sources:
    """Where one framework version's files are."""

    version_dir: Path
    roles_file: Path


def available_frameworks(data_dir: Path = DATA_DIR) -> list[str]:
    """Return the framework ids in `data_dir` (folders of frameworks/), the default first, then by name."""
    root = data_dir / "frameworks"
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and SLUG_NAME.match(p.name)) if root.is_dir() else []
    return sorted(names, key=lambda n: n != DEFAULT_FRAMEWORK)


def available_versions(data_dir: Path = DATA_DIR, framework: str | None = None) -> list[str]:
    """Return a framework's versions in `data_dir` (default: the default framework's), oldest first."""
    root = data_dir / "frameworks" / (framework or DEFAULT_FRAMEWORK)
    names = [p.name for p in root.iterdir() if p.is_dir() and _VERSION.match(p.name)] if root.is_dir() else []
    return sorted(names, key=lambda v: tuple(int(x) for x in v.split(".")))


def previous_version(version: str, data_dir: Path = DATA_DIR, framework: str | None = None) -> str | None:
    """Return the version of a framework published before `version` in `data_dir`, if any."""
    versions = available_versions(data_dir, framework)
    older = versions[: versions.index(version)] if version in versions else []
    return older[-1] if older else None


def load_previous(
    framework: model.Framework, data_dir: Path = DATA_DIR, reads: Reads | None = None
) -> model.Framework | None:
    """Load the version published before `framework`'s in `data_dir`; None for the first version."""
    before = previous_version(framework.info.version, data_dir, framework.info.id)
    return load_framework(data_dir, before, framework.info.id, reads) if before else None


def load_with_previous(
    data_dir: Path = DATA_DIR, version: str | None = None, framework: str | None = None
) -> tuple[model.Framework, model.Framework | None]:
    """Load a version and the one published before it; the files both use (roles, reference lists) are read once."""
    reads: Reads = {}
    loaded = load_framework(data_dir, version, framework, reads)
    return loaded, load_previous(loaded, data_dir, reads)


def sources(data_dir: Path = DATA_DIR, version: str | None = None, framework: str | None = None) -> Sources:
    """Locate the files of a framework's version (the newest when none is given)."""
    framework = framework or DEFAULT_FRAMEWORK
    root = data_dir / "frameworks" / framework
    if not root.is_dir():
        known = ", ".join(available_frameworks(data_dir)) or "none"
        raise InputError(
            [Problem(data_dir / "frameworks", None, "", f"framework {framework!r} not found; known: {known}")]
        )
    versions = available_versions(data_dir, framework)
    if not versions:
        raise InputError([Problem(root, None, "", "no framework version folders; add one such as 1.0.0/")])
    if version is None:
        version = versions[-1]
    elif version not in versions:
        raise InputError(
            [
                Problem(
                    root, None, "", f"version {version} of {framework} not found; expected one of {', '.join(versions)}"
                )
            ]
        )
    return Sources(root / version, root / "roles.yaml")


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
    data_dir: Path = DATA_DIR, version: str | None = None, framework: str | None = None, reads: Reads | None = None
) -> model.Framework:
    """Load and check one version of a framework (default: the default one); raise InputError listing every problem.

    `reads` holds the files an earlier load of the same command read and checked, by path; a
    file found there is not read again, and the files this load reads are added to it.
    """
    src = sources(data_dir, version, framework)
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
    joined, cross_problems = assemble.join(records, docs)
    if cross_problems or joined is None:
        raise InputError(cross_problems)
    folder = src.version_dir.parent.name
    if joined.info.id != folder:
        message = f"id {joined.info.id!r} differs from its folder frameworks/{folder}/; make them the same"
        raise InputError([docs["framework.yaml"].problem(("id",), message)])
    return joined


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
