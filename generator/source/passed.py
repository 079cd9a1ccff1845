"""Data files that passed their schema check, remembered so that unchanged data is not checked again.

Checking the framework's files against their JSON Schemas imports jsonschema (0.04 s) and took
about 0.05 s more of every build, for the framework and its previous version. A file that
passes leaves a mark in the user's cache folder (`user_cache`): an empty file named by a SHA-256
over the checked data, the schema, the code that checks it (this package's schema module and
`values`) and the versions of jsonschema and referencing. The next check of the same data
against the same schema by the same code finds the mark and passes without jsonschema.
Problems are never remembered: a file that fails is checked, and reported, every time.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from generator import user_cache, values
from generator.problems import Problem
from generator.source import schema
from generator.source.yaml_reader import Document

LIBRARIES = ("jsonschema", "referencing")


def schema_check(doc: Document, file_name: str) -> list[Problem]:
    """`schema.schema_check`, passing at once data that passed the same check before."""
    folder = user_cache.folder("passed")
    mark = None if folder is None else folder / _key(doc, file_name)
    if mark is not None and mark.is_file():
        return []
    problems = schema.schema_check(doc, file_name)
    if not problems and mark is not None:
        user_cache.write(mark, b"")
    return problems


def _key(doc: Document, file_name: str) -> str:
    # repr, not JSON: it tells a key 1 from a key "1" (the data is dicts, lists, text, integers, booleans and None).
    checked = repr((doc.data, schema.file_schema(file_name))).encode("utf-8", "surrogatepass")
    return hashlib.sha256(_checker() + checked).hexdigest()


@cache
def _checker() -> bytes:
    """What decides a check besides the data and the schema: the checking code and the libraries' versions."""
    from importlib import metadata  # imported by the build process only, after the poster's process forks

    digest = hashlib.sha256()
    for module in (schema, values):
        digest.update(Path(module.__file__ or "").read_bytes())
    for name in LIBRARIES:
        digest.update(f"{name}={metadata.version(name)};".encode())
    return digest.digest()
