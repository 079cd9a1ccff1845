"""Shared fixtures: a copy of the data to break, and one build of every format."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.edition import make_edition
from generator.pipeline import build
from generator.source.load import DATA_DIR, load_framework, load_previous

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def framework():
    return load_framework()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/ that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("schema"))
    return target


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory, framework) -> Path:
    """One full build, with the changes since the previous version as the CLI makes it, shared by readers."""
    out = tmp_path_factory.mktemp("build")
    build(make_edition(framework, previous=load_previous(framework, DATA_DIR)), out)
    return out


def png_logo(width: int, height: int):
    """A checked raster logo, as a profile would hand it to the renderers."""
    import io

    from PIL import Image

    from generator.org.branding import Logo

    out = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(out, format="PNG")
    return Logo(svg=None, raster=out.getvalue(), raster_type="image/png", width=width, height=height)
