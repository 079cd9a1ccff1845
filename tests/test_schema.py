"""The published JSON Schema is generated from the model and matches the data."""

from __future__ import annotations

import json

import jsonschema
import pytest

from generator.source.load import DATA_DIR, DEFAULT_FRAMEWORK, OPTIONAL_FILES, available_versions
from generator.source.schema import FILE_RECORDS, all_schemas
from generator.source.yaml_reader import load_yaml


def test_published_schema_is_current():
    for name, schema in all_schemas().items():
        published = json.loads((DATA_DIR / "schema" / name).read_text(encoding="utf-8"))
        assert published == schema, f"data/schema/{name} is stale: run `python -m generator schema`"


@pytest.mark.parametrize("version", available_versions())
def test_data_files_satisfy_schema(version):
    folder = DATA_DIR / "frameworks" / DEFAULT_FRAMEWORK
    for name in FILE_RECORDS:
        path = folder / "roles.yaml" if name == "roles.yaml" else folder / version / name
        if name in OPTIONAL_FILES and not path.exists():
            continue
        schema = all_schemas()[name.replace(".yaml", ".schema.json")]
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(load_yaml(path).data, schema)


def test_schema_rejects_unknown_keys():
    schema = all_schemas()["matrix.schema.json"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"columns": ["a"], "rows": {}, "extra": 1}, schema)


def test_the_schema_command_replaces_a_planted_symlink_instead_of_writing_through_it(tmp_path, capsys):
    from generator.cli import main

    outside = tmp_path / "outside.json"
    outside.write_text("keep me")
    out = tmp_path / "schemas"
    out.mkdir()
    name = next(iter(all_schemas()))
    (out / name).symlink_to(outside)
    assert main(["schema", "--out", str(out)]) == 0
    assert outside.read_text() == "keep me"
    assert json.loads((out / name).read_text()) == all_schemas()[name] and not (out / name).is_symlink()
    (tmp_path / "linked").symlink_to(out)
    with pytest.raises(SystemExit) as usage:  # the folder typed is a symlink: wrong usage
        main(["schema", "--out", str(tmp_path / "linked")])
    assert usage.value.code == 2
    assert "is a symbolic link" in capsys.readouterr().err
