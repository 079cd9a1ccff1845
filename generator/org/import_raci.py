"""`import-raci`: an organisation's RACI, edited in the workbook's RACI sheet, back into its org.yaml.

The RACI sheet is read by its headings and keys, not by position: each row by its `domain_id`
(every domain exactly once), each column by its heading (the roles as the edition names them).
Sorting, filtering, hiding columns and formatting do not matter. Two kinds of edit are imported:
a role column's heading typed over in place (a role rename) and the R/A/C/I letters, in either
case (RACI overrides). Anything else is refused with the sheet, cell and value, and org.yaml is
left as it was: a missing, extra or duplicated column is named once, first, and the checks that
depend on it are skipped. The framework's sheets (the Matrix and the tables of the framework)
are compared with the edition's own: an edited cell there is refused too, named, since it would
not be imported. org.yaml is edited where its values stand (yaml_edit), so every line not changed
stays byte for byte; the result is checked like any profile before it replaces org.yaml
(temp file + os.replace).
"""

from __future__ import annotations

import difflib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path

from generator import locks, model, reader, trust
from generator.model import RACI_LETTERS, Framework
from generator.org import yaml_edit
from generator.org.profile import PROFILE_FILE, OrgFile, Profile, RolesSpec, load_profile
from generator.org.tailor import tailor
from generator.problems import InputError, Problem
from generator.source.yaml_reader import YamlError, load_yaml
from generator.tables import RACI_LEADING, RACI_STATE_LABEL, RACI_TRAILING, raci_state

RACI_SHEET, ABOUT_SHEET = "RACI", "About"
LEADING, TRAILING = RACI_LEADING, RACI_TRAILING
# The framework's sheets, shipped for reading and not imported: an edit there is refused. Not Obligations:
# it is derived from the RACI as it was exported, which an import changes, so it cannot be compared.
READ_ONLY = ("Matrix", "Responsibilities", "Party RACI", "Models", "Domains")
MAX_NAMED = 12  # edited read-only cells named in one line
PROFILE_KEYS = tuple(f.name for f in fields(OrgFile))  # org.yaml's keys in the documented order
ROLES_KEYS = tuple(f.name for f in fields(RolesSpec))
KEY_ORDERS: dict[yaml_edit.KeyPath, tuple[str, ...]] = {(): PROFILE_KEYS, ("roles",): ROLES_KEYS}
MAX_WORKBOOK_BYTES = 20 * 1024 * 1024  # an untrusted file: refuse anything far beyond a RACI workbook's size

STALE = (
    "org.yaml's RACI changed after this workbook was built (another import or an edit), so importing it would undo "
    "that change; build the workbook again (`build --org`) and redo your edits there, or pass --overwrite to make "
    "org.yaml match this workbook"
)

Report = Callable[[str, str], None]


@dataclass(frozen=True)
class Change:
    text: str  # one line a reviewer reads, e.g. "RACI agent-governance / risk-governance: R -> A"


@dataclass(frozen=True)
class ImportResult:
    org_file: Path
    changes: tuple[Change, ...]
    diff: str
    written: bool


def import_raci(
    workbook: Path,
    folder: Path,
    framework: Framework,
    dry_run: bool = False,
    progress: Callable[[str], None] = print,
    overwrite: bool = False,
) -> ImportResult:
    """Read the workbook's RACI sheet into the profile's org.yaml; raise InputError naming every problem.

    The profile folder is held for the whole import, so a second import waits (told so by
    `progress`) and then reads what the first one wrote; org.yaml is replaced only if it still
    holds the bytes that were read, so an editor's save in the meantime is never lost. A workbook
    built before org.yaml's RACI last changed (another import, an edit) is refused unless
    `overwrite`: importing it would silently undo that change.
    """
    if not folder.is_dir():  # load_profile names it; the lock must not create it
        return _import_held(workbook, folder, framework, dry_run, overwrite)
    with locks.holding(folder, "an import into its org.yaml", progress):
        return _import_held(workbook, folder, framework, dry_run, overwrite)


def _import_held(workbook: Path, folder: Path, framework: Framework, dry_run: bool, overwrite: bool) -> ImportResult:
    profile = load_profile(folder, framework)
    edition = tailor(framework, profile)
    names, letters, state = read_raci_sheet(workbook, edition, profile, framework)
    org_file = profile.folder / PROFILE_FILE
    read = trust.read_file(org_file, trust.MAX_TEXT_BYTES)  # load_profile has read and checked it
    original = read.decode("utf-8")
    changes, text = _edit(original, framework, profile, edition, names, letters, org_file)
    diff = "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{org_file} (before)",
            tofile=f"{org_file} (after)",
        )
    )
    if changes and state != raci_state(edition) and not overwrite:
        raise InputError([Problem(workbook, None, f"sheet {ABOUT_SHEET}, {RACI_STATE_LABEL}", STALE)])
    if not changes or dry_run:
        return ImportResult(org_file, tuple(changes), diff, written=False)
    load_profile(profile.folder, framework, text=text)  # refused here, org.yaml untouched, if the edit is invalid
    try:
        locks.replace_if_unchanged(org_file, read, text.encode("utf-8"))
    except locks.ChangedMeanwhile as exc:
        raise InputError([Problem(org_file, None, "", str(exc))]) from None
    return ImportResult(org_file, tuple(changes), diff, written=True)


# --- reading the workbook ------------------------------------------------------


def read_raci_sheet(
    workbook: Path, edition: Framework, profile: Profile, framework: Framework
) -> tuple[dict[str, str], dict[str, dict[str, str]], object]:
    """Return the role names (role id -> heading) and letters (domain id -> role id -> letter) of the sheet,
    and the RACI state its About sheet records (`tables.raci_state` of the edition it was built from)."""
    wb = _open(workbook)  # formulas, not their cached results
    problems: list[Problem] = []

    def report(where: str, message: str) -> None:
        problems.append(Problem(workbook, None, where, message))

    state = _check_about(wb, edition, profile, report)
    _check_read_only(wb, framework, profile, edition, report)
    if RACI_SHEET not in wb.sheetnames:
        report(f"sheet {RACI_SHEET}", f"missing (sheets: {', '.join(wb.sheetnames)}); keep the sheet and its name")
        raise InputError(problems)
    names, letters = _RaciSheet(wb[RACI_SHEET], edition, report).read()
    if problems:
        raise InputError(problems)
    return names, letters, state


def _open(workbook: Path):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:  # the user names the file (a symlink there is followed); its content is untrusted: bounded first
        data = trust.read_file(workbook.resolve(), MAX_WORKBOOK_BYTES, trusted=True)
        reader.check_workbook(data, "workbook")
        return load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    except (trust.Refused, OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        raise InputError(
            [
                Problem(
                    workbook,
                    None,
                    "",
                    f"not an Excel workbook (.xlsx) this tool can read ({reason}); "
                    "give the RACI workbook that `build --org` wrote",
                )
            ]
        ) from None


def _check_about(wb, edition: Framework, profile: Profile, report: Report) -> object:
    """Refuse a workbook of another framework version or another organisation; return its RACI state."""
    if ABOUT_SHEET not in wb.sheetnames:
        report(f"sheet {ABOUT_SHEET}", "missing; the workbook must be the one `build --org` wrote")
        return None
    facts: dict[str, tuple[str, object]] = {}
    for row in wb[ABOUT_SHEET].iter_rows(max_col=2):
        label, value = row[0], row[1] if len(row) > 1 else None
        if isinstance(label.value, str) and label.value not in facts and value is not None:
            facts[label.value] = (value.coordinate, value.value)
    where, version = facts.get("Version", ("B?", None))
    if version != edition.info.version:
        report(
            f"sheet {ABOUT_SHEET}, cell {where}",
            f"framework version {version!r}, expected {edition.info.version!r}; "
            f"export the workbook again from this framework version (or pass --framework-version {version})",
        )
    where, organisation = facts.get("Organisation", ("A?", None))
    expected = profile.branding.organisation
    if organisation != expected:
        found = repr(organisation) if organisation is not None else "none (the reference edition's workbook)"
        report(
            f"sheet {ABOUT_SHEET}, cell {where}",
            f"organisation {found}, expected {expected!r}; import the workbook of this profile's edition",
        )
    return facts.get(RACI_STATE_LABEL, (None, None))[1]


def _check_read_only(wb, framework: Framework, profile: Profile, edition: Framework, report: Report) -> None:
    """Name the cells edited on the sheets that are shipped for reading: they would not be imported.

    Each sheet is compared with the edition's own by heading and by the key in its first column,
    so sorting, filtering and hiding do not count; a deleted sheet, row or column is no edit.
    """
    from generator.edition import make_edition
    from generator.pipeline import render_context
    from generator.renderers.raci_workbook.workbook import make_workbook

    shipped = make_workbook(render_context(make_edition(framework, profile, only=("xlsx",))))
    for title in READ_ONLY:
        if title not in wb.sheetnames or title not in shipped.sheetnames:
            continue
        edited = _edited_cells(wb[title], shipped[title])
        if not edited:
            continue
        sheet = f"'{title}'" if " " in title else title
        named = ", ".join(f"{sheet}!{coordinate}" for coordinate in edited[:MAX_NAMED])
        more = f" and {len(edited) - MAX_NAMED} more" if len(edited) > MAX_NAMED else ""
        report(
            f"sheet {title}",
            f"edited {named}{more}; the {title} sheet is the framework's (version {edition.info.version}) and "
            "is not imported: undo those edits "
            "(or start from a fresh `build --org` workbook) and change only the RACI sheet's letters and role headings",
        )


def _edited_cells(ws, shipped) -> list[str]:
    """Return the coordinates, in sheet order, where `ws` differs from the shipped sheet."""
    rows = list(shipped.iter_rows(values_only=True))
    headings = {h: i for i, h in enumerate(rows[0]) if h is not None}
    by_key = {row[0]: row for row in rows[1:]}
    edited = [c for c in ws[1] if c.value is not None and c.value not in headings]
    columns = {c.value: c.column for c in ws[1] if c.value in headings}
    key_column = columns.get(rows[0][0])
    if key_column is None or len(by_key) != len(rows) - 1:
        return [c.coordinate for c in edited]
    for row in ws.iter_rows(min_row=2):
        if all(c.value in (None, "") for c in row):
            continue
        key = row[key_column - 1] if len(row) >= key_column else None
        expected = by_key.get(key.value if key is not None else None)
        if expected is None:
            edited.append(key if key is not None else row[0])
            continue
        for heading, column in columns.items():
            cell = ws.cell(row[0].row, column)
            if _same(cell.value, expected[headings[heading]]):
                continue
            edited.append(cell)
        edited += [c for c in row if c.value not in (None, "") and ws.cell(1, c.column).value not in headings]
    return [c.coordinate for c in sorted(set(edited), key=lambda c: (c.row, c.column))]


def _same(found: object, shipped: object) -> bool:
    """Compare cell values as a spreadsheet keeps them: an empty text is no value, 3.0 is 3."""
    if isinstance(found, float) and found.is_integer():
        found = int(found)
    return (found if found != "" else None) == (shipped if shipped != "" else None)


class _RaciSheet:
    """The RACI sheet read by headings and domain ids."""

    def __init__(self, ws, edition: Framework, report: Report):
        self.ws, self.edition, self.report = ws, edition, report
        self.columns: dict[str, int] = {}  # a fixed heading (domain_id, ..., check) -> its column
        self.roles: dict[int, model.Role] = {}  # column -> role
        self.names: dict[str, str] = {}  # role id -> heading
        self.complete = True  # every role column once and nothing else: the per-row checks that need it run

    def read(self) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        self.read_headings()
        if "domain_id" not in self.columns:
            return self.names, {}
        return self.names, self.read_rows()

    def at(self, cell) -> str:
        return f"sheet {self.ws.title}, cell {cell.coordinate}"

    def read_headings(self) -> None:
        roles = self.edition.roles
        by_name = {r.name: r for r in roles}
        shipped_at = {len(LEADING) + 1 + i: role for i, role in enumerate(roles)}
        fixed = (*LEADING, TRAILING)
        seen: dict[str, str] = {}
        unknown = []
        for cell in self.ws[1]:
            value = cell.value
            if value is None:
                continue
            if cell.data_type == "f" or not isinstance(value, str) or not value.strip():
                self.report(self.at(cell), f"found {value!r} as a column heading; keep the shipped headings")
                self.complete = False
                continue
            folded = value.casefold()
            if folded in seen:
                self.report(self.at(cell), f"duplicated column {value!r} (also {seen[folded]}); keep one")
                self.complete = False
                continue
            seen[folded] = cell.coordinate
            if value in fixed:
                self.columns[value] = cell.column
            elif value in by_name:
                self.roles[cell.column] = by_name[value]
            else:
                unknown.append(cell)
        placed = {role.id for role in self.roles.values()}
        for cell in unknown:  # a heading typed over in place renames the role shipped there
            role = shipped_at.get(cell.column)
            if role is None or role.id in placed:
                self.report(
                    self.at(cell),
                    f"unknown column {cell.value!r}; add roles in org.yaml (roles.add), not here "
                    "(a role is renamed by typing over its heading in place)",
                )
                self.complete = False
            elif any(ord(ch) < 32 or ord(ch) == 127 for ch in cell.value):
                self.report(self.at(cell), f"role name {cell.value!r} contains line breaks or control characters")
                self.roles[cell.column] = role
                placed.add(role.id)
            else:
                self.roles[cell.column] = role
                self.names[role.id] = cell.value
                placed.add(role.id)
        for role in roles:
            if role.id not in placed:
                self.report(
                    f"sheet {self.ws.title}, row 1",
                    f"no column for role {role.id} ({role.name!r}); hide a column rather than delete it, "
                    "drop roles in org.yaml (roles.drop) and export the workbook again",
                )
                self.complete = False
        for heading in fixed:
            if heading not in self.columns:
                self.report(
                    f"sheet {self.ws.title}, row 1",
                    f"no column {heading!r}; keep the shipped columns (hide a column rather than delete it)",
                )

    def read_rows(self) -> dict[str, dict[str, str]]:
        ws, edition, report = self.ws, self.edition, self.report
        id_column = self.columns["domain_id"]
        check_column = self.columns.get(TRAILING)
        first, last = (min(self.roles), max(self.roles)) if self.roles else (0, 0)
        span = (get_letter(first), get_letter(last)) if self.complete and last - first + 1 == len(self.roles) else None
        known = {d.id for d in edition.domains}
        rows: dict[str, int] = {}
        letters: dict[str, dict[str, str]] = {}
        for row in ws.iter_rows(min_row=2):
            if all(c.value is None for c in row):
                continue
            r = row[0].row
            for cell in row:
                if cell.data_type == "f" and cell.column != check_column:
                    report(self.at(cell), f"holds the formula {cell.value!r}; type plain values only")
            id_cell = ws.cell(r, id_column)
            domain_id = id_cell.value
            if domain_id not in known:
                why = "no domain_id" if domain_id is None else f"unknown domain id {domain_id!r}"
                report(self.at(id_cell), f"{why}; the sheet holds one row per domain, keyed by domain_id")
                continue
            if domain_id in rows:
                report(self.at(id_cell), f"domain {domain_id!r} again (first in row {rows[domain_id]}); keep one row")
                continue
            rows[domain_id] = r
            domain = edition.domain(domain_id)
            for heading, shipped in (("domain_number", domain.number), ("domain_name", domain.name)):
                cell = ws.cell(r, self.columns[heading]) if heading in self.columns else None
                if cell is not None and cell.data_type != "f" and not _same(cell.value, shipped):
                    report(
                        self.at(cell),
                        f"found {cell.value!r} as {domain_id}'s {heading}, expected {shipped!r}; "
                        "domain rows cannot be renamed or renumbered",
                    )
            letters[domain_id] = self.read_letters(r, domain_id)
            if check_column is not None and span is not None:
                self.check_formula(ws.cell(r, check_column), span)
        missing = [d.id for d in edition.domains if d.id not in rows]
        if missing:
            report(
                f"sheet {ws.title}, column {get_letter(id_column)} (domain_id)",
                f"no row for domain {', '.join(map(repr, missing))}; keep every domain row "
                "(filter or hide rows rather than delete them)",
            )
        return letters

    def read_letters(self, r: int, domain_id: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for column, role in sorted(self.roles.items()):
            cell = self.ws.cell(r, column)
            value = cell.value
            if cell.data_type == "f":
                continue  # reported as a formula
            if isinstance(value, str) and value.upper() in RACI_LETTERS:
                found[role.id] = value.upper()
            else:
                self.report(self.at(cell), f"found {value!r} for {domain_id} / {role.id}, expected one of R, A, C, I")
        if self.complete and len(found) == len(self.roles):
            accountable = [self.ws.cell(r, c).coordinate for c, role in sorted(self.roles.items())
                           if found[role.id] == model.ACCOUNTABLE]  # fmt: skip
            if len(accountable) != 1:
                self.report(
                    f"sheet {self.ws.title}, row {r}",
                    f"domain {domain_id} must have exactly one A, found {', '.join(accountable) or 'none'}; "
                    "mark one role A and the others R, C or I",
                )
        return found

    def check_formula(self, cell, span: tuple[str, str]) -> None:
        """The check column computes; it must hold the formula the workbook was built with, for its own row."""
        from generator.renderers.raci_workbook.workbook import check_formula

        expected = check_formula(*span, cell.row)
        if cell.data_type == "f" and str(cell.value).replace("$", "") == expected:
            return
        self.report(
            self.at(cell),
            f"found {cell.value!r}, expected the formula {expected}; the check column computes and is not "
            "imported: undo the edit",
        )


def get_letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


# --- editing org.yaml ----------------------------------------------------------


def _edit(
    text: str,
    framework: Framework,
    profile: Profile,
    edition: Framework,
    names: dict[str, str],
    letters: dict[str, dict[str, str]],
    org_file: Path,
) -> tuple[list[Change], str]:
    """Return the changes and the new org.yaml text (the same text when nothing changed)."""
    data = load_yaml(org_file, trusted=False, text=text).data
    changes: list[Change] = []
    edits: list[yaml_edit.Set | yaml_edit.Delete] = []
    defaults = {r.id: r.name for r in framework.roles}
    current = {r.id: r.name for r in edition.roles}
    added = [a.get("id") if isinstance(a, dict) else None for a in ((data.get("roles") or {}).get("add") or ())]
    for role_id, name in names.items():
        if name == current[role_id]:
            continue
        changes.append(Change(f"role {role_id} renamed: {current[role_id]!r} -> {name!r}"))
        if role_id in added:
            edits.append(yaml_edit.Set(("roles", "add", added.index(role_id), "name"), name))
        elif name == defaults.get(role_id):  # back to the framework's name: no rename needed
            edits.append(yaml_edit.Delete(("roles", "rename", role_id), keep=1))
        else:
            edits.append(yaml_edit.Set(("roles", "rename", role_id), name))
    base = tailor(framework, replace(profile, raci_overrides={}))
    for row, base_row in zip(edition.raci, base.raci, strict=True):
        found = letters.get(row.domain_id, {})
        for role_id, letter in ((r.id, found[r.id]) for r in edition.roles if r.id in found):
            if letter == row.letters[role_id]:
                continue
            changes.append(Change(f"RACI {row.domain_id} / {role_id}: {row.letters[role_id]} -> {letter}"))
            path = ("raci_overrides", row.domain_id, role_id)
            if letter == base_row.letters[role_id]:  # back to the default: the override goes
                edits.append(yaml_edit.Delete(path, keep=1))
            else:
                edits.append(yaml_edit.Set(path, letter))
    if not changes:
        return changes, text
    try:
        edited = yaml_edit.apply(text, edits, KEY_ORDERS)
        if load_yaml(org_file, trusted=False, text=edited).data != yaml_edit.apply_to_data(data, edits):
            raise yaml_edit.EditError("the edited text does not read as intended")
    except (yaml_edit.EditError, YamlError) as exc:
        raise InputError(
            [
                Problem(
                    org_file,
                    None,
                    "",
                    f"cannot be edited in place ({exc}); make these changes by hand: "
                    + "; ".join(c.text for c in changes),
                )
            ]
        ) from None
    return changes, edited
