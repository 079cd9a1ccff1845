"""`init-org`: scaffold an organisation profile folder with every key explained."""

from __future__ import annotations

import json
from pathlib import Path

from generator.model import Framework
from generator.org.branding import POSTER_SIZES, Branding
from generator.org.profile import FONT_FAMILIES, PROFILE_FILE, TEMPLATES_SUBDIR, _slugify


def init_org(folder: Path, name: str, framework: Framework) -> list[Path]:
    """Write org.yaml and a templates/ folder; refuse to overwrite an existing profile."""
    target = folder / PROFILE_FILE
    if target.exists():
        raise FileExistsError(f"{target} already exists; edit it, or choose another folder")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TEMPLATES_SUBDIR).mkdir(exist_ok=True)
    readme = folder / TEMPLATES_SUBDIR / "README.md"
    readme.write_text(_TEMPLATES_README, encoding="utf-8")
    target.write_text(org_yaml(name, framework), encoding="utf-8")
    return [target, readme]


def org_yaml(name: str, framework: Framework) -> str:
    """Return a commented org.yaml for `name`, listing the framework's models, roles and levels."""
    d = Branding()
    models = "\n".join(f"#   - {m.id:<14} {m.name}" for m in framework.models)
    roles = "\n".join(f"#   {r.id:<22} {r.name}" for r in framework.roles)
    levels = ", ".join(v.id for v in framework.info.levels)
    return f"""\
# Organisation profile: `python -m generator build --org <this folder>` builds your edition.
# Every path below is relative to this folder and must stay inside it.

# Your organisation's name, as it appears on every artifact.
name: {json.dumps(name)}
# A shorter form for headers and narrow places (optional).
# short_name: {json.dumps(name.split()[0])}
# Slug for the output folder and file names (default: made from the name).
file_prefix: {_slugify(name) or "my-org"}

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

# Document control of the policy pack.
document_control:
  owner: {json.dumps(d.document_owner)}
  approver: {json.dumps(d.approver)}
  review_cycle_months: {d.review_cycle_months}

# Deployment models you use (ids below); leave empty for all of them.
# models_in_use:
{models}
models_in_use: []

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
# raci_overrides:
#   agent-governance: {{ai-review-board: A, risk-governance: R}}
raci_overrides: {{}}

# Poster page size: {", ".join(POSTER_SIZES)}.
poster_size: {d.poster_size}
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
