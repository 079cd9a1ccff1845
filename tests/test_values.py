"""Value checks (values.py): the fast path for Latin-1 text agrees with the bundled fonts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from generator import values

ROOT = Path(__file__).resolve().parent.parent


def test_every_character_the_fast_path_accepts_is_drawable_by_every_bundled_font():
    accepted = [chr(c) for c in range(sys.maxunicode + 1) if values._LATIN_1.fullmatch(chr(c))]
    assert len(accepted) > 180
    undrawable = [c for c in accepted if ord(c) not in values.drawable() and not c.isspace()]
    assert undrawable == []


def test_text_beyond_latin_1_is_checked_against_the_fonts():
    assert values.text_problem("Risk \u2014 \u201cquoted\u201d \u2605") is None  # em dash, quotes, star
    assert "cannot draw" in values.text_problem("Acme \U0001f680")
    assert "cannot draw" in values.name_problem("\u4e2d\u6587")  # CJK: DejaVu Sans has none


def test_lengths_are_checked_on_both_paths():
    assert "256 characters long" in values.name_problem("a" * 256)
    assert "256 characters long" in values.name_problem("\u2014" * 256)
    assert values.name_problem("\u00e9" * 255) is None


def test_loading_latin_1_data_does_not_read_the_fonts():
    probe = "import sys; from generator.source import load; load.load_framework(); print('fontTools' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"
