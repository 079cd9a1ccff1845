"""Every validation rule, broken on purpose: the message names file, line, key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from generator.model import DEFAULT_FRAMEWORK
from generator.problems import InputError
from generator.source.load import load_framework

FW = "frameworks/ai-security-shared-responsibility"
V = f"{FW}/1.1.0"


def edit(data: Path, relative: str, old: str, new: str, count: int = 1) -> None:
    path = data / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(data: Path, relative: str, needle: str) -> int:
    lines = (data / relative).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def problems(data: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_framework(data)
    return [str(p) for p in info.value.problems]


def only_problem(data: Path) -> str:
    found = problems(data)
    assert len(found) == 1, found
    return found[0]


def test_the_shipped_data_is_valid(data_copy):
    fw = load_framework(data_copy)
    assert (len(fw.models), len(fw.domains), len(fw.cells)) == (8, 16, 128)


def test_misspelt_level(data_copy):
    edit(
        data_copy,
        f"{V}/matrix.yaml",
        "data-privacy:                     [Shared,",
        "data-privacy:                     [Provder,",
    )
    line = line_of(data_copy, f"{V}/matrix.yaml", "Provder")
    message = only_problem(data_copy)
    assert f"matrix.yaml:{line}: rows.data-privacy[0]:" in message
    assert "found level 'Provder' for saas-ai, expected one of Provider, Customer, Shared, N/A" in message


def test_missing_cell(data_copy):
    edit(
        data_copy,
        f"{V}/matrix.yaml",
        "Customer,   Customer,  Customer]\n  ai-ethics",
        "Customer,   Customer]\n  ai-ethics",
    )
    message = only_problem(data_copy)
    assert "matrix.yaml:6: rows.application-security: found 7 cells, expected 8 (one per column)" in message


def test_missing_row(data_copy):
    path = data_copy / V / "matrix.yaml"
    path.write_text("".join(line for line in path.read_text().splitlines(True) if "incident-response:" not in line))
    assert "rows: domain incident-response has no row; add `incident-response: [...]`" in only_problem(data_copy)


def test_unknown_model_in_matrix(data_copy):
    edit(data_copy, f"{V}/matrix.yaml", "[saas-ai,  paas-ai,", "[saas-ai,  pass-ai,")
    found = problems(data_copy)
    assert any(
        "matrix.yaml:4: columns[1]: unknown model id 'pass-ai'; expected one of saas-ai, paas-ai" in p for p in found
    )
    assert any("columns: model paas-ai has no column; add it" in p for p in found)


def test_unknown_domain_in_matrix(data_copy):
    edit(data_copy, f"{V}/matrix.yaml", "  network-security: ", "  network-securty:  ")
    found = problems(data_copy)
    assert any("rows.network-securty: unknown domain id 'network-securty'" in p for p in found)


def test_critical_marker_on_not_applicable(data_copy):
    edit(data_copy, f"{V}/matrix.yaml", "[N/A,      N/A,", "[N/A*,     N/A,")
    assert "'N/A*': a N/A cell cannot be a critical focus area; remove *" in only_problem(data_copy)


def test_two_accountable_roles(data_copy):
    text = (data_copy / FW / "roles.yaml").read_text()
    row = next(line for line in text.splitlines() if line.strip().startswith("model-security:"))
    broken = row.replace("C", "A", 1)
    edit(data_copy, f"{FW}/roles.yaml", row, broken)
    line = line_of(data_copy, f"{FW}/roles.yaml", broken)
    message = only_problem(data_copy)
    assert (
        f"roles.yaml:{line}: raci.rows.model-security: expected exactly one A (accountable role), found 2: " in message
    )


def test_no_accountable_role(data_copy):
    text = (data_copy / FW / "roles.yaml").read_text()
    row = next(line for line in text.splitlines() if line.strip().startswith("model-security:"))
    edit(data_copy, f"{FW}/roles.yaml", row, row.replace("A", "C"))
    assert "raci.rows.model-security: expected exactly one A (accountable role), found none" in only_problem(data_copy)


def test_wrong_raci_letter(data_copy):
    text = (data_copy / FW / "roles.yaml").read_text()
    row = next(line for line in text.splitlines() if line.strip().startswith("network-security:"))
    edit(data_copy, f"{FW}/roles.yaml", row, row.replace("I", "X", 1))
    assert "found 'X', expected one of R, A, C, I" in only_problem(data_copy)


def test_duplicate_model_id(data_copy):
    edit(data_copy, f"{V}/models.yaml", "id: paas-ai", "id: saas-ai")
    found = problems(data_copy)
    assert any(
        "models.yaml" in p and "models[1]: duplicate id 'saas-ai' (also item 0); make it unique" in p for p in found
    )


def test_duplicate_key(data_copy):
    line = line_of(data_copy, f"{V}/matrix.yaml", "  network-security: ")
    edit(data_copy, f"{V}/matrix.yaml", "  network-security: ", "  data-privacy:     ")
    found = problems(data_copy)
    assert any(f"matrix.yaml:{line}: rows.data-privacy: duplicate key (first at line" in p for p in found)


def test_malformed_yaml(data_copy):
    edit(
        data_copy,
        f"{V}/matrix.yaml",
        "Shared,      Customer,   Shared,    Customer]",
        "Shared,      Customer,   Shared,    Customer",
    )
    edit(data_copy, f"{V}/models.yaml", "models:\n", "models:\n  - id: [unclosed\n")
    found = problems(data_copy)
    assert len(found) == 2
    assert any("matrix.yaml:" in p and "malformed YAML" in p for p in found)
    assert any("models.yaml:" in p and "malformed YAML" in p for p in found)


def test_empty_file(data_copy):
    (data_copy / V / "domains.yaml").write_text("")
    assert only_problem(data_copy).endswith("domains.yaml:1: file is empty; expected a mapping of keys")


def test_missing_file(data_copy):
    (data_copy / V / "models.yaml").unlink()
    assert "models.yaml: file not found; create it or fix the path" in only_problem(data_copy)


def test_alias_refused(data_copy):
    edit(data_copy, f"{V}/matrix.yaml", "rows:\n", "extra: &x [a]\nrows:\n")
    found = problems(data_copy)
    assert any("anchor &x is not allowed" in p for p in found)


def test_unknown_key_and_wrong_type(data_copy):
    edit(data_copy, f"{V}/models.yaml", "    number: 2\n", "    number: two\n    colour: blue\n")
    found = problems(data_copy)
    assert any("models[1].number: found text 'two', expected integer" in p for p in found)
    assert any(":47: models[1].colour: unknown key 'colour'; expected one of id, number, name" in p for p in found)


def test_missing_required_key(data_copy):
    path = data_copy / V / "domains.yaml"
    lines = path.read_text().splitlines(True)
    index = next(i for i, line in enumerate(lines) if line.startswith("    focus:"))
    del lines[index]
    path.write_text("".join(lines))
    assert "domains[0]: missing key focus; add it" in only_problem(data_copy)


def test_bad_slug(data_copy):
    edit(data_copy, f"{V}/framework.yaml", "id: cloud-based", "id: Cloud Based")
    found = problems(data_copy)
    assert any("categories[0].id: found 'Cloud Based', expected a lower-case slug" in p for p in found)


def test_no_becomes_text_not_false(data_copy):
    edit(data_copy, f"{V}/models.yaml", "short_name: SaaS AI", "short_name: NO")
    assert load_framework(data_copy).models[0].short_name == "NO"


def test_all_problems_reported_in_one_run(data_copy):
    edit(data_copy, f"{V}/matrix.yaml", "[Provider, Shared,   Customer", "[Provder,  Shared,   Customer")
    edit(
        data_copy,
        f"{V}/matrix.yaml",
        "[Shared,   Shared,   Shared,   Customer",
        "[Shard,    Shared,   Shared,   Customer",
    )
    edit(data_copy, f"{FW}/roles.yaml", "[C,", "[A,")
    assert len(problems(data_copy)) >= 3


def test_validate_command_exit_codes(data_copy, capsys):
    assert main(["--data", str(data_copy), "validate"]) == 0
    assert (
        "ok: framework ai-security-shared-responsibility 1.1.0: 8 deployment models, 16 security domains, 128 cells"
        in capsys.readouterr().out
    )
    edit(data_copy, f"{V}/matrix.yaml", "[Provider, Shared,   Customer", "[Provder,  Shared,   Customer")
    assert main(["--data", str(data_copy), "validate"]) == 1
    err = capsys.readouterr().err
    assert "error: 1 problem in the input:" in err and "Provder" in err


def test_unknown_version(capsys):
    with pytest.raises(SystemExit) as usage:
        main(["--framework-version", "9.9", "validate"])
    assert usage.value.code == 2
    assert "version 9.9 not found; expected one of 1.0.0, 1.1.0" in capsys.readouterr().err


def test_the_audience_party_must_be_a_party(data_copy):
    # `audience` (default: customer) names whose obligations the formats list.
    edit(data_copy, f"{V}/framework.yaml", "  - id: customer\n", "  - id: client\n")
    found = problems(data_copy)
    assert any("framework.yaml" in p and "audience: unknown party 'customer'; expected one of" in p for p in found)


def test_validate_checks_every_version_and_reports_all_their_problems_at_once(data_copy, capsys):
    edit(data_copy, f"{FW}/1.0.0/matrix.yaml", "[Provider, Shared,   Customer", "[Provder,  Shared,   Customer")
    edit(data_copy, f"{V}/matrix.yaml", "[Provider, Shared,   Customer", "[Providr,  Shared,   Customer")
    edit(data_copy, f"{FW}/roles.yaml", "[C,", "[A,")
    assert main(["--data", str(data_copy), "validate"]) == 1
    err = capsys.readouterr().err
    lines = err.splitlines()[1:]
    assert any("1.0.0/matrix.yaml" in line and "Provder" in line for line in lines)
    assert any("1.1.0/matrix.yaml" in line and "Providr" in line for line in lines)
    roles = [line for line in lines if "roles.yaml" in line]
    assert roles and len(roles) == len(set(roles))  # the shared roles file is reported once, not per version


def test_validate_of_one_version_ignores_the_others(data_copy, capsys):
    edit(data_copy, f"{FW}/1.0.0/matrix.yaml", "[Provider, Shared,   Customer", "[Provder,  Shared,   Customer")
    assert main(["--data", str(data_copy), "--framework-version", "1.1.0", "validate"]) == 0
    assert main(["--data", str(data_copy), "validate"]) == 1
    assert "1.0.0/matrix.yaml" in capsys.readouterr().err


def test_validate_reports_ok_for_each_version(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert f"ok: framework {DEFAULT_FRAMEWORK} 1.0.0:" in out and f"ok: framework {DEFAULT_FRAMEWORK} 1.1.0:" in out
