"""The Jinja environment: sandboxed, strict, organisation overrides first."""

from __future__ import annotations

import math
import re

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from generator import limits
from generator.search_path import DEFAULT_PREFIX, TEMPLATES_DIR, SearchPath, TemplateOutsideError
from generator.template_blocks import UnknownBlockError, check_blocks

__all__ = ["DEFAULT_PREFIX", "TEMPLATES_DIR", "TemplateOutsideError", "make_environment", "render_template"]
MAX_POWER_BITS = 4096  # `**` results larger than this many bits are refused
_ESCAPED_SUFFIXES = (".html.j2", ".html", ".xml.j2", ".svg.j2")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with bounds: `range`, string and list repetition, `lipsum`, big powers.

    Every call and every `range` step also checks the render's time limit, for threads where
    the timer signal of `limits.time_limit` cannot reach.
    """

    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.globals["range"] = _BoundedRange
        self.globals["lipsum"] = _bounded_lipsum(self.globals["lipsum"])

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            for items, count in ((left, right), (right, left)):
                repeats = isinstance(items, str | list | tuple) and isinstance(count, int)
                if repeats and len(items) * count > limits.MAX_STRING:
                    raise limits.LimitExceeded(
                        f"repetition makes {len(items) * count} items, more than {limits.MAX_STRING}"
                    )
        numbers = isinstance(left, int | float) and isinstance(right, int | float)
        if operator == "**" and numbers and abs(left) > 1 and right * math.log2(abs(left)) > MAX_POWER_BITS:
            raise limits.LimitExceeded(f"power {left} ** {right} is too large")
        return super().call_binop(context, operator, left, right)

    def call(self, __context, __obj, *args, **kwargs):
        limits.check_time()
        return super().call(__context, __obj, *args, **kwargs)


class _BoundedRange:
    """`range` for templates: at most MAX_RANGE items, and each step counts against the time limit."""

    def __init__(self, *args: int):
        self.items = range(*args)
        if len(self.items) > limits.MAX_RANGE:
            raise limits.LimitExceeded(f"range of {len(self.items)} items, more than {limits.MAX_RANGE}")

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        for n, item in enumerate(self.items):
            if n % 1024 == 0:
                limits.check_time()
            yield item


def _bounded_lipsum(lipsum):
    def bounded(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        if n * max * 8 > limits.MAX_STRING:
            raise limits.LimitExceeded(f"lipsum({n}, max={max}) makes too much text")
        return lipsum(n, html, min, max)

    return bounded


def make_environment(search_path: SearchPath | None = None) -> jinja2.Environment:
    """Build the sandboxed environment over a search path: overrides first, then the defaults."""
    env = BoundedSandbox(
        loader=(search_path or SearchPath()).loader(),
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


class TemplateRenderError(Exception):
    """A template failed to load or render; the message names the template file and line."""


def render_template(env: jinja2.Environment, name: str, context: dict) -> str:
    """Render a template; on any template error, say which file and line, and what went wrong."""
    try:
        template = env.get_template(name)
        check_blocks(env, name)
        return _bounded_render(template, context)
    except UnknownBlockError as exc:
        raise TemplateRenderError(str(exc)) from None
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name or name}, line {exc.lineno}"
        raise TemplateRenderError(f"template {where}: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        message = f"no template {exc.name!r} inside the allowed template folders"
        raise TemplateRenderError(f"template {_failing_frame(exc, name)}: {message}") from None
    except (jinja2.TemplateError, jinja2.exceptions.SecurityError, limits.LimitExceeded) as exc:
        raise TemplateRenderError(f"template {_failing_frame(exc, name)}: {exc}") from None


def _bounded_render(template: jinja2.Template, context: dict) -> str:
    """Render piece by piece, stopping once the output passes MAX_OUTPUT characters."""
    parts, size = [], 0
    for part in template.generate(context):
        size += len(part)
        if size > limits.MAX_OUTPUT:
            raise limits.LimitExceeded(f"output is larger than {limits.MAX_OUTPUT} characters")
        parts.append(part)
    return "".join(parts)


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
