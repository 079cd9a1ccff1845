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
from generator.model import AI_SPECIFIC_MARK, DOMAIN_KINDS, RACI_LETTERS, Framework, Level, Party, accountable_roles
from generator.ooxml import office_keywords, xml_safe
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
CRITICAL_MARK = "Underlined, heavy border"
MATRIX_FOOTER = f"{CRITICAL_MARK}: critical focus area (also in column critical_focus). Legend: sheet About."
ALERT = "#C00000"
PARTY_RULE = (
    "Each party that carries the cell's level is Responsible (R). The accountable one (the only owner, or the "
    "owner the level names as accountable when several share it) is also Accountable, written R/A. The other "
    "parties are Informed (I). Where the domain does not apply, every party column holds the level's label (N/A), "
    "never a blank, so a lookup shows it instead of 0."
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
    "Every long table (Responsibilities, Party RACI, Obligations) has level_id next to level: provider, customer, "
    "shared or not-applicable; the Matrix has a <matrix label> level_id column per model. Filter and join on the "
    "ids: readers such as pandas take the label N/A for missing data unless told otherwise (keep_default_na=False)."
)
PRINT_NOTE = (
    "Each sheet prints on the edition's paper ({paper}) with its header row on every page: one page wide where "
    "the text stays at 8 pt or more, otherwise at a legible scale on pages left to right, the key columns repeated."
)
SHEET_GUIDE = {
    "Matrix": "The matrix, one row per security domain (Table Matrix): keys domain_id, domain_number, domain_name "
    "and domain_kind (ai-specific marks an AI-specific domain), then one column per deployment model headed by its "
    "matrix_label (sheet Models) holding the plain level label, then critical_focus (the matrix labels of the "
    "models where the domain is a critical focus area), then one column per model headed <matrix label> level_id "
    "holding the level's id (provider, customer, shared, not-applicable). Look a cell up with INDEX/MATCH on "
    f"domain_id or domain_name and the model's matrix label. Colours show the level; {CRITICAL_MARK.lower()} marks "
    "a critical focus area.",
    "Responsibilities": "The long table to import: one row per deployment model x security domain, keyed by "
    "cell_id (<domain_id>.<model_id>). Table Responsibilities; the same table is {csv}.",
    "RACI": "Default customer-side RACI of each domain across internal roles (Table RaciDefault). Only R, A, C "
    "or I; exactly one A per row. A row without an A or with several turns red as you edit, and its check "
    "column (a formula) says No A or how many As; OK otherwise.",
    "Party RACI": "Provider and customer as R/A/C/I for every cell, derived from the level by the rule below "
    "(Table PartyRaci). Where the domain does not apply, each party column holds the level label N/A.",
    "Obligations": "Our obligations: every Customer and Shared cell of the deployment models in scope, with the "
    "internal role accountable for it and the roles responsible (Table Obligations).",
    "Models": "The deployment models with ids, category and description (Table Models).",
    "Domains": "The security domains with ids, kind and description (Table Domains).",
    "Changes": "What changed from the previous framework version (Table Changes): one row per changed cell "
    "(change = cell), then one per deployment model or domain added, removed, renamed or renumbered.",
    "Mappings": "How each security domain relates to the frameworks auditors cite (Table Mappings): one row per "
    "domain x target id, with the OSCAL relationship (read domain to target) and a one-line rationale; a domain "
    "with no fitting target has one row, no-relationship, without target_id. The project's informative reading, "
    "not the frameworks' own. Responsibilities and {csv} end with one column per framework (<framework>_ids) "
    "holding the domain's target ids, separated by '; ', for a register to join on.",
    "Lists": "Hidden: the allowed values that data validation uses, as defined names " + ", ".join(LISTS) + ".",
}


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
    _matrix(wb.create_sheet("Matrix"), ctx)
    _responsibilities(wb.create_sheet("Responsibilities"), ctx)
    _raci(wb.create_sheet("RACI"), ctx)
    _party_raci(wb.create_sheet("Party RACI"), ctx)
    _obligations(wb.create_sheet("Obligations"), ctx)
    _models(wb.create_sheet("Models"), ctx)
    _domains(wb.create_sheet("Domains"), ctx)
    _changes(wb.create_sheet("Changes"), ctx)
    if fw.mappings:
        _mappings(wb.create_sheet("Mappings"), ctx)
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
    rows: list[list[str | int]] = []
    for domain in fw.domains:
        cells = [fw.cell(domain.id, m.id) for m in fw.models]
        critical = ", ".join(label for label, cell in zip(labels, cells, strict=True) if cell.critical)
        levels = [fw.level(cell.level_id).label for cell in cells]
        rows.append(
            [domain.id, domain.number, domain.name, domain.kind, *levels, critical, *(c.level_id for c in cells)]
        )
    ids = [f"{label} {MATRIX_ID_SUFFIX}" for label in labels]
    headers = [*MATRIX_KEYS, *labels, "critical_focus", *ids]
    wrap = ("domain_name", "critical_focus")
    flat_table(ws, TABLES["Matrix"], headers, rows, ctx.branding, wrap, letters=labels, keys=3)
    first = len(MATRIX_KEYS) + 1
    for r, domain in enumerate(fw.domains, 2):
        style(ws.cell(r, MATRIX_KEYS.index("domain_name") + 1), font=font(bold=True))
        for c, dm in enumerate(fw.models, first):
            cell = fw.cell(domain.id, dm.id)
            target = ws.cell(r, c)
            paint_level(target, palette[cell.level_id])
            if cell.critical:
                mark_critical(target, palette[cell.level_id])
    ws.column_dimensions[get_column_letter(MATRIX_KEYS.index("domain_name") + 1)].width = 36
    ws.freeze_panes = ws.cell(2, first).coordinate
    ws.oddFooter.left.text = MATRIX_FOOTER
    first_id = len(headers) - len(ids) + 1
    validate(ws, "LevelIds", [f"{get_column_letter(first_id)}2:{get_column_letter(len(headers))}{len(rows) + 1}"])
    ws.print_area = f"A1:{get_column_letter(first_id - 1)}{len(rows) + 1}"  # the ids are for machines
    fit_heights(ws)


def _responsibilities(ws: Worksheet, ctx: RenderContext) -> None:
    fw, palette = ctx.framework, ctx.branding.level_colours(ctx.framework.info.level_ids)
    rows = [list(row.values()) for row in responsibility_rows(fw)]
    wrap = ("model_name", "domain_name", "provider_does", "customer_does", "example")
    flat_table(ws, TABLES["Responsibilities"], responsibility_columns(fw), rows, ctx.branding, wrap)
    level_col = RESPONSIBILITY_COLUMNS.index("level") + 1
    for r, cell in enumerate(fw.cells, 2):
        paint_level(ws.cell(r, level_col), palette[cell.level_id])
    last = len(rows) + 1
    lists = {"level": "Levels", "level_id": "LevelIds", "critical_focus": "YesNo", "domain_kind": "DomainKinds"}
    for column, list_name in lists.items():
        validate(ws, list_name, [column_range(RESPONSIBILITY_COLUMNS.index(column) + 1, 2, last)])


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


def _party_raci(ws: Worksheet, ctx: RenderContext) -> None:
    fw = ctx.framework
    parties = fw.info.parties
    keep = RESPONSIBILITY_COLUMNS[: RESPONSIBILITY_COLUMNS.index("level_id") + 1]
    keep = tuple(c for c in keep if c != "domain_kind")
    rows: list[list[str | int]] = []
    for row, cell in zip(responsibility_rows(fw), fw.cells, strict=True):
        raci = _party_cells(fw.level(cell.level_id), parties)
        rows.append([*(row[c] for c in keep), *(raci[p.id] for p in parties)])
    names = [p.name for p in parties]
    flat_table(ws, TABLES["Party RACI"], [*keep, *names], rows, ctx.branding, ("domain_name",), letters=names)
    refs = [column_range(len(keep) + i, 2, len(rows) + 1) for i in range(1, len(parties) + 1)]
    validate(ws, "PartyRaciValues", refs)


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
    for column, name in enumerate(LISTS, 1):
        style(put(ws, 1, column, name), font=font(bold=True))
        for r, value in enumerate(values[name], 2):
            put(ws, r, column, value)
        letter = get_column_letter(column)
        ref = f"Lists!${letter}$2:${letter}${len(values[name]) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        ws.column_dimensions[letter].width = 18
    ws.sheet_state = "hidden"


def _party_cells(level: Level, parties: Sequence[Party]) -> dict[str, str]:
    """Return each party's Party RACI cell for a level: its letters, or the level's label where it does not apply."""
    raci = level.party_raci(tuple(p.id for p in parties))
    return {p.id: raci[p.id] if level.applicable else level.label for p in parties}


def _party_values(fw: Framework) -> tuple[str, ...]:
    """Return every value a Party RACI cell can hold: R/A first, in R, A, C, I order, then the N/A labels."""
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
    marks = {"critical": info.critical_marker, "ai": AI_SPECIFIC_MARK, "csv": ctx.file(CSV)}
    guide = [(sheet, text.format(**marks)) for sheet, text in SHEET_GUIDE.items()]
    row = section(ws, row, "How to use each sheet", guide, colour)
    if fw.mappings:
        row = section(ws, row, "Frameworks mapped (informative)", mapped_sources(fw), colour)
    legend = [(v.label, v.definition) for v in info.levels]
    legend += [
        (
            CRITICAL_MARK,
            "On the Matrix sheet: a critical focus area for that deployment model (the "
            "Matrix's critical_focus column and the long tables' critical_focus = Yes say the same).",
        )
    ]
    legend += [("ai-specific", "domain_kind of an AI-specific security domain (the others are traditional).")]
    legend_row, row = row, section(ws, row, "Legend", legend, colour)
    for r, level in enumerate(info.levels, legend_row + 1):
        paint_level(ws.cell(r, 1), branding.level_colours(info.level_ids)[level.id])
    row = section(ws, row, "Party RACI rule", [("Rule", PARTY_RULE), *_party_examples(fw)], colour)
    section(ws, row, "Stable names for lookups", _stable_names(ctx.file(CSV), branding.paper_size), colour)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    fit_heights(ws)
    ws.row_dimensions[1].height = 24
    printable(ws, title_rows=None)
    if branding.logo and branding.logo.raster:
        add_logo(ws, branding.logo.raster, "C1")


def _party_examples(fw: Framework) -> list[tuple[str, str]]:
    """Show what the rule gives for each level, computed by the rule itself."""
    parties = fw.info.parties
    examples = []
    for level in fw.info.levels:
        raci = _party_cells(level, parties)
        examples.append((level.label, ", ".join(f"{p.name} {raci[p.id]}" for p in parties)))
    return examples


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


def _stable_names(csv: str, paper: str) -> list[tuple[str, str]]:
    return [
        ("Tables", ", ".join(f"{name} (sheet {sheet})" for sheet, name in TABLES.items())),
        ("Defined names", ", ".join(LISTS) + " (allowed values, on the hidden sheet Lists)"),
        ("Ids", "cell_id is <domain_id>.<model_id>. Ids never change once published; numbers and names may."),
        ("Values", VALUES_NOTE),
        ("CSV", CSV_NOTE.format(csv=csv)),
        ("level_id", LEVEL_ID_NOTE),
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
