"""The RACI workbook (.xlsx): a matrix for people and flat, importable tables for GRC registers.

Every sheet but About and the hidden Lists, the Matrix included, is one flat table from
row 1 (one header row, plain values, no merged cells, nothing outside it) and an Excel Table
whose name never changes, so a register's lookups survive an upgrade. About is for reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from generator import __version__
from generator.changes import changes_view
from generator.model import (
    DOMAIN_KINDS,
    RACI_LETTERS,
    Cell,
    DeploymentModel,
    Framework,
    Level,
    Party,
    accountable_roles,
)
from generator.ooxml import office_keywords, xml_safe
from generator.prose import series
from generator.renderers.base import RenderContext
from generator.renderers.raci_workbook import RACI_XLSX
from generator.renderers.raci_workbook.style import (
    WHITE,
    WRAP,
    add_logo,
    argb,
    column_range,
    fill,
    fit_heights,
    flat_table,
    font,
    mark_critical,
    paint_level,
    print_layout,
    printable,
    put,
    put_formula,
    section,
    style,
    validate,
    workbook_bytes,
)
from generator.renderers.responsibilities_csv import CSV
from generator.tables import (
    MAPPING_COLUMNS,
    OBLIGATION_COLUMNS,
    RACI_LEADING,
    RACI_STATE_LABEL,
    RACI_TRAILING,
    RESPONSIBILITY_COLUMNS,
    mapping_column,
    mapping_rows,
    obligation_rows,
    raci_state,
    responsibility_columns,
    responsibility_rows,
)
from generator.template_context import edition_marking

# Published names: customers' lookups refer to them, so they never change between versions.
TABLES = {  # sheet -> Excel Table name
    "Matrix": "Matrix",
    "Responsibilities": "Responsibilities",
    "RACI": "RaciDefault",
    "Party RACI": "PartyRaci",
    "Obligations": "Obligations",
    "Models": "Models",
    "Domains": "Domains",
    "Changes": "Changes",  # absent from the first framework version's workbook: nothing to compare
    "Mappings": "Mappings",  # absent when no framework is mapped
}
# Defined names of the allowed values, on sheet Lists.
LISTS = ("RaciLetters", "Levels", "YesNo", "DomainKinds", "PartyRaciValues", "LevelIds")
MATRIX_KEYS = ("domain_id", "domain_number", "domain_name", "domain_kind")  # the Matrix table's first columns
MATRIX_ID_SUFFIX = "level_id"  # the Matrix's last columns: "<matrix label> level_id", one per model
COMPONENTS = "Components"  # sheet and Table of a framework with component tables
COMPONENT_LEVELS = "ComponentLevels"  # its defined name of allowed values
COMPONENT_KEYS = ("domain_id", "domain_name", "component")  # the Components table's first columns
CRITICAL_MARK = "Underlined, heavy border"
MATRIX_FOOTER = f"{CRITICAL_MARK}: critical focus area (also in column critical_focus). Legend: sheet About."
ALERT = "#C00000"
# The texts below name rows, columns, parties and levels by placeholders that `_words` fills from the
# framework's data, so the default framework reads as it always has.
PARTY_RULE = (
    "Each party that carries the cell's level is Responsible (R). The accountable one (the only owner, or the "
    "owner the level names as accountable when several share it) is also Accountable, written R/A. The other "
    "parties are Informed (I). Where the {row} does not apply, every party column holds the level's label "
    "({unowned}), never a blank, so a lookup shows it instead of 0."
)
PER_PARTY_RULE = (
    "In this framework each party has its own level in every cell, so each party column holds that party's "
    "level label ({labels}), never a blank; the Matrix's <matrix label>: <party> columns show the same."
)
VALUES_NOTE = (
    "Plain text and numbers, never formulas (but for the RACI sheet's check column). Text starting with =, +, -, "
    "@, a tab or a carriage return is "
    "stored as text with Excel's quote prefix: the cell shows the text exactly, with no visible quote."
)
CSV_NOTE = (
    "{csv} holds the Responsibilities table with the same columns and rows, with one difference: "
    "a CSV cannot mark text as text, so each field that starts with =, +, -, @, a tab or a carriage return "
    "carries a leading ' there (OWASP's advice against CSV injection), which the workbook does not show. "
    "Strip one leading ' from such fields if you compare the two."
)
LEVEL_ID_NOTE = (
    "Every long table (Responsibilities, Party RACI, Obligations) has level_id next to level: {level_ids}; "
    "the Matrix has a {matrix_id} column per {per_column}. Filter and join on the "
    "ids: readers such as pandas take the label N/A for missing data unless told otherwise (keep_default_na=False)."
)
PRINT_NOTE = (
    "Each sheet prints on the edition's paper ({paper}) with its header row on every page: one page wide where "
    "the text stays at 8 pt or more, otherwise at a legible scale on pages left to right, the key columns repeated."
)
SHEET_GUIDE = {
    "Matrix": "The matrix, one row per {row_name} (Table Matrix): keys domain_id, domain_number, domain_name "
    "and domain_kind (ai-specific marks an AI-specific {row}), then one column per {matrix_column} headed by "
    "{matrix_heading} holding the plain level label, then critical_focus (the matrix labels of the "
    "models where the {row} is a critical focus area), then one column per {per_column} headed {matrix_id} "
    "holding the level's id ({level_ids_list}). Look a cell up with INDEX/MATCH on "
    "domain_id or domain_name and {lookup}. Colours show the level; {mark} marks "
    "a critical focus area.",
    "Responsibilities": "The long table to import: one row per {column_name} x {row_name}{and_party}, keyed by "
    "cell_id (<domain_id>.<model_id>){party_key}. Table Responsibilities; the same table is {csv}.",
    "RACI": "Default {audience}-side RACI of each {row} across internal roles (Table RaciDefault). Only R, A, C "
    "or I; exactly one A per row. A row without an A or with several turns red as you edit, and its check "
    "column (a formula) says No A or how many As; OK otherwise.",
    "Party RACI": "{party_raci}",
    "Obligations": "Our obligations: every {audience_levels} cell of the {column_plural} in scope, with the "
    "internal role accountable for it and the roles responsible (Table Obligations).",
    "Models": "The {column_plural} with ids, category and description (Table Models).",
    "Domains": "The {row_plural} with ids, kind and description (Table Domains).",
    "Changes": "What changed from the previous framework version (Table Changes): one row per changed cell "
    "(change = cell), then one per {column_name} or {row} added, removed, renamed or renumbered.",
    "Mappings": "How each {row_name} relates to the frameworks auditors cite (Table Mappings): one row per "
    "{row} x target id, with the OSCAL relationship (read {row} to target) and a one-line rationale; a {row} "
    "with no fitting target has one row, no-relationship, without target_id. The project's informative reading, "
    "not the frameworks' own. Responsibilities and {csv} end with one column per framework (<framework>_ids) "
    "holding the {row}'s target ids, separated by '; ', for a register to join on.",
    COMPONENTS: "{components}",
    "Lists": "Hidden: the allowed values that data validation uses, as defined names {lists}.",
}
PARTY_RACI_GUIDE = (
    "{parties_sentence} as R/A/C/I for every cell, derived from the level by the rule below "
    "(Table PartyRaci). Where the {row} does not apply, each party column holds the level label {unowned}."
)
PER_PARTY_RACI_GUIDE = "{parties_sentence}: each party's own level in every cell (Table PartyRaci), by the rule below."
COMPONENTS_GUIDE = (
    "{title}: one row per {row} and component (Table Components), keys domain_id and component, then one column "
    "per party ({parties}) holding its level label ({labels}). {description}"
)


def render_workbook(ctx: RenderContext, out_dir: Path) -> list[Path]:
    """Write the edition's RACI workbook into `out_dir`; return its relative path."""
    relative = Path(ctx.file(RACI_XLSX))
    (out_dir / relative).write_bytes(workbook_bytes(make_workbook(ctx), ctx.build_time))
    return [relative]


def make_workbook(ctx: RenderContext) -> Workbook:
    """Return the edition's RACI workbook, not yet saved (import-raci compares a workbook with it)."""
    fw, wb = ctx.framework, Workbook()
    about = wb.active
    about.title = "About"
    records = responsibility_rows(fw)  # the long table, which the Party RACI's keys come from too
    _matrix(wb.create_sheet("Matrix"), ctx)
    _responsibilities(wb.create_sheet("Responsibilities"), ctx, records)
    _raci(wb.create_sheet("RACI"), ctx)
    _party_raci(wb.create_sheet("Party RACI"), ctx, records)
    _obligations(wb.create_sheet("Obligations"), ctx)
    _models(wb.create_sheet("Models"), ctx)
    _domains(wb.create_sheet("Domains"), ctx)
    _changes(wb.create_sheet("Changes"), ctx)
    if fw.mappings:
        _mappings(wb.create_sheet("Mappings"), ctx)
    if fw.components:
        _components(wb.create_sheet(COMPONENTS), ctx)
    _lists(wb, wb.create_sheet("Lists"), fw)
    _about(about, ctx)
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            print_layout(ws, ctx.branding.paper_size)
    _properties(wb, ctx)
    return wb


def _matrix(ws: Worksheet, ctx: RenderContext) -> None:
    """Write the matrix as a lookup table: a domain per row, keyed by domain_id, a level label per model column.

    Cells hold the plain level label; a critical focus area is marked by formatting (underlined, heavy
    border) and listed in the critical_focus column. The legend is on About and in the printed footer,
    never on the table's rows. Last, one `<matrix label> level_id` column per model holds the level's id,
    as the long tables' level_id does: no reader takes an id for missing data, as pandas takes N/A.
    """
    fw = ctx.framework
    palette = ctx.branding.level_colours(fw.info.level_ids)
    labels = [m.short_name for m in fw.models]
    columns = matrix_columns(fw)
    rows: list[list[str | int]] = []
    levels: list[list[Level]] = []  # per row, the level of each matrix column
    for domain in fw.domains:
        cells = [fw.cell(domain.id, m.id) for m in fw.models]
        critical = ", ".join(label for label, cell in zip(labels, cells, strict=True) if cell.critical)
        levels.append([dict(fw.values(fw.cell(domain.id, m.id)))[party] for m, party, _ in columns])
        rows.append(
            [
                domain.id,
                domain.number,
                domain.name,
                domain.kind,
                *(level.label for level in levels[-1]),
                critical,
                *(level.id for level in levels[-1]),
            ]
        )
    headings = [heading for _, _, heading in columns]
    ids = [f"{heading} {MATRIX_ID_SUFFIX}" for heading in headings]
    headers = [*MATRIX_KEYS, *headings, "critical_focus", *ids]
    wrap = ("domain_name", "critical_focus")
    flat_table(ws, TABLES["Matrix"], headers, rows, ctx.branding, wrap, letters=headings, keys=3)
    first = len(MATRIX_KEYS) + 1
    for r, (domain, row_levels) in enumerate(zip(fw.domains, levels, strict=True), 2):
        style(ws.cell(r, MATRIX_KEYS.index("domain_name") + 1), font=font(bold=True))
        for c, ((dm, _, _), level) in enumerate(zip(columns, row_levels, strict=True), first):
            target = ws.cell(r, c)
            paint_level(target, palette[level.id])
            if fw.cell(domain.id, dm.id).critical:
                mark_critical(target, palette[level.id])
    ws.column_dimensions[get_column_letter(MATRIX_KEYS.index("domain_name") + 1)].width = 36
    ws.freeze_panes = ws.cell(2, first).coordinate
    ws.oddFooter.left.text = MATRIX_FOOTER
    first_id = len(headers) - len(ids) + 1
    validate(ws, "LevelIds", [f"{get_column_letter(first_id)}2:{get_column_letter(len(headers))}{len(rows) + 1}"])
    ws.print_area = f"A1:{get_column_letter(first_id - 1)}{len(rows) + 1}"  # the ids are for machines
    fit_heights(ws)


def matrix_columns(fw: Framework) -> list[tuple[DeploymentModel, Party | None, str]]:
    """The Matrix's level columns: one per model headed by its matrix label, or in a per-party framework
    one per model and party, headed "<matrix label>: <party>"."""
    parties = [fw.party(p) for p in fw.info.cell_parties] if fw.info.per_party else [None]
    return [(m, p, f"{m.short_name}: {p.name}" if p else m.short_name) for m in fw.models for p in parties]


def _responsibilities(ws: Worksheet, ctx: RenderContext, records: list[dict]) -> None:
    fw, palette = ctx.framework, ctx.branding.level_colours(ctx.framework.info.level_ids)
    columns = responsibility_columns(fw)
    rows = [list(row.values()) for row in records]
    wrap = ("model_name", "domain_name", "provider_does", "customer_does", "does", "example")
    flat_table(ws, TABLES["Responsibilities"], columns, rows, ctx.branding, wrap)
    level_col = columns.index("level") + 1
    for r, record in enumerate(records, 2):
        paint_level(ws.cell(r, level_col), palette[record["level_id"]])
    last = len(rows) + 1
    lists = {"level": "Levels", "level_id": "LevelIds", "critical_focus": "YesNo", "domain_kind": "DomainKinds"}
    for column, list_name in lists.items():
        validate(ws, list_name, [column_range(columns.index(column) + 1, 2, last)])


def _raci(ws: Worksheet, ctx: RenderContext) -> None:
    fw = ctx.framework
    headers = [*RACI_LEADING, *(role.name for role in fw.roles), RACI_TRAILING]
    rows: list[list[str | int]] = []
    for raci in fw.raci:
        domain = fw.domain(raci.domain_id)
        letters = [raci.letters[role.id] for role in fw.roles]
        rows.append([domain.number, domain.id, domain.name, *letters, _check(fw, raci.letters)])
    names = [role.name for role in fw.roles]
    flat_table(
        ws, TABLES["RACI"], headers, rows, ctx.branding, ("domain_name",), letters=[*names, RACI_TRAILING], keys=3
    )
    first, last_letter, last_row = 4, 3 + len(fw.roles), len(rows) + 1
    for r, row in enumerate(rows, 2):  # live: recomputed as letters change, the built state cached for viewers
        formula = check_formula(get_column_letter(first), get_column_letter(last_letter), r)
        put_formula(ws, r, last_letter + 1, formula, str(row[-1]))
    letters_ref = f"{get_column_letter(first)}2:{get_column_letter(last_letter)}{last_row}"
    validate(ws, "RaciLetters", [letters_ref])
    row_letters = f"${get_column_letter(first)}2:${get_column_letter(last_letter)}2"
    alert = FormulaRule(formula=[f'COUNTIF({row_letters},"A")<>1'], fill=fill(ALERT), font=Font(color=argb(WHITE)))
    ws.conditional_formatting.add(f"{get_column_letter(first)}2:{get_column_letter(last_letter + 1)}{last_row}", alert)


def _check(fw: Framework, letters: Mapping[str, str]) -> str:
    """State whether a RACI row has exactly one accountable role, as check_formula computes it."""
    count = len(accountable_roles((role.id, letters[role.id]) for role in fw.roles))
    return "OK" if count == 1 else "No A" if count == 0 else f"{count} As"


def check_formula(first: str, last: str, row: int) -> str:
    """Return the check column's formula for one row whose letters span columns `first` to `last`.

    Plain functions and relative references: Excel, LibreOffice and gnumeric compute it, and a
    sorted row keeps counting its own letters.
    """
    count = f'COUNTIF({first}{row}:{last}{row},"A")'
    return f'=IF({count}=1,"OK",IF({count}=0,"No A",{count}&" As"))'


def _party_raci(ws: Worksheet, ctx: RenderContext, records: list[dict]) -> None:
    """Write each party's part in every cell: R/A/C/I derived from the cell's level, or (per-party) its own level."""
    fw = ctx.framework
    parties = _raci_parties(fw)
    last_key = "domain_name" if fw.info.per_party else "level_id"  # a per-party cell has no one level
    keep = RESPONSIBILITY_COLUMNS[: RESPONSIBILITY_COLUMNS.index(last_key) + 1]
    keep = tuple(c for c in keep if c != "domain_kind")
    first_rows: dict[str, dict] = {}  # per cell, its first long-table row (per-party: one per party)
    for record in records:
        first_rows.setdefault(record["cell_id"], record)
    rows: list[list[str | int]] = []
    for cell in fw.cells:
        values = _party_cells(fw, cell, parties)
        rows.append([*(first_rows[cell.id][c] for c in keep), *(values[p.id] for p in parties)])
    names = [p.name for p in parties]
    flat_table(ws, TABLES["Party RACI"], [*keep, *names], rows, ctx.branding, ("domain_name",), letters=names)
    refs = [column_range(len(keep) + i, 2, len(rows) + 1) for i in range(1, len(parties) + 1)]
    validate(ws, "PartyRaciValues", refs)


def _raci_parties(fw: Framework) -> tuple[Party, ...]:
    """The Party RACI's party columns: every party, or a per-party framework's parties given a value."""
    return tuple(fw.party(p) for p in fw.info.cell_parties) if fw.info.per_party else fw.info.parties


def _party_cells(fw: Framework, cell: Cell, parties: Sequence[Party]) -> dict[str, str]:
    """Return each party's Party RACI value in a cell: its own level's label in a per-party framework, else the
    letters derived from the cell's level, or the level's label where it does not apply."""
    if fw.info.per_party:
        return {p.id: fw.level_for(cell, p.id).label for p in parties}
    return _level_raci(fw.values(cell)[0][1], parties)


def _obligations(ws: Worksheet, ctx: RenderContext) -> None:
    rows = [list(row.values()) for row in obligation_rows(ctx.framework)]
    wrap = ("model_name", "domain_name", "responsible_roles", "customer_does")
    flat_table(ws, TABLES["Obligations"], OBLIGATION_COLUMNS, rows, ctx.branding, wrap)


def _models(ws: Worksheet, ctx: RenderContext) -> None:
    fw = ctx.framework
    headers = ("model_id", "model_number", "model_name", "matrix_label", "category_id", "category_name")
    categories = {c.id: c.name for c in fw.info.categories}
    rows: list[list[str | int]] = [
        [m.id, m.number, m.name, m.short_name, m.category, categories[m.category], m.description, _risk(m.risk)]
        for m in fw.models
    ]
    flat_table(ws, TABLES["Models"], [*headers, "description", "risk_level"], rows, ctx.branding, ("description",))


def _risk(risks) -> str:
    return "; ".join(f"{r.level} ({r.variant})" if r.variant else r.level for r in risks)


def _domains(ws: Worksheet, ctx: RenderContext) -> None:
    headers = ("domain_id", "domain_number", "domain_name", "matrix_label", "domain_kind", "focus", "description")
    rows: list[list[str | int]] = [
        [d.id, d.number, d.name, d.label, d.kind, d.focus, d.description] for d in ctx.framework.domains
    ]
    flat_table(ws, TABLES["Domains"], headers, rows, ctx.branding, ("focus", "description"))
    validate(ws, "DomainKinds", [column_range(headers.index("domain_kind") + 1, 2, len(rows) + 1)])


def _mappings(ws: Worksheet, ctx: RenderContext) -> None:
    rows = [list(row.values()) for row in mapping_rows(ctx.framework)]
    flat_table(ws, TABLES["Mappings"], MAPPING_COLUMNS, rows, ctx.branding, ("title", "rationale"))


def _components(ws: Worksheet, ctx: RenderContext) -> None:
    """Write the component tables as Table Components: a row per row's component, a level label per party."""
    fw, parts = ctx.framework, ctx.framework.components
    assert parts is not None
    names = [p.name for p in parts.parties]
    rows: list[list[str | int]] = [
        [domain.id, domain.name, component.name, *(parts.level(component.values[p.id]).label for p in parts.parties)]
        for domain in fw.domains
        for component in parts.tables.get(domain.id, ())
    ]
    wrap = ("domain_name", "component")
    flat_table(ws, COMPONENTS, [*COMPONENT_KEYS, *names], rows, ctx.branding, wrap, letters=names, keys=3)
    first = len(COMPONENT_KEYS) + 1
    validate(ws, COMPONENT_LEVELS, [column_range(first + i, 2, len(rows) + 1) for i in range(len(names))])


CHANGE_COLUMNS = ("change", "cell_id", "domain_id", "domain_name", "model_id", "model_name", "before", "after")


def _changes(ws: Worksheet, ctx: RenderContext) -> None:
    """Write the changes against the previous framework version as Table Changes, or say there is none."""
    view = changes_view(ctx.changes, ctx.framework)
    if view["previous_version"] is None:
        style(put(ws, 1, 1, view["summary"]), alignment=WRAP)
        ws.column_dimensions["A"].width = 100
        return
    rows: list[list[str | int]] = [["cell", *(c[column] for column in CHANGE_COLUMNS[1:])] for c in view["cells"]]
    for item in view["models_and_domains"]:
        ids = [item["id"], item["name"]]
        blank = ["", ""]
        where = [*ids, *blank] if item["kind"] == "domain" else [*blank, *ids]
        rows.append([item["change"], "", *where, item["before"], item["after"]])
    flat_table(ws, TABLES["Changes"], CHANGE_COLUMNS, rows, ctx.branding, ("domain_name", "model_name"), keys=2)


def _previous(ctx: RenderContext) -> str:
    """Say which framework version this edition's changes are measured against."""
    if ctx.changes is None:
        return "No earlier framework version to compare with"
    return f"{ctx.changes.old_version} (sheet Changes lists what changed)"


def _lists(wb: Workbook, ws: Worksheet, fw: Framework) -> None:
    """Write each allowed-value list in its own column and name it; the sheet is hidden."""
    values = {
        "RaciLetters": RACI_LETTERS,
        "Levels": tuple(v.label for v in fw.info.levels),
        "LevelIds": fw.info.level_ids,
        "YesNo": ("Yes", "No"),
        "DomainKinds": DOMAIN_KINDS,
        "PartyRaciValues": _party_values(fw),
    }
    if fw.components:
        values[COMPONENT_LEVELS] = tuple(v.label for v in fw.components.levels)
    for column, name in enumerate(list_names(fw), 1):
        style(put(ws, 1, column, name), font=font(bold=True))
        for r, value in enumerate(values[name], 2):
            put(ws, r, column, value)
        letter = get_column_letter(column)
        ref = f"Lists!${letter}$2:${letter}${len(values[name]) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        ws.column_dimensions[letter].width = 18
    ws.sheet_state = "hidden"


def _level_raci(level: Level, parties: Sequence[Party]) -> dict[str, str]:
    """Return each party's Party RACI cell for a level: its letters, or the level's label where it does not apply."""
    raci = level.party_raci(tuple(p.id for p in parties))
    return {p.id: raci[p.id] if level.applicable else level.label for p in parties}


def _party_values(fw: Framework) -> tuple[str, ...]:
    """Return every value a Party RACI cell can hold: R/A first, in R, A, C, I order, then the N/A labels
    (per-party frameworks: the level labels)."""
    if fw.info.per_party:
        return tuple(level.label for level in fw.info.levels)
    parties = tuple(p.id for p in fw.info.parties)
    found = {v for level in fw.info.levels if level.applicable for v in level.party_raci(parties).values() if v}
    letters = sorted(found, key=lambda v: (RACI_LETTERS.index(v[0]), -len(v)))
    return (*letters, *(level.label for level in fw.info.levels if not level.applicable))


def _about(ws: Worksheet, ctx: RenderContext) -> None:
    """Write the metadata, the guide to each sheet, the legend, the party RACI rule and the stable names."""
    fw, info, branding = ctx.framework, ctx.framework.info, ctx.branding
    style(put(ws, 1, 1, f"{info.title}: RACI workbook"), font=font(branding.primary, bold=True, size=16))
    edition = edition_marking(fw, branding)
    facts = [("Organisation", branding.organisation), ("Edition", edition["label"])] if edition["tailored"] else []
    if edition["tailored"]:
        control = branding.document_control
        facts += [
            ("Document version", control.version),
            ("Status", control.status),
            ("Issued", control.issued(ctx.build_time).isoformat()),
            ("Next review due", control.next_review(ctx.build_time).isoformat()),
            (RACI_STATE_LABEL, raci_state(fw)),  # import-raci refuses to undo a RACI change made after the build
        ]
    facts += [
        ("Framework", info.title),
        ("Version", info.version),
        ("Previous version", _previous(ctx)),
        ("Release date", info.release_date),
        ("Author", info.author),
        ("Source", info.source_url),
        ("Licence", f"{info.licence}. {info.copyright}"),
        ("Generator", f"ai-srm-generator {__version__}"),
        ("Built", ctx.build_time.date().isoformat()),
        ("Summary", info.summary),
    ]
    colour = branding.primary
    row = section(ws, 3, "About this workbook", facts, colour)
    words = _words(fw, ctx.file(CSV))
    guide = [(sheet, SHEET_GUIDE[sheet].format(**words)) for sheet in _optional(fw, SHEET_GUIDE)]
    row = section(ws, row, "How to use each sheet", guide, colour)
    if fw.mappings:
        row = section(ws, row, "Frameworks mapped (informative)", mapped_sources(fw), colour)
    legend = [(v.label, v.definition) for v in info.levels]
    legend += [
        (
            CRITICAL_MARK,
            f"On the Matrix sheet: a critical focus area for that {words['column_name']} (the "
            "Matrix's critical_focus column and the long tables' critical_focus = Yes say the same).",
        )
    ]
    legend += [("ai-specific", f"domain_kind of an AI-specific {words['row_name']} (the others are traditional).")]
    legend_row, row = row, section(ws, row, "Legend", legend, colour)
    for r, level in enumerate(info.levels, legend_row + 1):
        paint_level(ws.cell(r, 1), branding.level_colours(info.level_ids)[level.id])
    if fw.components:
        parts = fw.components
        component_legend = [(v.label, v.definition) for v in parts.levels]
        row = section(ws, row, f"{parts.title} (sheet {COMPONENTS})", component_legend, colour)
    rule = (PER_PARTY_RULE if info.per_party else PARTY_RULE).format(**words)
    row = section(ws, row, "Party RACI rule", [("Rule", rule), *_party_examples(fw)], colour)
    section(ws, row, "Stable names for lookups", _stable_names(fw, words, branding.paper_size), colour)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    fit_heights(ws)
    ws.row_dimensions[1].height = 24
    printable(ws, title_rows=None)
    if branding.logo and branding.logo.raster:
        add_logo(ws, branding.logo.raster, "C1")


def _party_examples(fw: Framework) -> list[tuple[str, str]]:
    """Show what the rule gives for each level, computed by the rule itself (none where parties hold levels)."""
    if fw.info.per_party:
        return []
    parties = fw.info.parties
    examples = []
    for level in fw.info.levels:
        raci = _level_raci(level, parties)
        examples.append((level.label, ", ".join(f"{p.name} {raci[p.id]}" for p in parties)))
    return examples


def _words(fw: Framework, csv: str) -> dict[str, str]:
    """The words the About sheet's texts take from the framework: its axes, parties, levels and files."""
    info, axes = fw.info, fw.info.axes
    per_party = info.per_party
    unowned = [v.label for v in info.levels if not v.applicable]
    audience = fw.party(info.audience)
    names = [p.name for p in _raci_parties(fw)]
    matrix_id = f"<matrix label>{': <party>' if per_party else ''} {MATRIX_ID_SUFFIX}"
    words = {
        "csv": csv,
        "row": axes.rows.term,
        "row_name": axes.rows.name.lower(),
        "row_plural": axes.rows.plural.lower(),
        "column_name": axes.columns.name.lower(),
        "column_plural": axes.columns.plural.lower(),
        "matrix_column": axes.columns.name.lower() + (" and party" if per_party else ""),
        "matrix_heading": "<matrix_label>: <party> (matrix_label: sheet Models)"
        if per_party
        else "its matrix_label (sheet Models)",
        "per_column": "model and party" if per_party else "model",
        "matrix_id": matrix_id,
        "lookup": "the column heading <matrix label>: <party>" if per_party else "the model's matrix label",
        "level_ids_list": ", ".join(info.level_ids),
        "level_ids": series(info.level_ids, "or"),
        "mark": CRITICAL_MARK.lower(),
        "and_party": " and party" if per_party else "",
        "party_key": " and party_id, with what the party does in column does" if per_party else "",
        "audience": audience.name.lower(),
        "audience_levels": " and ".join(v.label for v in info.levels if info.audience in v.owners),
        "parties_sentence": _names_sentence(names),
        "unowned": series(unowned, "or"),
        "labels": ", ".join(v.label for v in info.levels),
        "lists": ", ".join(list_names(fw)),
        "components": "",
    }
    guide = PER_PARTY_RACI_GUIDE if per_party else PARTY_RACI_GUIDE
    words["party_raci"] = guide.format(**words)
    if fw.components:
        parts = fw.components
        words["components"] = COMPONENTS_GUIDE.format(
            title=parts.title,
            row=axes.rows.term,
            parties=", ".join(p.name for p in parts.parties),
            labels=", ".join(v.label for v in parts.levels),
            description=parts.description,
        )
    return words


def _names_sentence(names: Sequence[str]) -> str:
    """Start a sentence with names: "Provider and customer", "Tenant, host and vendor"."""
    lowered = [names[0], *(n.lower() for n in names[1:])]
    return series(lowered)


def _optional(fw: Framework, sheets: Mapping[str, str]) -> list[str]:
    """The sheets of `sheets` this framework's workbook has: Mappings and Components only where it has them."""
    absent = {"Mappings": not fw.mappings, COMPONENTS: fw.components is None}
    return [sheet for sheet in sheets if not absent.get(sheet, False)]


def list_names(fw: Framework) -> tuple[str, ...]:
    """The defined names of the allowed values: LISTS, and the component levels where the framework has them."""
    return (*LISTS, COMPONENT_LEVELS) if fw.components else LISTS


def mapped_sources(fw: Framework) -> list[tuple[str, str]]:
    """Each mapped framework with its version, source and licence (and the attribution it asks for)."""
    return [
        (
            f"{w.reference.short_name} {w.reference.version}",
            f"{w.reference.name}; column {mapping_column(w.reference.id)}. {w.reference.publisher}. "
            f"{w.reference.source_url}. Licence: {w.reference.licence}."
            + (f" {w.reference.attribution}." if w.reference.attribution else ""),
        )
        for w in fw.mappings
    ]


def _stable_names(fw: Framework, words: Mapping[str, str], paper: str) -> list[tuple[str, str]]:
    tables = {**TABLES, COMPONENTS: COMPONENTS}
    return [
        ("Tables", ", ".join(f"{tables[sheet]} (sheet {sheet})" for sheet in _optional(fw, tables))),
        ("Defined names", ", ".join(list_names(fw)) + " (allowed values, on the hidden sheet Lists)"),
        ("Ids", "cell_id is <domain_id>.<model_id>. Ids never change once published; numbers and names may."),
        ("Values", VALUES_NOTE),
        ("CSV", CSV_NOTE.format(csv=words["csv"])),
        ("level_id", LEVEL_ID_NOTE.format(**words)),
        ("Printing", PRINT_NOTE.format(paper=paper)),
    ]


def _properties(wb: Workbook, ctx: RenderContext) -> None:
    info, who = ctx.framework.info, ctx.branding.organisation
    props = wb.properties
    props.creator = props.lastModifiedBy = xml_safe(who or f"ai-srm-generator {__version__}")
    edition = edition_marking(ctx.framework, ctx.branding)["label"]
    props.title = xml_safe(f"{info.title} {info.version}: RACI workbook" + (f" ({edition})" if edition else ""))
    props.subject = "Who owns AI security: responsibility matrix, RACI and GRC import tables"
    props.keywords = office_keywords(["AI security", "shared responsibility", "RACI", "GRC"])
    props.version = info.version
