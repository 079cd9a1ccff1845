"""`import-raci`: an organisation's RACI, edited in the workbook's RACI sheet, back into its org.yaml.

The sheet must be exactly as the edition's workbook shipped it (same sheet, columns, domain rows
and order), apart from two kinds of edit: a role column's heading (a role rename) and the R/A/C/I
letters (RACI overrides). Anything else is refused with the sheet, cell and value, and org.yaml is
left as it was. Only what changed is written, through ruamel.yaml's round trip, so the file keeps
its comments, key order and layout; the result is checked like any profile before it replaces
org.yaml (temp file + os.replace).
"""

from __future__ import annotations

import difflib
import io
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from generator import model, reader, trust
from generator.model import RACI_LETTERS, Framework
from generator.org.profile import PROFILE_FILE, OrgFile, Profile, RolesSpec, load_profile
from generator.org.tailor import tailor
from generator.problems import InputError, Problem

RACI_SHEET, ABOUT_SHEET = "RACI", "About"
LEADING = ("domain_number", "domain_id", "domain_name")  # the RACI sheet's columns before the roles
TRAILING = "check"
PROFILE_KEYS = tuple(f.name for f in fields(OrgFile))  # org.yaml's keys in the documented order
ROLES_KEYS = tuple(f.name for f in fields(RolesSpec))
MAX_WORKBOOK_BYTES = 20 * 1024 * 1024  # an untrusted file: refuse anything far beyond a RACI workbook's size
# ruamel.yaml layouts tried in turn; the first that reproduces the unchanged file is used for the edit.
LAYOUTS = ((2, 2, 0), (2, 4, 2), (4, 4, 0), (4, 6, 4), (4, 4, 2), (3, 3, 0))


@dataclass(frozen=True)
class Change:
    text: str  # one line a reviewer reads, e.g. "RACI agent-governance / risk-governance: R -> A"


@dataclass(frozen=True)
class ImportResult:
    org_file: Path
    changes: tuple[Change, ...]
    diff: str
    written: bool


def import_raci(workbook: Path, folder: Path, framework: Framework, dry_run: bool = False) -> ImportResult:
    """Read the workbook's RACI sheet into the profile's org.yaml; raise InputError naming every problem."""
    profile = load_profile(folder, framework)
    edition = tailor(framework, profile)
    names, letters = read_raci_sheet(workbook, edition, profile)
    org_file = profile.folder / PROFILE_FILE
    original = org_file.read_bytes()
    changes, text = _edit(original.decode("utf-8"), framework, profile, edition, names, letters, org_file)
    diff = "".join(
        difflib.unified_diff(
            original.decode("utf-8").splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{org_file} (before)",
            tofile=f"{org_file} (after)",
        )
    )
    if not changes or dry_run:
        return ImportResult(org_file, tuple(changes), diff, written=False)
    load_profile(profile.folder, framework, text=text)  # refused here, org.yaml untouched, if the edit is invalid
    _replace(org_file, text)
    return ImportResult(org_file, tuple(changes), diff, written=True)


# --- reading the workbook ------------------------------------------------------


def read_raci_sheet(
    workbook: Path, edition: Framework, profile: Profile
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Return the role names (role id -> heading) and letters (domain id -> role id -> letter) of the sheet."""
    wb = _open(workbook)
    problems: list[Problem] = []

    def report(where: str, message: str) -> None:
        problems.append(Problem(workbook, None, where, message))

    _check_about(wb, edition, profile, report)
    if RACI_SHEET not in wb.sheetnames:
        report(f"sheet {RACI_SHEET}", f"missing (sheets: {', '.join(wb.sheetnames)}); keep the sheet and its name")
        raise InputError(problems)
    ws = wb[RACI_SHEET]
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                report(_at(cell), f"holds the formula {cell.value!r}; type plain values only")
    names = _read_headings(ws, edition, report)
    letters = _read_rows(ws, edition, report)
    if problems:
        raise InputError(problems)
    return names, letters


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


def _check_about(wb, edition: Framework, profile: Profile, report) -> None:
    """Refuse a workbook of another framework version or another organisation."""
    if ABOUT_SHEET not in wb.sheetnames:
        report(f"sheet {ABOUT_SHEET}", "missing; the workbook must be the one `build --org` wrote")
        return
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


def _read_headings(ws, edition: Framework, report) -> dict[str, str]:
    roles = edition.roles
    headings = [c for c in ws[1]]
    while headings and headings[-1].value is None:
        headings.pop()
    for i, text in enumerate(LEADING):
        if i >= len(headings) or headings[i].value != text:
            found = headings[i].value if i < len(headings) else None
            report(_at(ws.cell(1, i + 1)), f"found {found!r}, expected {text!r}; keep the shipped columns")
    if not headings or headings[-1].value != TRAILING:
        last = headings[-1] if headings else ws.cell(1, 1)
        report(_at(last), f"found {last.value!r} as the last column, expected {TRAILING!r}; keep the shipped columns")
        return {}
    role_cells = headings[len(LEADING) : -1]
    if len(role_cells) != len(roles):
        shipped_names = {r.name for r in roles}
        unknown = [c for c in role_cells if c.value not in shipped_names]
        for cell in unknown if len(role_cells) > len(roles) else ():
            report(_at(cell), f"unknown role column {cell.value!r}; add roles in org.yaml (roles.add), not here")
        report(
            "sheet RACI, row 1",
            f"found {len(role_cells)} role columns, expected the {len(roles)} shipped: "
            f"{', '.join(repr(r.name) for r in roles)}; add or drop roles in org.yaml (roles.add, roles.drop) "
            "and export the workbook again",
        )
        return {}
    names: dict[str, str] = {}
    by_name = {r.name: r for r in roles}
    seen: dict[str, str] = {}
    for cell, role in zip(role_cells, roles, strict=True):
        value = cell.value
        if not isinstance(value, str) or not value.strip():
            report(_at(cell), f"found {value!r}, expected the name of role {role.id} (shipped as {role.name!r})")
            continue
        moved = by_name.get(value)
        if moved is not None and moved.id != role.id:
            report(
                _at(cell),
                f"{value!r} is the column of role {moved.id}, which belongs elsewhere; "
                "keep the role columns in the shipped order",
            )
            continue
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            report(_at(cell), f"role name {value!r} contains line breaks or control characters; use one line")
            continue
        folded = value.casefold()
        if folded in seen:
            report(_at(cell), f"duplicated role column {value!r} (also {seen[folded]}); give each role its own name")
            continue
        seen[folded] = cell.coordinate
        names[role.id] = value
    return names


def _read_rows(ws, edition: Framework, report) -> dict[str, dict[str, str]]:
    roles = edition.roles
    expected = [edition.domain(row.domain_id) for row in edition.raci]
    known = {d.id for d in edition.domains}
    letters: dict[str, dict[str, str]] = {}
    first_letter = len(LEADING) + 1
    for r, domain in enumerate(expected, 2):
        shipped = (domain.number, domain.id, domain.name)
        found = tuple(ws.cell(r, c).value for c in range(1, len(LEADING) + 1))
        if found != shipped:
            if found[1] in known and found[1] != domain.id:
                why = f"holds domain {found[1]!r} where {domain.id!r} was shipped; keep the domain rows in order"
            elif all(v is None for v in found):
                why = f"the row of domain {domain.id!r} is missing; keep every domain row"
            else:
                why = f"found {list(found)!r}, expected {list(shipped)!r}; domain rows cannot be renamed"
            report(f"sheet RACI, row {r}", why)
            continue
        row_letters: dict[str, str] = {}
        for c, role in enumerate(roles, first_letter):
            cell = ws.cell(r, c)
            if cell.value not in RACI_LETTERS:
                report(_at(cell), f"found {cell.value!r} for {domain.id} / {role.id}, expected one of R, A, C, I")
                continue
            row_letters[role.id] = cell.value
        accountable = [ws.cell(r, c).coordinate for c, role in enumerate(roles, first_letter)
                       if row_letters.get(role.id) == model.ACCOUNTABLE]  # fmt: skip
        if len(row_letters) == len(roles) and len(accountable) != 1:
            found_a = ", ".join(accountable) or "none"
            report(
                f"sheet RACI, row {r}",
                f"domain {domain.id} must have exactly one A, found {found_a}; "
                "mark one role A and the others R, C or I",
            )
        letters[domain.id] = row_letters
    last = len(expected) + 1
    for row in ws.iter_rows(min_row=last + 1):
        if any(c.value is not None for c in row):
            report(f"sheet RACI, row {row[0].row}", "unexpected row after the last domain; remove it")
            break
    return letters


def _at(cell) -> str:
    return f"sheet {cell.parent.title}, cell {cell.coordinate}"


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
    yaml = _round_trip(text)
    data = yaml.load(text)
    changes: list[Change] = []
    defaults = {r.id: r.name for r in framework.roles}
    current = {r.id: r.name for r in edition.roles}
    for role_id, name in names.items():
        if name == current[role_id]:
            continue
        changes.append(Change(f"role {role_id} renamed: {current[role_id]!r} -> {name!r}"))
        _rename(data, role_id, name, defaults)
    base = tailor(framework, replace(profile, raci_overrides={}))
    for row, base_row in zip(edition.raci, base.raci, strict=True):
        for role_id, letter in letters.get(row.domain_id, {}).items():
            if letter == row.letters[role_id]:
                continue
            changes.append(Change(f"RACI {row.domain_id} / {role_id}: {row.letters[role_id]} -> {letter}"))
            _set_letter(data, row.domain_id, role_id, letter, base_row.letters[role_id])
    if not changes:
        return changes, text
    out = io.StringIO()
    yaml.dump(data, out)
    return changes, out.getvalue()


def _round_trip(text: str):
    """Return a ruamel.yaml round-tripper whose layout reproduces `text` unchanged."""
    from ruamel.yaml import YAML

    for mapping, sequence, offset in LAYOUTS:
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        out = io.StringIO()
        yaml.dump(yaml.load(text), out)
        if out.getvalue() == text:
            return yaml
    return yaml  # no layout reproduces it exactly; the diff shows what else changed


def _block_map(parent, key: str, order: Sequence[str] = ()):
    """Return parent[key] as a block-style mapping, creating it (or turning `{}` into a block) as needed.

    A new key goes where `order` (the record's field order) puts it among the keys already there,
    not at the end of the file.
    """
    from ruamel.yaml.comments import CommentedMap

    value = parent.get(key)
    if value is None:
        value = CommentedMap()
        later = [i for i, k in enumerate(parent) if k in order and order.index(k) > order.index(key)]
        parent.insert(later[0] if later else len(parent), key, value)
    elif not value:
        value.fa.set_block_style()
    return value


def _rename(data, role_id: str, name: str, defaults: dict[str, str]) -> None:
    roles = _block_map(data, "roles", PROFILE_KEYS)
    for added in roles.get("add") or ():
        if added.get("id") == role_id:
            added["name"] = name
            return
    rename = _block_map(roles, "rename", ROLES_KEYS)
    if name == defaults.get(role_id):
        del rename[role_id]  # back to the framework's name: no rename needed
        if not rename:
            del roles["rename"]
    else:
        rename[role_id] = name


def _set_letter(data, domain_id: str, role_id: str, letter: str, default: str) -> None:
    overrides = _block_map(data, "raci_overrides", PROFILE_KEYS)
    if letter == default:  # back to the default: the override goes
        del overrides[domain_id][role_id]
        if not overrides[domain_id]:
            del overrides[domain_id]
        return
    _block_map(overrides, domain_id)[role_id] = letter


# --- writing ---------------------------------------------------------------------


def _replace(target: Path, text: str) -> None:
    mode = target.stat().st_mode & 0o777
    with tempfile.NamedTemporaryFile("wb", dir=target.parent, prefix=".org-", suffix=".tmp", delete=False) as tmp:
        tmp.write(text.encode("utf-8"))
    try:
        os.chmod(tmp.name, mode)
        os.replace(tmp.name, target)
    except OSError:
        Path(tmp.name).unlink(missing_ok=True)
        raise
