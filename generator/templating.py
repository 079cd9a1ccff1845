"""The Jinja environment: sandboxed, strict, organisation overrides first."""

from __future__ import annotations

import hashlib
import importlib.util
import math
import re
from functools import cache
from pathlib import Path

import jinja2
from jinja2 import nodes, pass_context
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from generator import limits, template_cache, user_cache
from generator.search_path import DEFAULT_PREFIX, TEMPLATES_DIR, SearchPath, TemplateOutsideError
from generator.template_blocks import UnknownBlockError, check_blocks

__all__ = ["DEFAULT_PREFIX", "TEMPLATES_DIR", "TemplateOutsideError", "make_environment", "render_template"]
MAX_POWER_BITS = 4096  # `**` results larger than this many bits are refused
_ESCAPED_SUFFIXES = (".html.j2", ".html", ".xml.j2", ".svg.j2")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with counted work: steps, string growth, `range`, `lipsum`, big powers.

    Every loop iteration and every call counts against the render's budget (`limits.Budget`:
    the one `render_template` opens, else this environment's own); every string, list or mapping
    an expression, filter, call or operator makes is measured, and the widths and repetitions
    that would make a huge one are refused before it is made. Every call and every `range` step
    also checks the render's time limit, for threads where the timer signal cannot reach.
    """

    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.budget = limits.Budget()
        self.globals["range"] = _BoundedRange
        self.globals["lipsum"] = _bounded_lipsum(self.globals["lipsum"])
        self.filters.update({_LOOP: _counted_loop, _SIZE: _measured})
        for name in _WIDTH_FILTERS:
            self.filters[name] = _bounded_filter(name, self.filters[name])

    def work(self) -> limits.Budget:
        return limits.current_budget() or self.budget

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
        if operator == "%" and isinstance(left, str):
            _check_widths(_PERCENT_WIDTHS.findall(left), "`%` formatting")
        result = super().call_binop(context, operator, left, right)
        limits.check_size(result, f"`{operator}`")
        return result

    def call(self, __context, __obj, *args, **kwargs):
        limits.check_time()
        self.work().call()
        _check_method(__obj, args)
        result = super().call(__context, __obj, *args, **kwargs)
        limits.check_size(result, f"{getattr(__obj, '__name__', 'a call')}()")
        return result


@pass_context
def _counted_loop(context, items):
    """Count the items a `for` loop takes: all at once for a sized sequence, else item by item."""
    budget = context.environment.work()
    try:
        budget.iterate(len(items))
    except TypeError:
        return _counted_items(budget, items)
    return items


def _counted_items(budget: limits.Budget, items):
    for item in items:
        budget.iterate(1)
        yield item


@pass_context
def _measured(context, value):
    """Pass a `~` result or a filter's result on, refusing one past MAX_STRING."""
    limits.check_size(value, "the expression")
    return value


_LOOP, _SIZE = "_counted_loop", "_measured"
_WIDTH_FILTERS = ("center", "indent", "wordwrap", "join", "replace", "format")
_PERCENT_WIDTHS = re.compile(r"%[-#0 +]*(\*|[0-9]+)?(?:\.(\*|[0-9]+))?")
_BRACE_WIDTHS = re.compile(r"\{[^{}]*?([0-9]+)[^{}]*\}")
_WIDTH_METHODS = frozenset(["center", "ljust", "rjust", "zfill", "expandtabs"])


def _check_widths(widths, what: str) -> None:
    """Refuse a format's width or precision larger than MAX_STRING (or given by `*`)."""
    for found in widths:
        for width in found if isinstance(found, tuple) else (found,):
            if width == "*" or (width and int(width) > limits.MAX_STRING):
                raise limits.LimitExceeded(f"{what} asks for a width of {width}, more than {limits.MAX_STRING:,}")


def _check_method(obj, args) -> None:
    """Refuse str methods whose result would pass MAX_STRING, before they make it."""
    obj = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format
    owner, name = getattr(obj, "__self__", None), getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in _WIDTH_METHODS and args and isinstance(args[0], int):
        size = args[0] * (owner.count("\t") + 1) if name == "expandtabs" else args[0]
        if size > limits.MAX_STRING:
            raise limits.LimitExceeded(f"{name}({args[0]}) makes more than {limits.MAX_STRING:,} characters")
    elif name in ("format", "format_map"):
        _check_widths(_BRACE_WIDTHS.findall(owner), "format()")
    elif name == "join" and args:
        _check_joined(args[0])
    elif name == "replace" and len(args) >= 2:
        _check_replaced(owner, *args[:2])


def _check_joined(items) -> None:
    if isinstance(items, list | tuple | str) and sum(len(str(item)) for item in items) > limits.MAX_STRING:
        raise limits.LimitExceeded(f"join makes more than {limits.MAX_STRING:,} characters")


def _check_replaced(text, old, new) -> None:
    text, old, new = str(text), str(old), str(new)
    if len(text) + (text.count(old) if old else len(text) + 1) * max(0, len(new) - len(old)) > limits.MAX_STRING:
        raise limits.LimitExceeded(f"replace makes more than {limits.MAX_STRING:,} characters")


def _bounded_filter(name: str, original):
    """A built-in filter whose width or count arguments are checked before it runs."""

    lead = 1 if getattr(original, "jinja_pass_arg", None) else 0  # the context or environment comes first

    def bounded(*given, **kwargs):
        args = list(given)
        values = args[lead:]
        if name == "join" and values:
            if not isinstance(values[0], list | tuple | str):
                args[lead] = values[0] = list(values[0])  # a generator is read once, here
            _check_joined(values[0])
        elif name == "replace" and len(values) >= 3:
            _check_replaced(*values[:3])
        elif name == "format" and values:
            _check_widths(_PERCENT_WIDTHS.findall(str(values[0])), "format")
        else:
            numbers = [v for v in (*values[1:], *kwargs.values()) if isinstance(v, int) and not isinstance(v, bool)]
            if any(n > limits.MAX_STRING for n in numbers):
                _check_widths([str(max(numbers))], name)
        return original(*args, **kwargs)

    bounded.jinja_pass_arg = getattr(original, "jinja_pass_arg", None)  # type: ignore[attr-defined]
    return bounded


class _Budgeted(NodeTransformer):
    """Rewrite a parsed template: each `for` loop counts its items, each `~` and filter result is measured."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)  # in place
        node.iter = nodes.Filter(node.iter, _LOOP, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _measure(node)

    def visit_Filter(self, node: nodes.Filter) -> nodes.Node:
        self.generic_visit(node)
        return node if node.node is None or node.name in (_LOOP, _SIZE) else _measure(node)


def _measure(node: nodes.Expr) -> nodes.Filter:
    return nodes.Filter(node, _SIZE, [], [], None, None, lineno=node.lineno)


class _BudgetedCode(CodeGenerator):
    def visit_Template(self, node: nodes.Template, frame=None) -> None:
        _Budgeted().visit(node)
        super().visit_Template(node, frame)


BoundedSandbox.code_generator_class = _BudgetedCode


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
    folder = user_cache.folder("templates")
    if folder is not None:
        env.bytecode_cache = template_cache.DefaultTemplateCache(folder, TEMPLATES_DIR, _compiler())
    return env


@cache
def _compiler() -> bytes:
    """What shapes a compiled template besides its source: Python's bytecode, Jinja, and this module's sandbox."""
    own = hashlib.sha256(Path(__file__).read_bytes()).digest()
    return importlib.util.MAGIC_NUMBER + jinja2.__version__.encode() + b"\0" + own


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
        if _extends(template):
            check_blocks(env, name)
        with limits.work_budget():
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
    except RecursionError as exc:
        message = "macros or includes call each other too deeply; end the recursion"
        raise TemplateRenderError(f"template {_failing_frame(exc, name)}: {message}") from None


def _extends(template: jinja2.Template) -> bool:
    """Tell whether a template has an `extends` tag, from its compiled code instead of parsing it again.

    Jinja's code for a template with one keeps the parent in a local `parent_template` of its root
    function (template variables compile to other names); the tests of misspelt blocks fail if that changes.
    """
    return "parent_template" in template.root_render_func.__code__.co_varnames


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
