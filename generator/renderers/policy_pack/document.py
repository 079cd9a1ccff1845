"""The Word policy pack: an AI security policy an organisation can adopt, from templates/word/policy-pack.docx.

docxtpl fills the template's cover, header and footer tags in a sandboxed, autoescaping
Jinja environment; the writer then puts the body, whose sentences come from the wording
template word/policy.xml.j2 (wording.py), at the `{{ body }}` paragraph in the template's
own styles, so an organisation restyling the template restyles the policy and an override
of one wording block changes those sentences. With the default template, brand.py gives
every colour and font of the file the edition's branding.
"""

from __future__ import annotations

import dataclasses
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
from docx.shared import Emu, Length, Mm, RGBColor
from docx.styles import BabelFish
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate, InlineImage

from generator import __version__, limits, trust
from generator.model import Framework
from generator.ooxml import normalise_zip, office_keywords, xml_safe
from generator.org.branding import Branding, Logo
from generator.renderers.base import RenderContext
from generator.renderers.policy_pack import POLICY_DOCX
from generator.renderers.policy_pack import content as pt
from generator.renderers.policy_pack.brand import brand_package
from generator.renderers.policy_pack.package import EmbeddedFont, FontNotEmbeddable, check_embeddable, finish_package
from generator.renderers.policy_pack.sections import write_body
from generator.renderers.policy_pack.template_check import WordTemplateRefused, check_word_template
from generator.renderers.policy_pack.word_writer import Writer
from generator.renderers.policy_pack.wording import WordingError, render_wording
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
# Children of w:settings that follow w:embedTrueTypeFonts (ECMA-376 order), up to ones every template has.
_AFTER_EMBED_FONTS = (
    "w:embedSystemFonts",
    "w:saveSubsetFonts",
    "w:saveFormsData",
    "w:mirrorMargins",
    "w:alignBordersAndEdges",
    "w:bordersDoNotSurroundHeader",
    "w:bordersDoNotSurroundFooter",
    "w:gutterAtTop",
    "w:hideSpellingErrors",
    "w:hideGrammaticalErrors",
    "w:activeWritingStyle",
    "w:proofState",
    "w:formsDesign",
    "w:attachedTemplate",
    "w:linkStyles",
    "w:stylePaneFormatFilter",
    "w:stylePaneSortMethod",
    "w:documentType",
    "w:mailMerge",
    "w:revisionView",
    "w:trackRevisions",
    "w:doNotTrackMoves",
    "w:doNotTrackFormatting",
    "w:documentProtection",
    "w:autoFormatOverride",
    "w:styleLockTheme",
    "w:styleLockQFSet",
    "w:defaultTabStop",
)
BUNDLED_FONTS = {"DejaVu Sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")}  # family -> regular, bold in fonts/
TOC_BOOKMARK = "_Toc{:04d}"  # bookmark names Word's own TOC uses: _Toc + digits
TOC_BOOKMARK_FIRST_ID = 9000  # above any id the template may use
PICTURE = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


class PolicyTemplateError(Exception):
    """The Word template cannot be rendered; the message names the template and the problem."""


def render_policy_pack(ctx: RenderContext, out_dir: Path) -> list[Path]:
    """Write the edition's policy pack from its Word template into `out_dir`; return its relative path."""
    relative = ctx.file(POLICY_DOCX)
    (out_dir / relative).write_bytes(render_policy(ctx, ctx.search_path.find(TEMPLATE)))
    return [Path(relative)]


def render_policy(ctx: RenderContext, template: Path) -> bytes:
    """Render the policy from a Word template; return the .docx bytes."""
    fw, branding = ctx.framework, ctx.branding
    control = pt.policy_control(fw, branding, ctx.build_time)
    policies = pt.domain_policies(fw)
    try:
        blocks = render_wording(ctx, control, policies)
    except WordingError as exc:
        raise PolicyTemplateError(str(exc)) from None
    trusted = trust.within(template, TEMPLATES_DIR) is not None
    try:
        data = trust.read_file(template, MAX_TEMPLATE_BYTES, trusted=trusted)
        check_word_template(data, template.name)
    except (trust.Refused, WordTemplateRefused) as exc:
        raise PolicyTemplateError(str(exc)) from None
    cover = cover_context(fw, control)
    doc = fill_template(template, cover, branding.logo, data)
    _require_styles(doc, template.name)
    default_template = template.resolve().is_relative_to(TEMPLATES_DIR)
    if default_template:  # an organisation's own template keeps its styles
        apply_branding(doc, branding)
        recolour_theme_accent(doc.styles[TABLE_STYLE].element, branding.primary.lstrip("#").upper())
    writer = Writer(doc, _body_anchor(doc, template.name), TABLE_STYLE)
    write_body(writer, blocks, fw, control, policies, branding, ctx.changes)
    writer.finish()
    fill_contents(doc)
    if default_template:
        brand_package(doc, branding, fw.info.level_ids)
    describe_pictures(doc, f"Logo of {control.organisation}")
    set_properties(doc, fw, control, branding, ctx.build_time)
    font = embedded_font(branding) if default_template else None
    set_settings(doc, embed_fonts=font is not None)
    out = io.BytesIO()
    doc.save(out)
    # brand_package sets every run of the default template's documents in the edition's one font.
    package, deflated = finish_package(out.getvalue(), font, {branding.font_family} if default_template else None)
    check_leftovers(package, template.name, organisation_text(fw, branding, cover))
    return normalise_zip(package, ctx.build_time, deflated)


def embedded_font(branding: Branding) -> EmbeddedFont:
    """Return the font Normal uses, to carry in the file: the profile's font file or a bundled family."""
    if branding.font_file is not None:
        try:
            check_embeddable(branding.font_file)
        except FontNotEmbeddable as exc:
            raise PolicyTemplateError(f"{exc}; set font.file in org.yaml to a font that allows embedding") from None
        return EmbeddedFont(branding.font_family, branding.font_file)
    regular, bold = BUNDLED_FONTS[branding.font_family]
    fonts = TEMPLATES_DIR / "fonts"
    return EmbeddedFont(branding.font_family, fonts / regular, fonts / bold)


def describe_pictures(doc: Document, text: str) -> None:
    """Give every picture in the body, headers and footers its alternative text (the logo is the only one)."""
    parts = [
        doc.part,
        *(rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith(("/header", "/footer"))),
    ]
    for part in parts:
        for picture in part.element.iter(PICTURE):
            picture.set("descr", xml_safe(text))


def set_settings(doc: Document, embed_fonts: bool) -> None:
    """Word 2013+ layout (compatibilityMode 15), no update prompt or preview picture, fonts embedded if carried."""
    settings = doc.settings.element
    for name in ("w:updateFields", "w:savePreviewPicture", "w:embedTrueTypeFonts"):
        for found in settings.findall(qn(name)):
            settings.remove(found)
    for setting in settings.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")
    if embed_fonts:
        settings.insert_element_before(OxmlElement("w:embedTrueTypeFonts"), *_AFTER_EMBED_FONTS)


def cover_context(fw: Framework, control: pt.PolicyControl) -> dict[str, str]:
    """Return the values the template's tags may use (besides `logo`)."""
    return {
        "title": control.title,
        "subtitle": "Who secures what in the organisation's use of AI",
        "organisation": control.organisation,
        "framework": control.framework,
        "framework_version": fw.info.version,
        "document_version": control.version,
        "date": control.issued.isoformat(),
        "classification": control.classification,
        "status": control.status,
        "document_owner": control.owner,
        "approver": control.approver,
        "next_review": control.next_review.isoformat(),
        "body": BODY_MARKER,
    }


def fill_template(template: Path, context: dict[str, str], logo: Logo | None, data: bytes | None = None) -> Document:
    """Render the template's tags as literal text; return the result as a python-docx Document."""
    tpl = DocxTemplate(io.BytesIO(data) if data is not None else template)
    values: dict[str, object] = {key: xml_safe(value) for key, value in context.items()}
    values["logo"] = values["header_logo"] = ""
    if logo is not None and logo.raster is not None:
        values["logo"] = InlineImage(tpl, io.BytesIO(logo.raster), width=_logo_width(logo, LOGO_BOX))
        values["header_logo"] = InlineImage(tpl, io.BytesIO(logo.raster), width=_logo_width(logo, HEADER_LOGO_BOX))
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
    absent = _absent_styles(doc, BRANDED_STYLES)
    for name in BRANDED_STYLES:
        if name not in absent:
            doc.styles[name].font.color.rgb = colour


def recolour_theme_accent(style, hex_colour: str) -> None:
    """Replace the table style's theme accent (header fill, borders) with a fixed colour."""
    for element in style.iter():
        for colour_attr, theme_attr in (("w:color", "w:themeColor"), ("w:fill", "w:themeFill")):
            if element.get(qn(theme_attr)) == "accent1":
                element.set(qn(colour_attr), hex_colour)
                del element.attrib[qn(theme_attr)]


def fill_contents(doc: Document) -> None:
    """Write the TOC field's result ourselves: one entry per heading, a hyperlink to a bookmark on the heading.

    The result is right without updating fields (LibreOffice, viewers, Word before any update): entries
    link to their headings and carry no page numbers, which only a layout engine can know. The field
    stays a real TOC field, so Word's Update Field rebuilds it with page numbers. Only a field held in
    one paragraph is filled.
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
    entries = [(headings[p._p.style], p) for p in doc.paragraphs if p._p.style in headings]
    if not entries:
        return
    children = list(field)
    for placeholder in children[children.index(separate) + 1 : children.index(end)]:
        field.remove(placeholder)
    toc_ids = {n: doc.styles[f"toc {n}"].style_id for n in {level for level, _ in entries}}
    paragraph = field
    for n, (level, heading) in enumerate(entries):
        name = _bookmark(heading, n)
        if n:
            paragraph.addnext(OxmlElement("w:p"))
            paragraph = paragraph.getnext()
        paragraph.style = toc_ids[level]
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), name)
        link.set(qn("w:history"), "1")
        run = OxmlElement("w:r")
        run.append(OxmlElement("w:t"))
        run[0].text = heading.text
        link.append(run)
        paragraph.append(link)
    paragraph.append(end)


def _bookmark(heading: Paragraph, n: int) -> str:
    """Put bookmark number `n` around a heading's text; return its name."""
    name = TOC_BOOKMARK.format(n + 1)
    start, finish = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(TOC_BOOKMARK_FIRST_ID + n))
    start.set(qn("w:name"), name)
    finish.set(qn("w:id"), str(TOC_BOOKMARK_FIRST_ID + n))
    p_pr = heading._p.pPr
    if p_pr is not None:
        p_pr.addnext(start)
    else:
        heading._p.insert(0, start)
    heading._p.append(finish)
    return name


def set_properties(doc: Document, fw: Framework, control: pt.PolicyControl, branding: Branding, when: datetime) -> None:
    """Set the document properties, with every date pinned to the build time."""
    props = doc.core_properties
    author = xml_safe(branding.organisation or AUTHOR)
    props.title = xml_safe(control.title)
    props.subject = xml_safe(f"Security responsibilities for AI deployments, based on the {control.framework}")
    props.author = author
    props.last_modified_by = author
    topics = ["AI security", "policy", "shared responsibility", "RACI", *(m.short_name for m in fw.models)]
    props.keywords = office_keywords(topics)
    props.category = "Policy"
    props.comments = f"Generated by {AUTHOR} {__version__} from the {xml_safe(control.framework)}."
    props.content_status = xml_safe(control.status)
    props.version = control.version
    props.revision = 1
    props.language = "en-GB"
    props.identifier = ""
    naive = when.astimezone(UTC).replace(tzinfo=None)
    props.created = props.modified = naive
    drop_last_printed(doc)


def drop_last_printed(doc: Document) -> None:
    """Remove cp:lastPrinted: nobody printed this file."""
    core = doc.core_properties._element
    for printed in core.findall(qn("cp:lastPrinted")):
        core.remove(printed)


def organisation_text(fw: Framework, branding: Branding, cover: dict[str, str]) -> tuple[str, ...]:
    """Return the values an organisation writes (names, labels): they may contain `{{` or `None` as text."""
    values = [*cover.values(), *(r.name for r in fw.roles), *_texts(branding)]
    return tuple(sorted({xml_safe(v) for v in values if v}, key=len, reverse=True))


def _texts(record: object) -> list[str]:
    """Return every text in the branding and the records inside it: what the organisation chose."""
    if isinstance(record, str):
        return [record]
    if dataclasses.is_dataclass(record):
        return [t for f in dataclasses.fields(record) for t in _texts(getattr(record, f.name))]
    return []


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
                if "{" not in text and "None" not in text:  # a leftover needs one of them in the text itself
                    continue
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
    missing = _absent_styles(doc, REQUIRED_STYLES)
    if missing:
        raise PolicyTemplateError(f"template {template_name}: lacks the styles {', '.join(missing)}")


def _absent_styles(doc: Document, names: tuple[str, ...]) -> list[str]:
    """Return the names that `name in doc.styles` would not find, reading the styles once rather than per name."""
    present = {style.name_val for style in doc.styles.element.style_lst}
    return [name for name in names if BabelFish.ui2internal(name) not in present]


def _set_font(style: BaseStyle, family: str) -> None:
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), family)


def _logo_width(logo: Logo, box: tuple[Length, Length]) -> Emu:
    """Return the width that fits the logo in a box, keeping its proportions (the box's width if it has none)."""
    box_width, box_height = box
    if not logo.width or not logo.height:
        return Emu(box_width)
    return Emu(min(box_width, int(box_height * logo.width / logo.height)))


def _near(exc: jinja2.TemplateSyntaxError) -> str:
    """Return the template text of the line with the syntax error (docxtpl attaches the lines around it)."""
    lines = [line.strip() for line in getattr(exc, "docx_context", None) or ()]
    if not lines or exc.lineno is None:
        return ""
    return lines[min(3, exc.lineno - 1, len(lines) - 1)]
