"""The explorer in a real browser: Debian's chromium, headless, driven by Playwright.

Every test loads the page from disk and checks, when it ends, that the page made no request
but for its own file and logged no error. Skipped only where /usr/bin/chromium is absent
(`.ci/run` installs it); Playwright's own browser download is never used.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Browser, Page, sync_playwright

from generator.changes import compare
from generator.edition import make_edition
from generator.org.profile import load_profile
from generator.pipeline import build
from generator.source.load import DATA_DIR, load_previous
from generator.tables import obligation_rows, responsibility_rows
from tests.hostile import copy_example
from tests.test_explorer import HOSTILE, PAGE, hostile_edition

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REFERENCES = Path(__file__).parent / "fixtures" / "explorer"
UPDATE = os.environ.get("EXPLORER_SCREENSHOTS") == "update"  # rewrite the reference screenshots
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is absent (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., Page]]:
    """Open a page from disk at a width; on teardown, check it requested nothing else and logged no error."""
    contexts, opened, requests, errors, alerts = [], [], [], [], []

    def opener(path: Path, fragment: str = "", width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        context.on("request", lambda request: requests.append(request.url))
        # Anything not on disk is stopped here too, so a failing test cannot reach the network.
        context.route(
            "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
        opened.append(path.as_uri())
        page.goto(path.as_uri() + (f"#{fragment}" if fragment else ""))
        page.wait_for_selector("html[data-ready=true]")
        return page

    yield opener
    for context in contexts:
        context.close()
    # Counted: one request per page opened or reloaded, for the page itself; nothing else, nothing remote.
    assert [url for url in requests if url.split("#")[0] not in opened] == []
    assert errors == [] and alerts == []


@pytest.fixture(scope="module")
def rows(framework) -> list[dict]:
    return responsibility_rows(framework)


def shown(page: Page) -> dict[str, str]:
    """The matrix's cells on show: cell id -> the cell's text."""
    return dict(page.eval_on_selector_all("button[data-cell]", "els => els.map(e => [e.dataset.cell, e.textContent])"))


def test_every_cell_is_shown_with_its_level_in_a_real_table(open_page, build_dir, framework, rows):
    page = open_page(build_dir / PAGE)
    marker = framework.info.critical_marker
    expected = {
        r["cell_id"]: r["level"] + (f" {marker} (critical focus area)" if r["critical_focus"] == "Yes" else "")
        for r in rows
    }
    assert len(expected) == 128 and shown(page) == expected
    assert page.locator("#matrix-table thead th[scope=col]").count() == 1 + len(framework.models)
    assert page.locator("#matrix-table tbody th[scope=row]").count() == len(framework.domains)
    assert page.locator("#view-summary").inner_text().startswith("Showing 128 of 128 cells")


def haystack(framework, row: dict) -> str:
    d = framework.domain(row["domain_id"])
    return "\n".join(
        [d.name, d.label, d.description, d.focus, row["provider_does"], row["customer_does"], row["example"]]
    )


FILTERS: dict[str, tuple[Callable[[Page], None], Callable]] = {
    "model": (lambda p: p.click("#f-model-saas-ai"), lambda fw, r: r["model_id"] != "saas-ai"),
    "level": (lambda p: p.click("#f-level-provider"), lambda fw, r: r["level_id"] != "provider"),
    "critical": (lambda p: p.click("#f-critical"), lambda fw, r: r["critical_focus"] == "Yes"),
    "ai-specific": (lambda p: p.click("#f-ai"), lambda fw, r: r["domain_kind"] == "ai-specific"),
    "search": (
        lambda p: p.fill("#f-search", "Prompt injection"),
        lambda fw, r: "prompt injection" in haystack(fw, r).lower(),
    ),
    "target": (  # a mapped framework's target id: the domains mapped to it
        lambda p: p.select_option("#f-target", "owasp-llm-top-10 LLM06:2025"),
        lambda fw, r: "LLM06:2025" in r["owasp_llm_top_10_ids"].split("; "),
    ),
    "keyboard": (
        lambda p: (
            p.focus("#f-ai"),
            p.keyboard.press("Space"),
            p.focus("#f-level-not-applicable"),
            p.keyboard.press("Space"),
        ),
        lambda fw, r: r["domain_kind"] == "ai-specific" and r["level_id"] != "not-applicable",
    ),
}


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_and_the_search_show_what_they_should(open_page, build_dir, framework, rows, name):
    act, keep = FILTERS[name]
    page = open_page(build_dir / PAGE)
    act(page)
    expected = {r["cell_id"] for r in rows if keep(framework, r)}
    if name == "keyboard":
        assert page.is_checked("#f-ai") and not page.is_checked("#f-level-not-applicable")
    assert 0 < len(expected) < 128 and set(shown(page)) == expected
    assert page.locator("#view-summary").inner_text().startswith(f"Showing {len(expected)} of 128 cells")


def test_the_target_filter_lives_in_the_url(open_page, build_dir, framework, rows):
    page = open_page(build_dir / PAGE, fragment="t=mitre-atlas%20AML.M0024")
    assert page.input_value("#f-target") == "mitre-atlas AML.M0024"
    assert set(shown(page)) == {r["cell_id"] for r in rows if r["domain_id"] == "monitoring-and-logging"}
    page.select_option("#f-target", "")
    assert len(shown(page)) == 128 and "t=" not in page.url


def test_the_detail_opens_by_mouse_and_by_keyboard(open_page, build_dir, framework, rows):
    page = open_page(build_dir / PAGE)
    cell = "model-security.agentic-ai"
    row = next(r for r in rows if r["cell_id"] == cell)
    page.click(f"button[data-cell='{cell}']")
    dialog = page.locator("dialog#detail")
    assert dialog.is_visible()
    text = dialog.inner_text()
    assert framework.domain("model-security").name in text and row["provider_does"] in text
    assert row["customer_does"] in text and row["level"] in text
    assert dialog.locator(".raci tbody tr").count() == len(framework.roles)
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.dataset.cell") == cell  # focus goes back to the cell
    # Keyboard only: arrows move between cells, Enter opens, the close button has focus, Escape closes.
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.cell") == "model-security.ai-coding"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.cell") == "user-access-control.ai-coding"
    page.keyboard.press("Enter")
    assert dialog.is_visible() and "User Access Control" in dialog.locator("h2").inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Close"
    page.keyboard.press("Enter")
    assert not dialog.is_visible()


def test_the_critical_cell_says_why(open_page, build_dir):
    page = open_page(build_dir / PAGE)
    page.click("button[data-cell='agent-governance.agentic-ai']")
    assert "Why it is critical" in page.locator("dialog#detail").inner_text()


def test_the_state_lives_in_the_url_and_survives_a_reload(open_page, build_dir):
    page = open_page(build_dir / PAGE)
    page.click("#f-model-iaas-ai")
    page.click("#f-critical")
    page.fill("#f-search", "agent")
    page.click("#own-agentic-ai")
    page.click("#own-mcp-systems")
    page.click("#f-changes")
    page.click("button[data-cell='agent-governance.agentic-ai']")
    url = page.url
    assert "c=1" in url and "q=agent" in url and "d=agent-governance.agentic-ai" in url

    def view(p: Page) -> tuple:
        return (
            shown(p),
            p.locator("#view-summary").inner_text(),
            p.is_checked("#f-model-iaas-ai"),
            p.is_checked("#f-critical"),
            p.input_value("#f-search"),
            p.locator("#own-list").inner_text(),
            p.locator("dialog#detail").inner_text(),
        )

    before = view(page)
    assert before[2] is False and before[3] is True and "Agent Governance" in before[6]
    shared = open_page(build_dir / PAGE, fragment=url.split("#", 1)[1])
    assert view(shared) == before
    shared.reload()
    shared.wait_for_selector("html[data-ready=true]")
    assert view(shared) == before
    shared.keyboard.press("Escape")
    shared.wait_for_function("!location.hash.includes('d=')")  # the dialog's close event runs as a task


def published(build_dir: Path, keep: Callable[[list[str]], bool]) -> bytes:
    """The published responsibilities.csv with only the rows `keep` accepts, in the same bytes."""
    text = (build_dir / "responsibilities.csv").read_bytes().decode("utf-8-sig")
    header, *body = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(r for r in body if keep(dict(zip(header, r, strict=True))))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def download(page: Page, button: str) -> bytes:
    with page.expect_download() as info:
        page.click(button)
    return Path(info.value.path()).read_bytes()


def test_the_csv_export_is_the_published_long_table_for_the_view(open_page, build_dir):
    page = open_page(build_dir / PAGE)
    assert download(page, "#export-view") == (build_dir / "responsibilities.csv").read_bytes()  # the whole view
    page.click("#f-level-shared")
    page.click("#f-ai")
    view = set(shown(page))
    exported = download(page, "#export-view")
    assert exported == published(build_dir, lambda r: r["cell_id"] in view)
    assert exported.count(b"\r\n") == len(view) + 1


def test_what_do_we_own_lists_the_obligations_of_the_models_picked(open_page, build_dir, framework):
    page = open_page(build_dir / PAGE)
    assert "Pick one or more" in page.locator("#own-list").inner_text()
    page.click("#own-saas-ai")
    page.click("#own-agentic-ai")
    picked = {"saas-ai", "agentic-ai"}
    expected = [r for r in obligation_rows(framework) if r["model_id"] in picked]
    items = page.eval_on_selector_all("#own-list li", "els => els.map(e => e.dataset.cell)")
    assert items == [r["cell_id"] for r in expected]  # grouped by domain, in domain order
    domains = {r["domain_id"] for r in expected}
    assert page.locator("#own-list h3").count() == len(domains)
    assert (
        page.locator("#own-list .count").inner_text()
        == f"{len(expected)} obligations in {len(domains)} security domains."
    )
    exported = download(page, "#export-own")
    assert exported == published(
        build_dir, lambda r: r["model_id"] in picked and r["level_id"] in {"customer", "shared"}
    )


def test_changes_since_the_previous_version_can_be_highlighted(open_page, build_dir, framework):
    previous = load_previous(framework, DATA_DIR)
    assert previous is not None
    changes = compare(previous, framework).cells
    page = open_page(build_dir / PAGE)
    assert page.locator("td.changed").count() == 0
    page.click("#f-changes")
    changed = dict(page.eval_on_selector_all("td.changed", "els => els.map(e => [e.dataset.cell, e.innerText])"))
    assert changes and set(changed) == {c.cell_id for c in changes}
    assert all(changed[c.cell_id].endswith(f"changed, was {c.before}") for c in changes)
    assert "From framework v1.0.0 to v1.1.0" in page.locator("#view-summary").inner_text()


def axe_violations(page: Page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    # Every rule, WCAG 2.2's target size (off by default) included.
    results = Axe().run(page, options={"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}})
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]]


@pytest.mark.parametrize("width", [1280, 375])
def test_axe_finds_no_violations(open_page, build_dir, width):
    page = open_page(build_dir / PAGE, width=width)
    page.click("#own-paas-ai")
    page.click("#f-changes")
    assert axe_violations(page) == []
    page.click("button[data-cell='agent-governance.agentic-ai']")
    assert axe_violations(page) == []


def test_usable_at_375_pixels(open_page, build_dir):
    page = open_page(build_dir / PAGE, width=375, height=812)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # only the matrix scrolls sideways
    assert page.evaluate("document.getElementById('matrix').scrollWidth") > 375
    page.click("button[data-cell='data-privacy.mcp-systems']")  # scrolled into view and opened
    box = page.locator("dialog#detail").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375


@pytest.mark.parametrize(("paper", "width_mm"), [("A4", 297), ("Letter", 279.4)])
def test_the_matrix_prints_on_one_landscape_page(open_page, build_dir, framework, paper, width_mm):
    from pypdf import PdfReader

    page = open_page(build_dir / PAGE)
    pdf = PdfReader(io.BytesIO(page.pdf(format=paper, landscape=True, print_background=True)))
    first = pdf.pages[0]
    assert abs(float(first.mediabox.width) - width_mm / 25.4 * 72) < 1  # landscape: the long side across
    text = " ".join(first.extract_text().split())
    assert all(d.label in text for d in framework.domains) and "Filter and search" not in text


def compare_screenshot(image: bytes, name: str) -> None:
    """Compare a screenshot with the committed reference: same size, at most 1% of pixels visibly different."""
    reference = REFERENCES / name
    if UPDATE:
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_bytes(image)
    assert reference.is_file(), f"no reference {reference}: run with EXPLORER_SCREENSHOTS=update and review it"
    got, want = Image.open(io.BytesIO(image)).convert("RGB"), Image.open(reference).convert("RGB")
    assert got.size == want.size
    difference = ImageChops.difference(got, want).convert("L").point(lambda v: 255 if v > 48 else 0)
    changed = sum(difference.histogram()[255:])
    assert changed <= 0.01 * got.size[0] * got.size[1], f"{changed} pixels differ from {reference.name}"


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (375, 812)])
def test_screenshots_match_the_references(open_page, build_dir, width, height):
    page = open_page(build_dir / PAGE, width=width, height=height)
    compare_screenshot(page.screenshot(), f"explorer-{width}.png")
    page.click("button[data-cell='agent-governance.agentic-ai']")
    compare_screenshot(page.screenshot(), f"explorer-{width}-detail.png")


def test_organisation_text_shows_literally_and_runs_nothing(open_page, tmp_path, framework):
    page = open_page(hostile_edition(tmp_path, framework))
    assert page.locator("img[src='x']").count() == 0
    assert HOSTILE in page.locator("header .sub").inner_text()
    assert page.locator("#own-heading").inner_text() == f"What does {HOSTILE} own? {HOSTILE}"
    page.click("button[data-cell='agent-governance.agentic-ai']")
    assert HOSTILE in page.locator("dialog .raci").inner_text()  # the renamed role
    assert page.evaluate("document.scripts.length") == 2


def test_an_edition_is_branded_with_its_models_picked(open_page, tmp_path, framework):
    profile = load_profile(copy_example(tmp_path), framework)
    edition = make_edition(framework, profile, only=["explorer"])
    build(edition, tmp_path / "out")
    page = open_page(tmp_path / "out" / "northwind-analytics-explorer.html")
    assert page.evaluate("document.querySelector('img.logo').naturalWidth") > 0  # the data: logo loaded
    assert page.locator("h1 + .sub").inner_text().startswith("Northwind Analytics & Co. <Ltd> edition")
    assert len(shown(page)) == 16 * 4
    expected = obligation_rows(edition.framework)
    assert page.locator("#own-list li").count() == len(expected)
    assert (
        "Office of the CISO" in page.locator("#own-list").inner_text()
        or "Data Science" in page.locator("#own-list").inner_text()
    )


def test_a_per_party_framework_shows_each_partys_level_and_filters_by_party(open_page, tmp_path, tri_framework):
    from tests.test_any_framework import CRITICAL, EXPECTED, PARTY_NAMES

    build(make_edition(tri_framework, only=["explorer"]), tmp_path)
    page = open_page(next(tmp_path.glob("*-explorer.html")))
    lines = dict(
        page.eval_on_selector_all(
            "button[data-cell] .value",
            "els => els.map(e => [e.closest('button').dataset.cell + ' ' + e.dataset.party, e.textContent])",
        )
    )
    expected = {
        f"{layer}.{model} {party}": f"{PARTY_NAMES[party]}: {label}"
        + (" !" if (layer, model) in CRITICAL and party == "vendor" else "")
        for (layer, model), values in EXPECTED.items()
        for party, label in values.items()
    }
    assert lines == expected  # all 18 party values, a line each; the marker after a critical cell's last line
    assert page.locator("#matrix-table thead th").first.inner_text() == "Layer"
    page.select_option("#f-party", "tenant")  # the tenant's level only: no cell where the tenant leads
    page.click("#f-level-leads")
    kept = {f"{layer}.{model}" for (layer, model), v in EXPECTED.items() if v["tenant"] != "Leads"}
    assert set(shown(page)) == kept and "p=tenant" in page.url
    page.click("#own-dedicated")  # What do we own: the cells the tenant (the audience) carries
    owned = page.eval_on_selector_all("#own-list li", "els => els.map(e => e.dataset.cell)")
    assert owned == ["usage.dedicated"]
