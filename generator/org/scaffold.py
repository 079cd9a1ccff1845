"""`init-org`: scaffold an organisation profile folder with every key explained."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from generator import trust
from generator.model import DEFAULT_FRAMEWORK, Framework
from generator.org.branding import PAPER_SIZES, POSTER_SIZES, Branding
from generator.org.profile import FONT_FAMILIES, PROFILE_FILE, TEMPLATES_SUBDIR, slugify


class ScaffoldError(Exception):
    """The profile folder cannot be made; nothing was written. The message names the path."""


def init_org(folder: Path, name: str, framework: Framework) -> list[Path]:
    """Write org.yaml and a templates/ folder; refuse to overwrite or write through a symlink.

    A new folder is made complete beside its place and then renamed into it; in an existing
    folder each file is created exclusively (never through a planted symlink), and on any
    failure what was made is removed again.
    """
    target = folder / PROFILE_FILE
    if os.path.lexists(target):
        raise ScaffoldError(f"{target} already exists; edit it, or choose another folder")
    files = {PROFILE_FILE: org_yaml(name, framework), f"{TEMPLATES_SUBDIR}/README.md": _TEMPLATES_README}
    try:
        trust.real_dir(folder)
        if not folder.exists():
            folder.parent.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
            try:
                _write_files(scratch, files)
                os.chmod(scratch, 0o755)
                os.rename(scratch, folder)
            except BaseException:
                shutil.rmtree(scratch, ignore_errors=True)
                raise
        else:
            _write_files(folder, files)
    except trust.Refused as exc:
        raise ScaffoldError(f"{exc}; nothing was written") from None
    except OSError as exc:
        raise ScaffoldError(f"cannot write {exc.filename or folder}: {exc.strerror}; nothing was written") from None
    return [folder / relative for relative in files]


def _write_files(root: Path, files: dict[str, str]) -> None:
    """Create each file exclusively, its folders real; undo everything made when one fails."""
    made: list[Path] = []
    try:
        for relative, text in files.items():
            parent = (root / relative).parent
            if not os.path.lexists(parent):
                trust.make_dirs(root, Path(relative).parent)
                made.append(parent)
            trust.real_dir(parent)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(root / relative, flags, 0o644)
            made.append(root / relative)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
    except BaseException:
        for path in reversed(made):
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
        raise


def org_yaml(name: str, framework: Framework) -> str:
    """Return a commented org.yaml for `name`, listing the framework's models, roles and levels."""
    d = Branding()
    models = "\n".join(f"#   - {m.id:<14} {m.name}" for m in framework.models)
    roles = "\n".join(f"#   {r.id:<22} {r.name}" for r in framework.roles)
    mapped = ", ".join(w.reference.id for w in framework.mappings) or "none in this framework version"
    width = max(len(d.id) for d in framework.domains) + 1
    domains = "\n".join(f"#   {d.id:<{width}} {d.name}" for d in framework.domains)
    levels = ", ".join(v.id for v in framework.info.levels)
    tailors = (
        ""
        if framework.info.id == DEFAULT_FRAMEWORK
        else f"# The framework this profile tailors.\nframework: {framework.info.id}\n"
    )
    return f"""\
# Organisation profile: `python -m generator build --org <this folder>` builds your edition.
# Every path below is relative to this folder and must stay inside it.

# Your organisation's name, as it appears on every artifact.
name: {json.dumps(name)}
{tailors}# A shorter form for headers and narrow places (optional).
# short_name: {json.dumps(name.split()[0])}
# Slug for the output folder and file names (default: made from the name).
file_prefix: {slugify(name) or "my-org"}

# Logo: a PNG, JPEG or SVG file in this folder (at most 5 MiB; large images are scaled down).
# An SVG logo also needs logo_raster, a PNG or JPEG copy for Word and Excel.
# logo: logo.png
# logo_raster: logo.png

# Colours as #RRGGBB. primary: headings and table headers; accent: rules and highlights.
colours:
  primary: "{d.primary}"
  accent: "{d.accent}"
  # Per-level cell colours (level ids: {levels}). Keep text readable: 4.5:1 contrast or more.
  # levels:
  #   customer: {{fill: "#F0B33C", text: "#000000"}}

# Font: a bundled family ({", ".join(FONT_FAMILIES)}) or a .ttf/.otf file in this folder.
# font:
#   family: {FONT_FAMILIES[0]}
#   file: fonts/MyFont.ttf

# Classification label printed on the policy pack.
classification: {d.classification}

# Document control, shown on the policy pack, the poster, the workbook's About sheet and in OSCAL.
document_control:
  owner: {json.dumps(d.document_control.owner)}
  approver: {json.dumps(d.document_control.approver)}
  # This edition's version: raise it for each new issue. Release file names carry it
  # (<file_prefix>-<framework version>-v<version>-...), so a new version never replaces an approved one.
  version: {json.dumps(d.document_control.version)}
  # Where the document stands, e.g. "Draft for approval", "Approved".
  status: {json.dumps(d.document_control.status)}
  # The day this version takes effect, as YYYY-MM-DD (at most a year ahead). Without it the edition
  # is dated the day it is built (UTC; SOURCE_DATE_EPOCH sets it) and rebuilt when the day changes.
  # issue_date: 2026-01-15
  # Months between reviews (1 to 60); the next review is due this long after the issue date.
  review_cycle_months: {d.document_control.review_cycle_months}

# Deployment models you use (ids below); leave empty for all of them.
# models_in_use:
{models}
models_in_use: []

# Frameworks mapped (crosswalks) to show in every format; omit for all of them, [] for none:
# {mapped}
# mappings: []

# Internal roles. Default role ids and names:
{roles}
# roles:
#   rename: {{security-leadership: Office of the CISO}}
#   drop: [procurement-vendor]
#   add:
#     - id: ai-review-board
#       name: AI Review Board
#       description: Approves new AI use cases.

# Change RACI letters (R, A, C, I) per domain and role; each domain keeps exactly one A.
# Domain ids:
{domains}
# raci_overrides:
#   agent-governance: {{ai-review-board: A, risk-governance: R}}
raci_overrides: {{}}

# Poster page size: {", ".join(POSTER_SIZES)}.
poster_size: {d.poster_size}

# The paper the workbook prints on: {", ".join(PAPER_SIZES)}.
paper_size: {d.paper_size}
"""


_TEMPLATES_README = """\
# Template overrides

A file here at the same relative path as one of the project's templates replaces it
(`python -m generator templates` lists them with the variables each receives).
An override can extend the template it replaces and change a single block:

    {% extends "!default/markdown/index.md.j2" %}

A Word template at `word/policy-pack.docx` replaces the default policy-pack template.
Templates render in a sandbox: they see plain data only and cannot read files.
"""
