"""Organisation profiles: a folder with org.yaml, assets and template overrides.

A profile is untrusted input. It is read with the same strict YAML reader and
schema checks as the framework data, every path in it must stay inside its
folder, and everything that later reaches CSS, file names or office files is
validated here rather than escaped later.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from generator import dates, model, trust, values
from generator.model import DEFAULT_FRAMEWORK, doc
from generator.org.branding import (
    DEFAULT_PALETTE,
    PAPER_SIZES,
    POSTER_SIZES,
    Branding,
    DocumentControl,
    LevelColours,
    Logo,
    contrast_ratio,
    text,
)
from generator.problems import InputError, Problem
from generator.search_path import SearchPath
from generator.source.schema import COLOUR, SLUG, from_raw, record_schema, schema_errors, valid_part
from generator.source.yaml_reader import Document, YamlError, load_yaml
from generator.tables import RACI_LEADING, RACI_TRAILING

PROFILE_FILE = "org.yaml"
TEMPLATES_SUBDIR = "templates"
FONT_FAMILIES = ("DejaVu Sans",)  # families the project bundles in templates/fonts/
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_FONT_BYTES = 10 * 1024 * 1024
MAX_LOGO_PIXELS = 40_000_000  # a bigger image is refused before it is decoded
LOGO_MAX_PIXELS = 1200  # longest side after loading; larger logos are scaled down once
MIN_CONTRAST = 4.5  # WCAG AA for normal text
FONT_FAMILY_NAME = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$"  # safe as it is in CSS, Word's XML and file names
MAX_SLUG = 64  # a file prefix: release names add about 40 characters, and many file systems stop at 255
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
RACI_HEADINGS = (*RACI_LEADING, RACI_TRAILING)
_FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true")
MAX_ENTRIES = 200  # roles added, renamed or dropped, models, overridden domains: a work budget (see limits.py)


# --- the org.yaml record ---------------------------------------------------


@dataclass(frozen=True)
class LevelColourSpec:
    fill: str = field(metadata={"pattern": COLOUR})
    text: str = field(metadata={"pattern": COLOUR})


@dataclass(frozen=True)
class ColoursSpec:
    primary: str | None = field(default=None, metadata={"pattern": COLOUR})
    accent: str | None = field(default=None, metadata={"pattern": COLOUR})
    levels: Mapping[str, LevelColourSpec] = field(
        default_factory=dict, metadata={**doc("level id -> fill and text"), "max_items": MAX_ENTRIES}
    )


@dataclass(frozen=True)
class FontSpec:
    family: str | None = field(default=None, metadata=doc("a bundled family: " + ", ".join(FONT_FAMILIES)))
    file: str | None = field(default=None, metadata=doc("a .ttf or .otf file inside the profile folder"))


@dataclass(frozen=True)
class RolesSpec:
    rename: Mapping[str, str] = field(
        default_factory=dict, metadata={**doc("role id -> the organisation's name"), "max_items": MAX_ENTRIES}
    )
    add: tuple[model.Role, ...] = field(default=(), metadata={"max_items": MAX_ENTRIES})
    drop: tuple[str, ...] = field(
        default=(), metadata={**doc("role ids the organisation does not have"), "max_items": MAX_ENTRIES}
    )


@dataclass(frozen=True)
class OrgFile:
    """org.yaml. A field named as one of `Branding`'s passes into the branding; None keeps the branding's default."""

    name: str = field(metadata=text("the organisation's name, as it appears on every artifact"))
    framework: str | None = field(
        default=None,
        metadata={"pattern": SLUG, "doc": "id of the framework this profile tailors (default: the default)"},
    )
    short_name: str | None = field(default=None, metadata=text("a shorter form for headers and narrow places"))
    file_prefix: str | None = field(default=None, metadata={"pattern": SLUG, "doc": "slug for folder and file names"})
    logo: str | None = field(default=None, metadata=doc("PNG, JPEG or SVG file inside the profile folder"))
    logo_raster: str | None = field(default=None, metadata=doc("PNG or JPEG for Word and Excel when logo is SVG"))
    colours: ColoursSpec | None = None
    font: FontSpec | None = None
    classification: str | None = field(default=None, metadata=text("the label printed on the policy pack"))
    document_control: DocumentControl = field(default_factory=DocumentControl)
    models_in_use: tuple[str, ...] = field(
        default=(), metadata={**doc("deployment model ids; empty means all"), "max_items": MAX_ENTRIES}
    )
    roles: RolesSpec | None = None
    raci_overrides: Mapping[str, Mapping[str, str]] = field(
        default_factory=dict, metadata={**doc("domain id -> role id -> R, A, C or I"), "max_items": MAX_ENTRIES}
    )
    mappings: tuple[str, ...] | None = field(
        default=None,
        metadata={**doc("ids of the frameworks mapped (crosswalks) to show; omitted: all, []: none"), "max_items": 50},
    )
    poster_size: str | None = field(default=None, metadata=doc("one of " + ", ".join(POSTER_SIZES)))
    paper_size: str | None = field(
        default=None, metadata=doc("the workbook's print paper: one of " + ", ".join(PAPER_SIZES))
    )


PROFILE_SCHEMA = record_schema(OrgFile, PROFILE_FILE)


# --- the loaded profile ----------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """An organisation's validated profile: who it is, how it looks, how it tailors the framework."""

    folder: Path
    slug: str
    branding: Branding
    search_path: SearchPath  # the profile's templates/ (when present) before the defaults; assets from its folder
    models_in_use: tuple[str, ...]
    roles: RolesSpec
    raci_overrides: Mapping[str, Mapping[str, str]]
    mappings: tuple[str, ...] | None = None  # the framework ids to map; None: every one the data maps


def tailored_framework(folder: Path) -> str:
    """Return the id of the framework a profile folder tailors (its org.yaml's `framework`, else the default).

    Read before the profile is checked, to know which framework to check it against; an unreadable
    file gives the default, and load_profile then reports what is wrong with it.
    """
    try:
        data = load_yaml(folder / PROFILE_FILE, trusted=False).data
    except (YamlError, OSError):
        return DEFAULT_FRAMEWORK
    named = data.get("framework") if isinstance(data, dict) else None
    return named if isinstance(named, str) and values.whole_match(SLUG, named) else DEFAULT_FRAMEWORK


def load_profile(folder: Path, framework: model.Framework, text: str | None = None) -> Profile:
    """Read and check a profile folder against the framework; raise InputError listing every problem.

    `text`, if given, is checked as the folder's org.yaml instead of the file (an edit not yet written).
    """
    folder = folder.resolve()
    path = folder / PROFILE_FILE
    if not folder.is_dir():
        raise InputError([Problem(folder, None, "", "profile folder not found; create it with `init-org`")])
    try:
        document = load_yaml(path, trusted=False, text=text)
    except YamlError as exc:
        raise InputError(exc.problems) from None
    errors = schema_errors(document.data, PROFILE_SCHEMA)
    problems = [document.problem(key_path, message) for key_path, message in errors]
    valid = valid_part(document.data, PROFILE_SCHEMA, {"name": "-"}) if isinstance(document.data, dict) else None
    if valid is None:
        raise InputError(problems)
    broken = [key_path for key_path, _ in errors] + ([("name",)] if valid["name"] != document.data.get("name") else [])
    checker = _ProfileChecker(folder, document, from_raw(OrgFile, valid), framework, broken)
    profile = checker.profile()
    if problems or checker.problems:
        raise InputError(problems + checker.problems)
    return profile


class _ProfileChecker:
    """The checks beyond the schema. The record holds the schema-valid part of org.yaml; a check that reads
    a part the schema refused (`broken`, reported already) is skipped, so it reports nothing false."""

    def __init__(
        self, folder: Path, document: Document, spec: OrgFile, framework: model.Framework, broken: Sequence[tuple] = ()
    ):
        self.folder, self.doc, self.spec, self.fw, self.broken = folder, document, spec, framework, broken
        self.problems: list[Problem] = []

    def intact(self, *key_paths: tuple) -> bool:
        """Say whether the schema accepted these parts of org.yaml and everything inside and around them."""
        return not any(b[: len(k)] == k or k[: len(b)] == b for b in self.broken for k in key_paths)

    def report(self, key_path: tuple, message: str) -> None:
        self.problems.append(self.doc.problem(key_path, message))

    def profile(self) -> Profile:
        """Run every check; return the profile built from the checked values (valid only without problems)."""
        spec = self.spec
        self.check_texts()
        self.check_framework()
        slug = self.check_slug() if self.intact(("name",), ("short_name",), ("file_prefix",)) else "-"
        self.check_models()
        self.check_mappings()
        roles = spec.roles or RolesSpec()
        found = len(self.problems)
        self.check_roles(roles)
        if len(self.problems) == found and self.intact(("roles",), ("raci_overrides",)):
            self.check_one_accountable(roles)
        self.check_numbers()
        colours = spec.colours or ColoursSpec()
        logo = self.check_logo() if self.intact(("logo",), ("logo_raster",)) else None
        branding = make_branding(spec, slug, logo, self.check_font(), self.palette(colours))
        return Profile(
            folder=self.folder,
            slug=slug,
            branding=branding,
            search_path=self.search_path(),
            models_in_use=spec.models_in_use,
            roles=roles,
            raci_overrides=spec.raci_overrides,
            mappings=spec.mappings,
        )

    # --- checks -----------------------------------------------------------

    def check_texts(self) -> None:
        """Check every field marked as organisation text (`branding.text`): it ends up in headings and labels."""
        for key_path, value in text_fields(self.spec):
            if value and self.intact(key_path):
                self.check_text(key_path, value)

    def check_slug(self) -> str:
        """Return the edition's file prefix: file_prefix, else made from the short name or name, cut at MAX_SLUG."""
        spec = self.spec
        key = ("file_prefix",) if spec.file_prefix else ("name",)
        slug = spec.file_prefix or slugify(spec.short_name or spec.name)[:MAX_SLUG].rstrip("-")
        if not values.whole_match(SLUG, slug):
            self.report(key, f"cannot make a file-name slug from {spec.name!r}; set file_prefix: my-org")
        elif len(slug) > MAX_SLUG:
            self.report(key, f"{slug!r} is {len(slug)} characters long; use at most {MAX_SLUG}")
        elif slug.split("-")[0] in WINDOWS_RESERVED:
            self.report(
                key, f"{slug!r} starts with a name Windows reserves for devices; set file_prefix: {slug}-org or another"
            )
        return slug

    def check_numbers(self) -> None:
        spec, control = self.spec, self.spec.document_control
        if not 1 <= control.review_cycle_months <= 60:
            self.report(("document_control", "review_cycle_months"), "expected a number of months from 1 to 60")
        if control.issue_date is not None:
            try:
                problem = dates.issue_date_problem(control.issue_date, dates.build_day())
            except ValueError:
                problem = None  # a malformed SOURCE_DATE_EPOCH: the build says so
            if problem:
                self.report(("document_control", "issue_date"), problem)
        if spec.poster_size and spec.poster_size not in POSTER_SIZES:
            self.report(("poster_size",), f"found {spec.poster_size!r}, expected one of {', '.join(POSTER_SIZES)}")
        if spec.paper_size and spec.paper_size not in PAPER_SIZES:
            self.report(("paper_size",), f"found {spec.paper_size!r}, expected one of {', '.join(PAPER_SIZES)}")

    def check_text(self, key_path: tuple, value: str) -> None:
        problem = values.name_problem(value)
        if problem:
            self.report(key_path, problem)

    def check_framework(self) -> None:
        tailors = self.spec.framework or DEFAULT_FRAMEWORK
        if tailors != self.fw.info.id:
            self.report(
                ("framework",), f"this profile tailors {tailors}, not {self.fw.info.id}; build it without --framework"
            )

    def check_models(self) -> None:
        known = [m.id for m in self.fw.models]
        seen = set()
        for i, model_id in enumerate(self.spec.models_in_use):
            if model_id not in known:
                self.report(("models_in_use", i), f"unknown model id {model_id!r}; expected one of {', '.join(known)}")
            if model_id in seen:
                self.report(("models_in_use", i), f"{model_id} is listed twice; keep one")
            seen.add(model_id)

    def check_mappings(self) -> None:
        known = [w.reference.id for w in self.fw.mappings]
        seen = set()
        for i, ref_id in enumerate(self.spec.mappings or ()):
            if ref_id not in known:
                expected = ", ".join(known) if known else "none (this framework version maps no framework)"
                self.report(("mappings", i), f"unknown framework {ref_id!r}; expected one of {expected}")
            if ref_id in seen:
                self.report(("mappings", i), f"{ref_id} is listed twice; keep one")
            seen.add(ref_id)

    def check_roles(self, roles: RolesSpec) -> None:
        default_ids = [r.id for r in self.fw.roles]
        for role_id, name in roles.rename.items():
            self.known(("roles", "rename", role_id), role_id, default_ids, "role id")
            self.check_text(("roles", "rename", role_id), name)
        for i, role_id in enumerate(roles.drop):
            self.known(("roles", "drop", i), role_id, default_ids, "role id")
        for i, role in enumerate(roles.add):
            if role.id in default_ids or [r.id for r in roles.add].count(role.id) > 1:
                self.report(("roles", "add", i, "id"), f"role id {role.id!r} already exists; choose another id")
            self.check_text(("roles", "add", i, "name"), role.name)
            problem = values.text_problem(getattr(role, "description", "") or "")
            if problem:
                self.report(("roles", "add", i, "description"), problem)
        if not self.intact(("roles", "add"), ("roles", "drop")):
            return  # the overrides' role ids cannot be checked against roles the schema refused
        final_roles = [r for r in default_ids if r not in roles.drop] + [r.id for r in roles.add]
        self.check_role_names(roles)
        domain_ids = [d.id for d in self.fw.domains]
        for domain_id, letters in self.spec.raci_overrides.items():
            self.known(("raci_overrides", domain_id), domain_id, domain_ids, "domain id")
            for role_id, letter in letters.items():
                self.known(("raci_overrides", domain_id, role_id), role_id, final_roles, "role id")
                if letter not in model.RACI_LETTERS:
                    self.report(
                        ("raci_overrides", domain_id, role_id),
                        f"found {letter!r}, expected one of {', '.join(model.RACI_LETTERS)}",
                    )

    def check_role_names(self, roles: RolesSpec) -> None:
        """Every role's name heads a column of the RACI sheet: unique ignoring case, and not a fixed heading."""
        names: dict[str, tuple[str, tuple]] = {  # the defaults first: a clash is reported where the profile adds it
            r.id: (roles.rename.get(r.id, r.name), ("roles", "rename", r.id))
            for r in self.fw.roles
            if r.id not in roles.drop
        }
        names.update({r.id: (r.name, ("roles", "add", i, "name")) for i, r in enumerate(roles.add)})
        seen = {heading.casefold(): f"the RACI sheet's fixed column {heading!r}" for heading in RACI_HEADINGS}
        for role_id, (name, key_path) in names.items():
            other = seen.get(name.casefold())
            if other is not None:
                self.report(key_path, f"role name {name!r} is the same as {other} (ignoring case); choose another")
            seen.setdefault(name.casefold(), f"the name of role {role_id}")

    def check_one_accountable(self, roles: RolesSpec) -> None:
        """Every domain keeps exactly one A once roles are dropped and added and the overrides applied."""
        for row in self.fw.raci:
            letters = {r: x for r, x in row.letters.items() if r not in roles.drop}
            letters.update(dict.fromkeys((r.id for r in roles.add), "I"))
            letters.update(self.spec.raci_overrides.get(row.domain_id, {}))
            accountable = [r for r, x in letters.items() if x == model.ACCOUNTABLE]
            if len(accountable) != 1:
                found = ", ".join(accountable) or "none (the accountable role was dropped)"
                self.report(
                    ("raci_overrides", row.domain_id) if row.domain_id in self.spec.raci_overrides else ("roles",),
                    f"domain {row.domain_id} must keep exactly one A after the overrides, found {found}; "
                    f"set `raci_overrides: {{{row.domain_id}: {{<role id>: A}}}}`",
                )

    def check_logo(self) -> Logo | None:
        spec = self.spec
        if not spec.logo:
            if spec.logo_raster:
                self.report(("logo_raster",), "logo_raster is only used with an SVG logo; set logo instead")
            return None
        if spec.logo.lower().endswith(".svg"):
            logo_path = self.check_svg(spec.logo)
            if logo_path is None:
                return None
            if not spec.logo_raster:
                self.report(("logo",), "an SVG logo needs logo_raster: a PNG or JPEG copy for Word and Excel")
                return None
            raster = self.raster(("logo_raster",), spec.logo_raster)
            return Logo(logo_path, *raster) if raster else None
        raster = self.raster(("logo",), spec.logo)
        return Logo(None, *raster) if raster else None

    def check_svg(self, relative: str) -> Path | None:
        found = self.read(("logo",), relative, MAX_LOGO_BYTES)
        if found is None:
            return None
        path, data = found
        if "<svg" not in data[:4096].decode("utf-8", "replace"):
            self.report(("logo",), f"{path.name} is not an SVG image under {MAX_LOGO_BYTES // 1048576} MiB")
            return None
        return path

    def raster(self, key_path: tuple, relative: str) -> tuple[bytes, str, int, int] | None:
        """Check a PNG or JPEG and scale it down once so no renderer pays for a huge image."""
        from PIL import Image, UnidentifiedImageError

        found = self.read(key_path, relative, MAX_LOGO_BYTES)
        if found is None:
            return None
        data = found[1]
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.size[0] * image.size[1] > MAX_LOGO_PIXELS:
                    raise Image.DecompressionBombError(f"{image.size[0]} x {image.size[1]} pixels")
                image.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except Image.DecompressionBombError as exc:
            self.report(key_path, f"{relative} is too large an image ({exc}); use at most {MAX_LOGO_PIXELS} pixels")
            return None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            self.report(key_path, f"{relative} is not a readable image; use a PNG or JPEG file")
            return None
        if image.format not in LOGO_TYPES:
            self.report(key_path, f"{relative} is a {image.format} image; use PNG, JPEG or SVG")
            return None
        if max(image.size) > LOGO_MAX_PIXELS:
            image.thumbnail((LOGO_MAX_PIXELS, LOGO_MAX_PIXELS))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
            return out.getvalue(), LOGO_TYPES["PNG"], *image.size
        return data, LOGO_TYPES[image.format], *image.size

    def check_font(self) -> tuple[Path, str] | None:
        """Return the profile's own font file and its family name, when it gives a readable one."""
        font = self.spec.font
        if font is None:
            return None
        if font.family and font.file:
            self.report(("font",), "give either family or file, not both")
        if font.family and font.family not in FONT_FAMILIES:
            self.report(("font", "family"), f"found {font.family!r}, expected one of {', '.join(FONT_FAMILIES)}")
        if not font.file:
            return None
        if not font.file.lower().endswith((".ttf", ".otf")):
            self.report(("font", "file"), f"{font.file} must be a .ttf or .otf file under 10 MiB")
            return None
        found = self.read(("font", "file"), font.file, MAX_FONT_BYTES)
        if found is None:
            return None
        path, data = found
        name = _family_name(data) if data[:4] in _FONT_MAGIC else None
        if name is None:
            self.report(("font", "file"), f"{font.file} is not a readable TrueType or OpenType font")
            return None
        family = name or path.stem
        if not values.whole_match(FONT_FAMILY_NAME, family):  # it goes into CSS and Word's XML as it is
            self.report(
                ("font", "file"),
                f"the font's family name {family!r} is not plain letters, digits, spaces, '.', '-' or '_' "
                "(at most 63); use a font with a plain family name",
            )
            return None
        return path, family

    def palette(self, colours: ColoursSpec) -> Mapping[str, LevelColours]:
        level_ids = [v.id for v in self.fw.info.levels]
        palette = dict(DEFAULT_PALETTE)
        for level_id, spec in colours.levels.items():
            if not self.known(("colours", "levels", level_id), level_id, level_ids, "level id"):
                continue
            ratio = contrast_ratio(spec.fill, spec.text)
            if ratio < MIN_CONTRAST:
                self.report(
                    ("colours", "levels", level_id),
                    f"text {spec.text} on {spec.fill} has contrast {ratio:.2f}:1, expected at least {MIN_CONTRAST}:1",
                )
            palette[level_id] = LevelColours(spec.fill.upper(), spec.text.upper())
        return MappingProxyType(palette)

    # --- helpers ----------------------------------------------------------

    def inside(self, key_path: tuple, relative: str) -> Path | None:
        """Return a profile path checked as given: relative, no `..`, no symlink on the way, a file."""
        try:
            trust.relative_parts(relative)
        except trust.Refused:
            self.report(key_path, f"{relative!r} must be a relative path inside the profile folder")
            return None
        try:
            path = trust.contained(self.folder, relative)
        except trust.Refused as exc:
            self.report(key_path, f"{exc}; keep every file inside the profile folder")
            return None
        except OSError:
            self.report(key_path, f"{relative!r} not found in {self.folder}; add the file or fix the path")
            return None
        if not path.is_file():
            self.report(key_path, f"{relative!r} in {self.folder} is not a plain file; add the file or fix the path")
            return None
        return path

    def read(self, key_path: tuple, relative: str, max_bytes: int) -> tuple[Path, bytes] | None:
        """Read a profile file through the trust boundary, reporting why it was refused."""
        path = self.inside(key_path, relative)
        if path is None:
            return None
        try:
            return path, trust.read_file(path, max_bytes)
        except trust.Refused as exc:
            self.report(key_path, str(exc))
        except OSError as exc:
            self.report(key_path, f"{relative!r} cannot be read ({exc.strerror})")
        return None

    def search_path(self) -> SearchPath:
        found, problem = profile_search_path(self.folder)
        if problem:
            self.report((), problem)
        return found

    def known(self, key_path: tuple, value: str, allowed: list[str], what: str) -> bool:
        if value in allowed:
            return True
        self.report(key_path, f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
        return False


def make_branding(
    spec: OrgFile, slug: str, logo: Logo | None, font: tuple[Path, str] | None, palette: Mapping[str, LevelColours]
) -> Branding:
    """Build the branding from checked values; what the profile leaves out keeps the default.

    Fields of org.yaml named as a field of the branding pass through as they are; the rest are made here.
    """
    defaults, colours = Branding(), spec.colours or ColoursSpec()
    same = {f.name for f in dataclasses.fields(Branding)} & {f.name for f in dataclasses.fields(OrgFile)}
    given = {name: getattr(spec, name) for name in same if getattr(spec, name) is not None}
    made = {
        "organisation": spec.name,
        "logo": logo,
        "primary": (colours.primary or defaults.primary).upper(),
        "accent": (colours.accent or defaults.accent).upper(),
        "palette": palette,
        "font_family": font[1] if font else (spec.font and spec.font.family) or defaults.font_family,
        "font_file": font[0] if font else None,
        "file_prefix": slug,
    }
    return Branding(**{**given, **made})


def text_fields(record: Any, key_path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str | None]]:
    """Yield the key path and value of every field marked `text()` in a record and the records inside it."""
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if f.metadata.get("text"):
            yield (*key_path, f.name), value
        elif dataclasses.is_dataclass(value):
            yield from text_fields(value, (*key_path, f.name))


def profile_search_path(folder: Path) -> tuple[SearchPath, str | None]:
    """Return a profile folder's search path, and why its templates/ was refused (a symlink, a file)."""
    assets_only = SearchPath(assets=(folder,))
    try:
        templates = trust.contained(folder, TEMPLATES_SUBDIR)
    except FileNotFoundError:
        return assets_only, None
    except trust.Refused as exc:
        return assets_only, f"{exc}; the overrides must be inside the profile folder"
    if not templates.is_dir():
        return assets_only, f"{templates} is not a folder; template overrides go in a templates/ folder"
    return SearchPath(overrides=(templates,), assets=(folder,)), None


def _family_name(data: bytes) -> str | None:
    """Return a font's family name ("" when it has none), or None when fontTools cannot read it."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(io.BytesIO(data), lazy=False) as font:
            font["cmap"].getBestCmap()
            return font["name"].getBestFamilyName() or ""
    except Exception:  # fontTools raises many kinds on a broken file
        return None


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
