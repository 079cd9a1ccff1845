"""The Jinja environment: sandboxed, strict, organisation overrides first."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_PREFIX = "!default"
_ESCAPED_SUFFIXES = (".html.j2", ".html", ".xml.j2", ".svg.j2")


class TemplateOutsideError(jinja2.TemplateError):
    """A template path resolves outside its folder (a symlink or `..`): refused, never read."""


class ContainedLoader(jinja2.FileSystemLoader):
    """A file loader that refuses any template resolving outside its folder (symlinks included)."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        super().__init__(str(self.root))

    def get_source(self, environment, template):
        candidate = self.root / template
        if not candidate.exists():
            raise jinja2.TemplateNotFound(template)
        path = candidate.resolve()
        if not path.is_relative_to(self.root):
            raise TemplateOutsideError(f"{candidate} resolves to {path}, outside {self.root}; copy the file in")
        return super().get_source(environment, template)


def make_environment(override_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """Build the environment: override folders first, then the defaults; `!default/` reaches a default."""
    defaults = ContainedLoader(TEMPLATES_DIR)
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({DEFAULT_PREFIX: defaults}, delimiter="/"),
            *(ContainedLoader(d) for d in override_dirs),
            defaults,
        ]
    )
    env = ImmutableSandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=lambda name: bool(name) and name.endswith(_ESCAPED_SUFFIXES),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["md_cell"] = md_cell
    env.filters["md_text"] = md_text
    return env


# What Markdown could read as markup inside a name or a sentence, and nothing else, so the raw file reads as written.
_MD_SPECIAL = re.compile(
    r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]*;)"  # an entity: &amp; &#38; &#x26;
    r"|<(?=[A-Za-z/!?])"  # an HTML tag, comment or autolink: <b> </b> <!-- <?x <http://x>
    r"|[\\`*\[\]~]"  # escapes, code spans, emphasis, links and images, strikethrough
    r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"  # emphasis by underscore (snake_case stays)
    r"|(?<=[A-Za-z0-9]):(?=//)|(?<=[wW]{3})\."  # bare-URL autolinks: http:// www.
    r"|@(?=[A-Za-z0-9-]+\.)"  # bare e-mail autolinks: a@b.com
    r"|^[#>+=-]"  # a heading, quote, list or rule where the text starts a line
)
_ORDERED_ITEM = re.compile(r"^([0-9]+)([.)])")  # "1. " would start an ordered list


def _escape(match: re.Match) -> str:
    text = match.group()
    return "&amp;" if text == "&" else "\\" + text


def md_text(value: object) -> str:
    """Keep text literal in GitHub Markdown on one line: escape only what could become markup.

    No text can become a link, an image, HTML, an entity, a code span, emphasis or a block; a
    literal `&` or `<` that starts nothing stays as written (`Smith & Sons`, `a < b`).
    """
    text = _MD_SPECIAL.sub(_escape, " ".join(str(value).split()))
    return _ORDERED_ITEM.sub(r"\1\\\2", text)


def md_cell(value: object) -> str:
    """Make text safe inside a Markdown table cell: literal, one line, pipes escaped."""
    return md_text(value).replace("|", "\\|")


def find_template(relative: str, override_dirs: Sequence[Path] = ()) -> Path:
    """Return the first existing file `relative` in the override folders, then the defaults.

    A name resolving outside its folder (`..`, an absolute path, a symlink) is refused.
    """
    roots = [*override_dirs, TEMPLATES_DIR]
    for root in (r.resolve() for r in roots):
        path = (root / relative).resolve()
        if not path.is_relative_to(root):
            raise ValueError(f"template {relative} resolves outside {root}")
        if path.is_file():
            return path
    raise FileNotFoundError(f"template {relative} not found in {', '.join(str(r) for r in roots)}")


class TemplateRenderError(Exception):
    """A template failed to load or render; the message names the template file and line."""


def render_template(env: jinja2.Environment, name: str, context: dict) -> str:
    """Render a template; on any template error, say which file and line, and what went wrong."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name or name}, line {exc.lineno}"
        raise TemplateRenderError(f"template {where}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        message = f"no template {exc.name!r} inside the allowed template folders"
        raise TemplateRenderError(f"template {_failing_frame(exc, name)}: {message}") from None
    except (jinja2.TemplateError, jinja2.exceptions.SecurityError) as exc:
        raise TemplateRenderError(f"template {_failing_frame(exc, name)}: {exc}") from None


def _failing_frame(exc: BaseException, name: str) -> str:
    """Return 'file, line N' of the innermost template frame in the traceback, else the template name."""
    where = name
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = f"{filename}, line {tb.tb_lineno}"
        tb = tb.tb_next
    return where
