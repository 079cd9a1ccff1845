"""The edition value: one function turns a framework, a profile and the options into what a build renders."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pypdf

from generator.cli import main
from generator.edition import Edition, make_edition
from generator.org.branding import Branding
from generator.org.profile import load_profile
from generator.pipeline import build
from generator.search_path import SearchPath

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "northwind-analytics"


def test_reference_edition_is_the_framework_in_the_default_branding(framework):
    edition = make_edition(framework)
    assert edition == Edition(framework, Branding(), None, SearchPath(), None)
    assert edition.branding.poster_size == "A2"


def test_options_select_formats_and_override_the_poster_size(framework):
    edition = make_edition(framework, poster_size="A1", only=["json", "csv"])
    assert edition.only == ("json", "csv")
    assert edition.branding == Branding(poster_size="A1")
    assert make_edition(framework, only=[]).only is None


def test_organisation_edition_is_tailored_branded_and_reads_the_profile_folder(framework):
    profile = load_profile(EXAMPLE, framework)
    edition = make_edition(framework, profile)
    assert [m.id for m in edition.framework.models] == ["saas-ai", "paas-ai", "agentic-ai", "ai-coding"]
    assert edition.branding == profile.branding and edition.branding.poster_size == "A3"
    assert edition.search_path.overrides == (EXAMPLE.resolve() / "templates",)
    assert edition.search_path.assets == (EXAMPLE.resolve(),)
    assert make_edition(framework, profile, poster_size="Letter").branding.poster_size == "Letter"


def test_build_is_silent_unless_given_a_progress_printer(tmp_path, framework, capsys):
    build(Edition(framework, only=("json",)), tmp_path / "quiet")
    assert capsys.readouterr() == ("", "")
    lines: list[str] = []
    build(Edition(framework, only=("json", "csv")), tmp_path / "told", lines.append)
    assert [line.split()[0] for line in lines] == ["json", "csv"]


def test_release_takes_the_poster_size(tmp_path):
    assert main(["release", "--out", str(tmp_path), "--poster-size", "A3"]) == 0
    with zipfile.ZipFile(tmp_path / "ai-security-responsibility-1.1.0.zip") as bundle:
        pdf = bundle.open("ai-security-responsibility-1.1.0/ai-security-responsibility-1.1.0-poster.pdf")
        box = pypdf.PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)  # A3 landscape
