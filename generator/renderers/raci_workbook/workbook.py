"""The RACI workbook (.xlsx): a matrix for people and flat, importable tables for GRC registers.

Every data sheet is one flat table from row 1 (one header row, plain values, no merged
cells) and an Excel Table whose name never changes, so a register's lookups survive an
upgrade. The matrix and About sheets are for reading and printing, not for import.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from generator import __version__
from generator.changes import changes_view
from generator.model import AI_SPECIFIC_MARK, DOMAIN_KINDS, RACI_LETTERS, Framework, accountable_roles
from generator.ooxml import xml_safe
from generator.renderers.base import RenderContext
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
    header,
    paint_level,
    printable,
    put,
    section,
    validate,
    workbook_bytes,
)
from generator.tables import OBLIGATION_COLUMNS, RESPONSIBILITY_COLUMNS, obligation_rows, responsibility_rows
from generator.template_context import edition_marking

# Published names: customers' lookups refer to them, so they never change between versions.
TABLES = {  # sheet -> Excel Table name
    "Responsibilities": "Responsibilities",
    "RACI": "RaciDefault",
    "Party RACI": "PartyRaci",
    "Obligations": "Obligations",
    "Models": "Models",
    "Domains": "Domains",
    "Changes": "Changes",  # absent from the first framework version's workbook: nothing to compare
}
LISTS = ("RaciLetters", "Levels", "YesNo", "DomainKinds", "PartyRaciValues")  # defined names, on sheet Lists
ALERT = "#C00000"
PARTY_RULE = (
    "Each party that carries the cell's level is Responsible (R). The accountable one (the only owner, or the "
    "owner the level names as accountable when several share it) is also Accountable, written R/A. The other "
    "parties are Informed (I). Where the domain does not apply (N/A) the party columns are blank."
)
SHEET_GUIDE = {
    "Matrix": "The matrix as people read it: level words and colours, {critical} marks a critical focus area, "
    "{ai} an AI-specific domain. Prints on one page wide. For reading, not for import.",
    "Responsibilities": "The long table to import: one row per deployment model x security domain, keyed by "
    "cell_id (<domain_id>.<model_id>). Table Responsibilities; the same table is responsibilities.csv.",
    "RACI": "Default customer-side RACI of each domain across internal roles (Table RaciDefault). Only R, A, C "
    "or I; exactly one A per row. A row without an A or with several turns red as you edit; the check "
    "column records the state as built.",
    "Party RACI": "Provider and customer as R/A/C/I for every cell, derived from the level by the rule below "
    "(Table PartyRaci).",
    "Obligations": "Our obligations: every Customer and Shared cell of the deployment models in scope, with the "
    "internal role accountable for it and the roles responsible (Table Obligations).",
    "Models": "The deployment models with ids, category and description (Table Models).",
    "Domains": "The security domains with ids, kind and description (Table Domains).",
    "Changes": "What changed from the previous framework version (Table Changes): one row per changed cell "
    "(change = cell), then one per deployment model or domain added, removed, renamed or renumbered.",
    "Lists": "Hidden: the allowed values that data validation uses, as defined names " + ", ".join(LISTS) + ".",
}


class RaciWorkbook:
    name = "xlsx"
    description = "<prefix>-raci.xlsx: matrix, long table, RACI and party RACI for GRC tools"

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
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
        _lists(wb, wb.create_sheet("Lists"), fw)
        _about(about, ctx)
        _properties(wb, ctx)
        relative = Path(f"{ctx.branding.file_prefix}-raci.xlsx")
        (out_dir / relative).write_bytes(workbook_bytes(wb, ctx.build_time))
        return [relative]


def _matrix(ws: Worksheet, ctx: RenderContext) -> None:
    fw, palette = ctx.framework, ctx.branding.level_colours(ctx.framework.info.level_ids)
    header(ws, ["Security domain", *(m.short_name for m in fw.models)], ctx.branding)
    for r, domain in enumerate(fw.domains, 2):
        put(ws, r, 1, domain.label + (f" {AI_SPECIFIC_MARK}" if domain.ai_specific else "")).font = font(bold=True)
        for c, dm in enumerate(fw.models, 2):
            cell = fw.cell(domain.id, dm.id)
            paint_level(put(ws, r, c, fw.cell_label(cell, gap=" ")), palette[cell.level_id])
    row = len(fw.domains) + 3
    for level in fw.info.levels:
        paint_level(put(ws, row, 1, level.label), palette[level.id])
        row += 1
    put(ws, row, 1, f"{fw.info.critical_marker} critical focus area")
    put(ws, row + 1, 1, f"{AI_SPECIFIC_MARK} AI-specific domain")
    ws.column_dimensions["A"].width = 36
    for c in range(2, len(fw.models) + 2):
        ws.column_dimensions[get_column_letter(c)].width = 14
    ws.freeze_panes = "B2"
    fit_heights(ws)
    printable(ws, title_rows="1:1", title_cols="A:A")


def _responsibilities(ws: Worksheet, ctx: RenderContext) -> None:
    fw, palette = ctx.framework, ctx.branding.level_colours(ctx.framework.info.level_ids)
    rows = [list(row.values()) for row in responsibility_rows(fw)]
    wrap = ("model_name", "domain_name", "provider_does", "customer_does", "example")
    flat_table(ws, TABLES["Responsibilities"], RESPONSIBILITY_COLUMNS, rows, ctx.branding, wrap)
    level_col = RESPONSIBILITY_COLUMNS.index("level") + 1
    for r, cell in enumerate(fw.cells, 2):
        paint_level(ws.cell(r, level_col), palette[cell.level_id])
    last = len(rows) + 1
    for column, list_name in (("level", "Levels"), ("critical_focus", "YesNo"), ("domain_kind", "DomainKinds")):
        validate(ws, list_name, [column_range(RESPONSIBILITY_COLUMNS.index(column) + 1, 2, last)])


def _raci(ws: Worksheet, ctx: RenderContext) -> None:
    fw = ctx.framework
    headers = ["domain_number", "domain_id", "domain_name", *(role.name for role in fw.roles), "check"]
    rows: list[list[str | int]] = []
    for raci in fw.raci:
        domain = fw.domain(raci.domain_id)
        letters = [raci.letters[role.id] for role in fw.roles]
        rows.append([domain.number, domain.id, domain.name, *letters, _check(fw, raci.letters)])
    names = [role.name for role in fw.roles]
    flat_table(ws, TABLES["RACI"], headers, rows, ctx.branding, wrap=("domain_name",), letters=[*names, "check"])
    first, last_letter, last_row = 4, 3 + len(fw.roles), len(rows) + 1
    letters_ref = f"{get_column_letter(first)}2:{get_column_letter(last_letter)}{last_row}"
    validate(ws, "RaciLetters", [letters_ref])
    row_letters = f"${get_column_letter(first)}2:${get_column_letter(last_letter)}2"
    alert = FormulaRule(formula=[f'COUNTIF({row_letters},"A")<>1'], fill=fill(ALERT), font=Font(color=argb(WHITE)))
    ws.conditional_formatting.add(f"{get_column_letter(first)}2:{get_column_letter(last_letter + 1)}{last_row}", alert)


def _check(fw: Framework, letters: Mapping[str, str]) -> str:
    """State whether a RACI row has exactly one accountable role."""
    count = len(accountable_roles((role.id, letters[role.id]) for role in fw.roles))
    return "OK" if count == 1 else "No A" if count == 0 else f"{count} As"


def _party_raci(ws: Worksheet, ctx: RenderContext) -> None:
    fw = ctx.framework
    parties = fw.info.parties
    keep = RESPONSIBILITY_COLUMNS[: RESPONSIBILITY_COLUMNS.index("level") + 1]
    keep = tuple(c for c in keep if c != "domain_kind")
    rows: list[list[str | int]] = []
    for row, cell in zip(responsibility_rows(fw), fw.cells, strict=True):
        raci = fw.level(cell.level_id).party_raci(tuple(p.id for p in parties))
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


CHANGE_COLUMNS = ("change", "cell_id", "domain_id", "domain_name", "model_id", "model_name", "before", "after")


def _changes(ws: Worksheet, ctx: RenderContext) -> None:
    """Write the changes against the previous framework version as Table Changes, or say there is none."""
    view = changes_view(ctx.changes, ctx.framework)
    if view["previous_version"] is None:
        put(ws, 1, 1, view["summary"]).alignment = WRAP
        ws.column_dimensions["A"].width = 100
        return
    rows: list[list[str | int]] = [["cell", *(c[column] for column in CHANGE_COLUMNS[1:])] for c in view["cells"]]
    for item in view["models_and_domains"]:
        ids = [item["id"], item["name"]]
        blank = ["", ""]
        where = [*ids, *blank] if item["kind"] == "domain" else [*blank, *ids]
        rows.append([item["change"], "", *where, item["before"], item["after"]])
    flat_table(ws, TABLES["Changes"], CHANGE_COLUMNS, rows, ctx.branding, ("domain_name", "model_name"))


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
        "YesNo": ("Yes", "No"),
        "DomainKinds": DOMAIN_KINDS,
        "PartyRaciValues": _party_values(fw),
    }
    for column, name in enumerate(LISTS, 1):
        put(ws, 1, column, name).font = font(bold=True)
        for r, value in enumerate(values[name], 2):
            put(ws, r, column, value)
        letter = get_column_letter(column)
        ref = f"Lists!${letter}$2:${letter}${len(values[name]) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        ws.column_dimensions[letter].width = 18
    ws.sheet_state = "hidden"


def _party_values(fw: Framework) -> tuple[str, ...]:
    """Return every value the party RACI rule can produce, R/A first, in R, A, C, I order."""
    parties = tuple(p.id for p in fw.info.parties)
    found = {v for level in fw.info.levels for v in level.party_raci(parties).values() if v}
    return tuple(sorted(found, key=lambda v: (RACI_LETTERS.index(v[0]), -len(v))))


def _about(ws: Worksheet, ctx: RenderContext) -> None:
    """Write the metadata, the guide to each sheet, the legend, the party RACI rule and the stable names."""
    fw, info, branding = ctx.framework, ctx.framework.info, ctx.branding
    put(ws, 1, 1, f"{info.title}: RACI workbook").font = font(branding.primary, bold=True, size=16)
    edition = edition_marking(fw, branding)
    facts = [("Organisation", branding.organisation), ("Edition", edition["label"])] if edition["tailored"] else []
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
    marks = {"critical": info.critical_marker, "ai": AI_SPECIFIC_MARK}
    guide = [(sheet, text.format(**marks)) for sheet, text in SHEET_GUIDE.items()]
    row = section(ws, row, "How to use each sheet", guide, colour)
    legend = [(v.label, v.definition) for v in info.levels]
    legend += [(info.critical_marker, "Critical focus area for that deployment model (after the level word).")]
    legend += [(AI_SPECIFIC_MARK, "AI-specific security domain (after the domain name).")]
    legend_row, row = row, section(ws, row, "Legend", legend, colour)
    for r, level in enumerate(info.levels, legend_row + 1):
        paint_level(ws.cell(r, 1), branding.level_colours(info.level_ids)[level.id])
    row = section(ws, row, "Party RACI rule", [("Rule", PARTY_RULE), *_party_examples(fw)], colour)
    section(ws, row, "Stable names for lookups", _stable_names(), colour)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    fit_heights(ws)
    ws.row_dimensions[1].height = 24
    printable(ws, title_rows=None, landscape=False)
    if branding.logo and branding.logo.raster:
        add_logo(ws, branding.logo.raster, "C1")


def _party_examples(fw: Framework) -> list[tuple[str, str]]:
    """Show what the rule gives for each level, computed by the rule itself."""
    parties = fw.info.parties
    examples = []
    for level in fw.info.levels:
        raci = level.party_raci(tuple(p.id for p in parties))
        text = ", ".join(f"{p.name} {raci[p.id]}" for p in parties) if level.applicable else "blank for every party"
        examples.append((level.label, text))
    return examples


def _stable_names() -> list[tuple[str, str]]:
    return [
        ("Tables", ", ".join(f"{name} (sheet {sheet})" for sheet, name in TABLES.items())),
        ("Defined names", ", ".join(LISTS) + " (allowed values, on the hidden sheet Lists)"),
        ("Ids", "cell_id is <domain_id>.<model_id>. Ids never change once published; numbers and names may."),
        ("Values", "Plain text and numbers, never formulas. Text starting with =, +, - or @ is stored as text."),
        (
            "N/A",
            "The level N/A is a value, not a missing one: tell importers not to read it as empty "
            "(pandas: keep_default_na=False).",
        ),
    ]


def _properties(wb: Workbook, ctx: RenderContext) -> None:
    info, who = ctx.framework.info, ctx.branding.organisation
    props = wb.properties
    props.creator = props.lastModifiedBy = xml_safe(who or f"ai-srm-generator {__version__}")
    edition = edition_marking(ctx.framework, ctx.branding)["label"]
    props.title = xml_safe(f"{info.title} {info.version}: RACI workbook" + (f" ({edition})" if edition else ""))
    props.subject = "Who owns AI security: responsibility matrix, RACI and GRC import tables"
    props.keywords = "AI security; shared responsibility; RACI; GRC"
    props.version = info.version
