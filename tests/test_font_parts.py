"""The bundled fonts' parts of the policy in the user's cache: made once, checked, never an organisation's font."""

from __future__ import annotations

import io
import shutil
import sys
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator import ooxml
from generator.renderers.policy_pack import font_parts
from generator.renderers.policy_pack.document import render_policy
from generator.templating import TEMPLATES_DIR
from tests.test_policy_pack import TEMPLATE, context

REGULAR = TEMPLATES_DIR / "fonts" / "DejaVuSans.ttf"


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "ai-srm-generator" / "fonts"


def _no_deflating(monkeypatch) -> None:
    def refuse(data: bytes) -> bytes:
        raise AssertionError("deflated although cached")

    monkeypatch.setattr(ooxml, "deflate", refuse)


def test_a_bundled_font_is_made_once_then_loaded(cache_home, monkeypatch):
    made = font_parts.face(REGULAR)
    data = REGULAR.read_bytes()
    assert made.panose == "020B0603030804020204"
    assert font_parts.obfuscate(made.part, made.key) == data
    assert made.deflated is not None and zlib.decompress(made.deflated, -15) == made.part
    assert len(list(cache_home.iterdir())) == 1
    _no_deflating(monkeypatch)
    assert font_parts.face(REGULAR) == made


def test_a_damaged_cache_file_is_made_again(cache_home):
    made = font_parts.face(REGULAR)
    (entry,) = cache_home.iterdir()
    damaged = bytearray(entry.read_bytes())
    damaged[-100] ^= 0xFF
    entry.write_bytes(bytes(damaged))
    assert font_parts.face(REGULAR) == made
    entry.write_bytes(b"short")
    assert font_parts.face(REGULAR) == made
    assert entry.read_bytes()[32:52] == made.panose.encode()  # rewritten


def test_an_organisations_font_is_never_cached(cache_home, tmp_path):
    own = tmp_path / "org" / "Brand.ttf"
    own.parent.mkdir()
    shutil.copyfile(REGULAR, own)
    made = font_parts.face(own)
    assert made.deflated is None and made.panose == "020B0603030804020204"
    assert not cache_home.exists()


def test_a_known_stream_gives_the_bytes_deflating_gives():
    source = io.BytesIO()
    with zipfile.ZipFile(source, "w") as package:
        package.writestr("a.xml", b"<a/>" * 100)
        package.writestr("font.odttf", REGULAR.read_bytes())
    when = datetime(2026, 1, 1, tzinfo=UTC)
    plain = ooxml.normalise_zip(source.getvalue(), when)
    known = {"font.odttf": ooxml.deflate(REGULAR.read_bytes())}
    assert ooxml.normalise_zip(source.getvalue(), when, known) == plain
    with zipfile.ZipFile(io.BytesIO(plain)) as package:
        assert package.testzip() is None


def test_the_policy_is_the_same_built_with_or_without_the_cache(cache_home, framework):
    without = render_policy(context(framework), TEMPLATE)
    assert len(list(cache_home.iterdir())) == 2  # both faces
    assert render_policy(context(framework), TEMPLATE) == without
