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


TRI = "tri-party-demo"  # the test-only framework: 3 layers x 2 operating models, three parties, a level per party


@pytest.fixture(scope="session")
def tri_data(tmp_path_factory) -> Path:
    """A data folder holding the default framework and the test-only framework tri-party-demo."""
    target = tmp_path_factory.mktemp("tri") / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("schema"))
    shutil.copytree(FIXTURES / "frameworks" / TRI, target / "frameworks" / TRI)
    return target


@pytest.fixture(scope="session")
def tri_framework(tri_data):
    return load_framework(tri_data, framework=TRI)


@pytest.fixture(scope="session")
def tri_build(tmp_path_factory, tri_framework) -> Path:
    """Every format of the test-only framework, built once and shared by readers."""
    out = tmp_path_factory.mktemp("tri-build")
    build(make_edition(tri_framework), out)
    return out
