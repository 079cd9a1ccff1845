"""Document control of an organisation's edition: version, status, issue date, next review, read back
from every format; the dates' rules; bad input refused in one run, naming file, line and key."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

import docx
import openpyxl
import pypdf
import pytest

from generator.cli import main
from generator.dates import add_months
from generator.edition import Edition, make_edition
from generator.org.branding import Branding, DocumentControl
from generator.org.profile import OrgFile, load_profile, text_fields
from generator.pipeline import build, build_time
from generator.template_context import template_context

DATED = """\
name: Acme Ltd
file_prefix: acme
colours: {primary: "#7A1F5C", accent: "#1B998B"}
document_control:
  owner: Head of AI Risk
  version: "2.3"
  status: Approved
  issue_date: 2026-05-31
  review_cycle_months: 9
"""
UNDATED = "name: Acme Ltd\nfile_prefix: acme\ndocument_control: {review_cycle_months: 11}\n"


def profile(tmp_path, text: str):
    folder = tmp_path / "acme"
    folder.mkdir(exist_ok=True)
    (folder / "org.yaml").write_text(text, encoding="utf-8")
    return folder


def policy_facts(document) -> dict[str, str]:
    """The Document control table: item -> value."""
    for table in document.tables:
        if table.rows[0].cells[0].text == "Item":
            return {row.cells[0].text: row.cells[1].text for row in table.rows[1:]}
    raise AssertionError("no document control table")


def about_facts(path) -> dict[str, str]:
    sheet = openpyxl.load_workbook(path)["About"]
    return {str(a): str(b) for a, b in sheet.iter_rows(max_col=2, values_only=True) if a and b}


@pytest.fixture(scope="module")
def dated_edition(tmp_path_factory, framework):
    tmp = tmp_path_factory.mktemp("dated")
    edition = make_edition(framework, load_profile(profile(tmp, DATED), framework), only=["docx", "xlsx", "pdf"])
    build(edition, tmp / "out")
    return tmp / "out"


def test_the_policy_carries_version_status_issue_date_and_next_review(dated_edition):
    document = docx.Document(dated_edition / "acme-policy.docx")
    facts = policy_facts(document)
    assert facts["Version"] == "2.3"
    assert facts["Status"] == "Approved"
    assert facts["Issued"] == facts["Effective from"] == "2026-05-31"
    assert facts["Next review due"] == "2027-02-28"  # nine months on, the short month's last day
    assert facts["Document owner"] == "Head of AI Risk"
    cover = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert cover["Document version"] == "2.3" and cover["Date"] == "2026-05-31" and cover["Status"] == "Approved"
    footer = " ".join(p.text for s in document.sections for p in s.footer.paragraphs)
    assert "Version 2.3, 2026-05-31" in footer
    history = next(t for t in document.tables if t.rows[0].cells[0].text == "Version")
    assert [c.text for c in history.rows[1].cells][:2] == ["2.3", "2026-05-31"]
    assert history.rows[1].cells[3].text.startswith("Version 2.3, adopted")
    props = document.core_properties
    assert (props.version, props.content_status) == ("2.3", "Approved")
    assert props.created == datetime(2026, 5, 31, tzinfo=UTC)
    assert document.styles["Heading 1"].font.color.rgb == docx.shared.RGBColor.from_string("7A1F5C")


def test_the_workbook_carries_them_on_its_about_sheet(dated_edition):
    facts = about_facts(dated_edition / "acme-raci.xlsx")
    assert facts["Document version"] == "2.3"
    assert facts["Status"] == "Approved"
    assert facts["Issued"] == "2026-05-31"
    assert facts["Next review due"] == "2027-02-28"
    assert facts["Version"] == "1.1.0"  # the framework's version stays what it was
    sheet = openpyxl.load_workbook(dated_edition / "acme-raci.xlsx")["Matrix"]
    assert sheet["A1"].fill.fgColor.rgb.endswith("7A1F5C")


def test_the_poster_carries_them_in_its_footer(dated_edition):
    text = pypdf.PdfReader(dated_edition / "acme-poster.pdf").pages[0].extract_text()
    assert "Version 2.3, Approved · Issued 2026-05-31 · Next review due 2027-02-28" in text


def test_oscal_metadata_is_the_editions_document_with_the_framework_version_kept(tmp_path, framework):
    edition = make_edition(framework, load_profile(profile(tmp_path, DATED), framework), only=["oscal"])
    build(edition, tmp_path / "out")
    metadata = json.loads((tmp_path / "out" / "acme-oscal-catalog.json").read_text())["catalog"]["metadata"]
    assert metadata["version"] == "2.3"
    assert metadata["published"] == "2026-05-31T00:00:00Z"
    props = {p["name"]: p["value"] for p in metadata["props"]}
    assert props["framework-version"] == "1.1.0"
    assert props["document-status"] == "Approved"
    assert props["next-review"] == "2027-02-28"


def test_an_undated_edition_is_dated_the_day_sources_date_epoch_gives(tmp_path, framework, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2027, 3, 31, 15, 30, tzinfo=UTC).timestamp())))
    edition = make_edition(framework, load_profile(profile(tmp_path, UNDATED), framework), only=["docx"])
    build(edition, tmp_path / "out")
    facts = policy_facts(docx.Document(tmp_path / "out" / "acme-policy.docx"))
    assert facts["Issued"] == "2027-03-31"
    assert facts["Next review due"] == "2028-02-29"  # eleven months on, clamped to February's end
    assert facts["Effective from"] == "[Date of approval]"
    assert (facts["Version"], facts["Status"]) == ("1.0", "Draft for approval")


def test_an_undated_edition_without_an_epoch_is_dated_today(tmp_path, framework, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    edition = make_edition(framework, load_profile(profile(tmp_path, UNDATED), framework), only=["docx"])
    build(edition, tmp_path / "out")
    facts = policy_facts(docx.Document(tmp_path / "out" / "acme-policy.docx"))
    assert facts["Issued"] == datetime.now(UTC).date().isoformat()


def test_an_undated_edition_rebuilds_when_the_day_changes(tmp_path, framework, monkeypatch):
    edition = make_edition(framework, load_profile(profile(tmp_path, UNDATED), framework), only=["docx"])
    out = tmp_path / "out"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2027, 3, 31, 9, tzinfo=UTC).timestamp())))
    assert build(edition, out)
    assert not build(edition, out)  # the same day: up to date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2027, 4, 1, 9, tzinfo=UTC).timestamp())))
    assert build(edition, out)
    assert policy_facts(docx.Document(out / "acme-policy.docx"))["Issued"] == "2027-04-01"


def test_build_time_rules(framework, monkeypatch):
    """Reference: the framework's release date; dated edition: its issue date; undated: today; the epoch wins."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    dated = Branding(organisation="Acme", document_control=DocumentControl(issue_date=date(2026, 2, 1)))
    assert build_time(framework) == build_time(framework, Branding()) == datetime(2025, 9, 26, tzinfo=UTC)
    assert build_time(framework, dated) == datetime(2026, 2, 1, tzinfo=UTC)
    assert build_time(framework, Branding(organisation="Acme")).date() == datetime.now(UTC).date()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    epoch = datetime.fromtimestamp(1800000000, UTC)
    assert build_time(framework) == build_time(framework, dated) == epoch
    assert DocumentControl(issue_date=date(2026, 2, 1)).issued(epoch) == date(2026, 2, 1)  # the given date stays


def test_the_reference_edition_keeps_the_projects_document_control(tmp_path, framework, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    build(Edition(framework, only=("docx",)), tmp_path)
    facts = policy_facts(docx.Document(tmp_path / "ai-security-responsibility-policy.docx"))
    assert facts["Issued"] == framework.info.release_date
    assert facts["Next review due"] == add_months(date.fromisoformat(framework.info.release_date), 12).isoformat()
    assert (facts["Version"], facts["Status"]) == ("1.0", "Draft for approval")
    assert facts["Effective from"] == "[Date of approval]"


def test_every_document_control_field_reaches_the_templates(framework):
    """A field declared once in DocumentControl is in every template's context, with the computed dates."""
    control = DocumentControl(issue_date=date(2026, 1, 31), review_cycle_months=1)
    context = template_context(framework, Branding(organisation="Acme", document_control=control), datetime.now(UTC))
    document = context["document"]
    assert {f.name for f in dataclasses.fields(DocumentControl)} <= set(document)
    assert (document["issued"], document["next_review"]) == ("2026-01-31", "2026-02-28")


@pytest.mark.parametrize("key_path", [k for k, _ in text_fields(OrgFile(name="x"))], ids=".".join)
def test_every_text_field_is_checked_where_it_stands(tmp_path, framework, key_path):
    """A field marked as organisation text is checked without being listed anywhere else."""
    lines = ["name: Acme"] if key_path != ("name",) else []
    value = '"Acme\\u0007Bell"'
    lines += [f"{key_path[0]}: {value}"] if len(key_path) == 1 else [f"{key_path[0]}:", f"  {key_path[1]}: {value}"]
    folder = profile(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(Exception) as info:
        load_profile(folder, framework)
    found = [str(p) for p in info.value.problems]
    assert len(found) == 1 and f"org.yaml:{len(lines)}: {'.'.join(key_path)}: " in found[0]
    assert "control or invisible character" in found[0] or "expected a version" in found[0]


BAD = [
    ("issue_date: 15/01/2026", "issue_date: found '15/01/2026', expected a date as YYYY-MM-DD"),
    ("issue_date: 2026-02-30", "issue_date: found '2026-02-30', which is not a calendar date"),
    ("issue_date: 1975-06-01", "issue_date: 1975-06-01 is before 1980-01-01, which Office files cannot carry"),
    ("issue_date: 2099-01-01", "issue_date: 2099-01-01 is more than a year after today"),
    ("review_cycle_months: 61", "review_cycle_months: expected a number of months from 1 to 60"),
    ("review_cycle_months: 0", "review_cycle_months: expected a number of months from 1 to 60"),
    ('version: "1.1 final"', "version: found '1.1 final', expected a version such as 1.1"),
    ("version: 2", "version: found a number 2, expected string"),
    ("verison: 1.1", "document_control.verison: unknown key 'verison'; did you mean `version`?"),
]


@pytest.mark.parametrize(("line", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_document_control_is_one_line_exit_1_nothing_written(tmp_path, framework, capsys, line, expected):
    folder = profile(tmp_path, f"name: Acme Ltd\ndocument_control:\n  owner: CISO\n  {line}\n")
    out = tmp_path / "out"
    assert main(["build", "--org", str(folder), "--out", str(out)]) == 1
    lines = capsys.readouterr().err.splitlines()
    located = [x for x in lines if "org.yaml:4:" in x]
    assert len(located) == 1 and expected in located[0], lines
    assert "Traceback" not in "\n".join(lines)
    assert not out.exists() or not any(out.rglob("*.docx"))


MANY = """\
name: Acme Ltd
shortname: Acme
colours:
  primary: "#12345"
document_control:
  review_cycle_months: 0
  issue_date: 2026-02-30
  versoin: "1.1"
models_in_use: [saas-ai, quantum-ai]
poster_size: A0
"""


def test_every_problem_of_a_profile_is_reported_in_one_run(tmp_path, framework):
    """Schema problems and the profile's own checks together, each at its own line."""
    with pytest.raises(Exception) as info:
        load_profile(profile(tmp_path, MANY), framework)
    found = [str(p).split("org.yaml:", 1)[1] for p in info.value.problems]
    assert found == [
        "2: shortname: unknown key 'shortname'; did you mean `short_name`?",
        "4: colours.primary: found '#12345', expected a colour as #RRGGBB",
        "6: document_control.review_cycle_months: expected a number of months from 1 to 60",
        "7: document_control.issue_date: found '2026-02-30', which is not a calendar date; "
        "write a real date as YYYY-MM-DD",
        "8: document_control.versoin: unknown key 'versoin'; did you mean `version`?",
        "9: models_in_use[1]: unknown model id 'quantum-ai'; expected one of "
        + ", ".join(m.id for m in framework.models),
        "10: poster_size: found 'A0', expected one of A3, A2, A1, Letter, Tabloid",
    ]


def test_a_check_that_reads_a_refused_part_is_skipped(tmp_path, framework):
    """A role the schema refused is not in the roles, so the overrides naming it are not reported as unknown."""
    text = "name: Acme\nroles:\n  add:\n    - id: board\nraci_overrides: {data-privacy: {board: A}}\n"
    with pytest.raises(Exception) as info:
        load_profile(profile(tmp_path, text), framework)
    assert [str(p).split("org.yaml:", 1)[1] for p in info.value.problems] == [
        "4: roles.add[0]: missing key name, description; add it"
    ]


def test_a_missing_name_does_not_stop_the_other_checks(tmp_path, framework):
    with pytest.raises(Exception) as info:
        load_profile(profile(tmp_path, "short_name: Acme\nposter_size: A0\n"), framework)
    found = [str(p).split("org.yaml:", 1)[1] for p in info.value.problems]
    assert found == [
        "1: missing key name; add it",
        "2: poster_size: found 'A0', expected one of A3, A2, A1, Letter, Tabloid",
    ]
