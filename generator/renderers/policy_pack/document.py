"""The Word policy pack: an AI security policy an organisation can adopt, from templates/word/policy-pack.docx.

docxtpl fills the template's cover, header and footer tags in a sandboxed, autoescaping
Jinja environment; python-docx then writes the body at the `{{ body }}` paragraph in
the template's own styles, so an organisation restyling the template restyles the policy.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import jinja2
from docx.document import Document
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, RGBColor
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate, InlineImage

from generator import __version__, limits, trust
from generator.model import Framework
from generator.ooxml import normalise_zip, xml_safe
from generator.org.branding import Branding, Logo
from generator.renderers.base import RenderContext
from generator.renderers.policy_pack import content as pt
from generator.renderers.policy_pack.sections import write_body
from generator.renderers.policy_pack.template_check import WordTemplateRefused, check_word_template
from generator.renderers.policy_pack.word_writer import Writer
from generator.search_path import MAX_TEMPLATE_BYTES
from generator.templating import TEMPLATES_DIR, BoundedSandbox

TEMPLATE = "word/policy-pack.docx"
TABLE_STYLE = "Light List Accent 1"
BODY_MARKER = "@@policy-body@@"
AUTHOR = "ai-srm-generator"
REQUIRED_STYLES = (
    "Normal",
    "Title",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "List Bullet",
    "Caption",
    "Strong",
    "Intense Emphasis",
    "toc 1",
    "toc 2",
    "toc 3",
    TABLE_STYLE,
)
BRANDED_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", "TOC Heading")
LOGO_BOX = (Mm(60), Mm(25))  # cover
HEADER_LOGO_BOX = (Mm(30), Mm(7))
# What must not survive rendering: template tags and Python's None.
LEFTOVER = re.compile(r"\{\{|\{%|\bNone\b")
_TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
# Children of w:settings that follow w:updateFields (ECMA-376 order).
_AFTER_UPDATE_FIELDS = (
    "w:hdrShapeDefaults",
    "w:footnotePr",
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "m:mathPr",
    "w:attachedSchema",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures",
    "w:forceUpgrade",
    "w:captions",
    "w:readModeInkLockDown",
    "w:smartTagType",
    "sl:schemaLibrary",
    "w:shapeDefaults",
    "w:doNotEmbedSmartTags",
    "w:decimalSymbol",
    "w:listSeparator",
)


class PolicyTemplateError(Exception):
    """The Word template cannot be rendered; the message names the template and the problem."""


class PolicyPack:
    name = "docx"
    description = "Word policy pack: an AI security policy to adopt, from templates/word/policy-pack.docx"

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        relative = f"{ctx.branding.file_prefix}-policy.docx"
        (out_dir / relative).write_bytes(render_policy(ctx, ctx.search_path.find(TEMPLATE)))
        return [Path(relative)]


def render_policy(ctx: RenderContext, template: Path) -> bytes:
    """Render the policy from a Word template; return the .docx bytes."""
    fw, branding = ctx.framework, ctx.branding
    ed = pt.edition(fw, branding, ctx.build_time)
    trusted = trust.within(template, TEMPLATES_DIR) is not None
    try:
        data = trust.read_file(template, MAX_TEMPLATE_BYTES, trusted=trusted)
        check_word_template(data, template.name)
    except (trust.Refused, WordTemplateRefused) as exc:
        raise PolicyTemplateError(str(exc)) from None
    cover = cover_context(fw, ed)
    doc = fill_template(template, cover, branding.logo, data)
    _require_styles(doc, template.name)
    if template.resolve().is_relative_to(TEMPLATES_DIR):  # an organisation's own template keeps its styles
        apply_branding(doc, branding)
        recolour_theme_accent(doc.styles[TABLE_STYLE].element, branding.primary.lstrip("#").upper())
    writer = Writer(doc, _body_anchor(doc, template.name), TABLE_STYLE)
    write_body(writer, fw, ed, branding)
    writer.finish()
    fill_contents(doc)
    set_properties(doc, fw, ed, branding, ctx.build_time)
    enable_field_update(doc)
    out = io.BytesIO()
    doc.save(out)
    check_leftovers(out.getvalue(), template.name, organisation_text(fw, branding, cover))
    return normalise_zip(out.getvalue(), ctx.build_time)


def cover_context(fw: Framework, ed: pt.Edition) -> dict[str, str]:
    """Return the values the template's tags may use (besides `logo`)."""
    return {
        "title": ed.title,
        "subtitle": "Who secures what in the organisation's use of AI",
        "organisation": ed.organisation,
        "framework": ed.framework,
        "framework_version": fw.info.version,
        "document_version": ed.version,
        "date": ed.issued.isoformat(),
        "classification": ed.classification,
        "status": ed.status,
        "document_owner": ed.owner,
        "approver": ed.approver,
        "next_review": ed.next_review.isoformat(),
        "body": BODY_MARKER,
    }


def fill_template(template: Path, context: dict[str, str], logo: Logo | None, data: bytes | None = None) -> Document:
    """Render the template's tags as literal text; return the result as a python-docx Document."""
    tpl = DocxTemplate(io.BytesIO(data) if data is not None else template)
    values: dict[str, object] = {key: xml_safe(value) for key, value in context.items()}
    has_logo = logo is not None and logo.raster is not None
    values["logo"] = InlineImage(tpl, io.BytesIO(logo.raster), width=_logo_width(logo, LOGO_BOX)) if has_logo else ""
    header = InlineImage(tpl, io.BytesIO(logo.raster), width=_logo_width(logo, HEADER_LOGO_BOX)) if has_logo else ""
    values["header_logo"] = header
    env = BoundedSandbox(autoescape=True, undefined=jinja2.StrictUndefined)
    try:
        tpl.render(values, jinja_env=env)
    except jinja2.TemplateSyntaxError as exc:
        raise PolicyTemplateError(f"template {template.name}: {exc.message}, near {_near(exc)!r}") from None
    except limits.LimitExceeded as exc:
        raise PolicyTemplateError(f"template {template.name}: {exc}") from None
    except jinja2.TemplateError as exc:
        known = ", ".join(sorted(values))
        raise PolicyTemplateError(f"template {template.name}: {exc.message}; the tags may use {known}") from None
    out = io.BytesIO()
    tpl.save(out)
    return docx.Document(io.BytesIO(out.getvalue()))


def apply_branding(doc: Document, branding: Branding) -> None:
    """Give the styles the edition's font family and primary colour."""
    _set_font(doc.styles["Normal"], branding.font_family)
    colour = RGBColor.from_string(branding.primary.lstrip("#").upper())
    for name in BRANDED_STYLES:
        if name in doc.styles:
            doc.styles[name].font.color.rgb = colour


def recolour_theme_accent(style, hex_colour: str) -> None:
    """Replace the table style's theme accent (header fill, borders) with a fixed colour."""
    for element in style.iter():
        for colour_attr, theme_attr in (("w:color", "w:themeColor"), ("w:fill", "w:themeFill")):
            if element.get(qn(theme_attr)) == "accent1":
                element.set(qn(colour_attr), hex_colour)
                del element.attrib[qn(theme_attr)]


def fill_contents(doc: Document) -> None:
    """Write the headings into the result of the template's TOC field, for readers that do not update fields.

    Word rebuilds the table, with page numbers, on open. Only a field held in one paragraph is filled.
    """
    instruction = next((i for i in doc.element.body.iter(qn("w:instrText")) if i.text.strip().startswith("TOC")), None)
    if instruction is None:
        return
    field = instruction.getparent().getparent()
    marks = [r for r in field.findall(qn("w:r")) if r.find(qn("w:fldChar")) is not None]
    if [r.find(qn("w:fldChar")).get(qn("w:fldCharType")) for r in marks] != ["begin", "separate", "end"]:
        return
    separate, end = marks[1], marks[2]
    levels = re.search(r'\\o\s+"(\d)-(\d)"', instruction.text)
    low, high = (int(levels[1]), int(levels[2])) if levels else (1, 3)
    headings = {doc.styles[f"Heading {n}"].style_id: n for n in range(low, high + 1) if f"Heading {n}" in doc.styles}
    entries = [(headings[p._p.style], p.text) for p in doc.paragraphs if p._p.style in headings]
    if not entries:
        return
    children = list(field)
    for placeholder in children[children.index(separate) + 1 : children.index(end)]:
        field.remove(placeholder)
    toc_ids = {n: doc.styles[f"toc {n}"].style_id for n in {level for level, _ in entries}}
    paragraph = field
    for n, (level, text) in enumerate(entries):
        if n:
            paragraph.addnext(OxmlElement("w:p"))
            paragraph = paragraph.getnext()
        paragraph.style = toc_ids[level]
        run = OxmlElement("w:r")
        run.append(OxmlElement("w:t"))
        run[0].text = text
        paragraph.append(run)
    paragraph.append(end)


def set_properties(doc: Document, fw: Framework, ed: pt.Edition, branding: Branding, when: datetime) -> None:
    """Set the document properties, with every date pinned to the build time."""
    props = doc.core_properties
    author = xml_safe(branding.organisation or AUTHOR)
    props.title = xml_safe(ed.title)
    props.subject = xml_safe(f"Security responsibilities for AI deployments, based on the {ed.framework}")
    props.author = author
    props.last_modified_by = author
    props.keywords = xml_safe(
        "; ".join(["AI security", "policy", "shared responsibility", "RACI", *(m.short_name for m in fw.models)])
    )
    props.category = "Policy"
    props.comments = f"Generated by {AUTHOR} {__version__} from the {xml_safe(ed.framework)}."
    props.content_status = xml_safe(ed.status)
    props.version = ed.version
    props.revision = 1
    props.language = "en-GB"
    props.identifier = ""
    naive = when.astimezone(UTC).replace(tzinfo=None)
    props.created = props.modified = props.last_printed = naive


def enable_field_update(doc: Document) -> None:
    """Ask Word to update fields (the table of contents, page numbers) when the document opens."""
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.insert_element_before(update, *_AFTER_UPDATE_FIELDS)


def organisation_text(fw: Framework, branding: Branding, cover: dict[str, str]) -> tuple[str, ...]:
    """Return the values an organisation writes (names, labels): they may contain `{{` or `None` as text."""
    values = [*cover.values(), *(r.name for r in fw.roles)]
    values += [branding.organisation or "", branding.short_name or "", branding.classification]
    values += [branding.document_owner, branding.approver]
    return tuple(sorted({xml_safe(v) for v in values if v}, key=len, reverse=True))


def check_leftovers(data: bytes, template_name: str, values: tuple[str, ...] = ()) -> None:
    """Fail when a tag, a placeholder or `None` survived in any paragraph of the body, headers or footers.

    The organisation's own values are taken out of each paragraph first: text that merely
    contains `{{` or `None` is theirs, not a leftover of the template.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if not _TEXT_PARTS.fullmatch(name):
                continue
            root = parse_xml(package.read(name))
            for p in root.iter(qn("w:p")):
                text = "".join(t.text or "" for t in p.iter(qn("w:t")))
                found = LEFTOVER.search(_without(text, values))
                if found:
                    raise PolicyTemplateError(
                        f"template {template_name}: {found[0]!r} left in {name} after rendering: {text[:120]!r}"
                    )


def _without(text: str, values: tuple[str, ...]) -> str:
    for value in values:
        text = text.replace(value, "\x00")
    return text


def _body_anchor(doc: Document, template_name: str) -> Paragraph:
    found = [p for p in doc.paragraphs if p.text.strip() == BODY_MARKER]
    if len(found) != 1:
        raise PolicyTemplateError(
            f"template {template_name}: needs exactly one paragraph holding only {{{{ body }}}}, found {len(found)}"
        )
    return found[0]


def _require_styles(doc: Document, template_name: str) -> None:
    missing = [name for name in REQUIRED_STYLES if name not in doc.styles]
    if missing:
        raise PolicyTemplateError(f"template {template_name}: lacks the styles {', '.join(missing)}")


def _set_font(style: BaseStyle, family: str) -> None:
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), family)


def _logo_width(logo: Logo, box: tuple[Emu, Emu]) -> Emu:
    """Return the width that fits the logo in a box, keeping its proportions."""
    box_width, box_height = box
    return Emu(min(box_width, int(box_height * logo.width / logo.height)))


def _near(exc: jinja2.TemplateSyntaxError) -> str:
    """Return the template text of the line with the syntax error (docxtpl attaches the lines around it)."""
    lines = [line.strip() for line in getattr(exc, "docx_context", None) or ()]
    if not lines or exc.lineno is None:
        return ""
    return lines[min(3, exc.lineno - 1, len(lines) - 1)]
