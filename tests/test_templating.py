"""Binary template lookup: override folders first, then the defaults; nothing outside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.templating import TEMPLATES_DIR, find_template

DOCX = "word/policy-pack.docx"


def test_default_template_is_found():
    assert find_template(DOCX) == (TEMPLATES_DIR / DOCX).resolve()


def test_override_folder_wins_in_order(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        (folder / "word").mkdir(parents=True)
    (second / DOCX).write_bytes(b"second")
    assert find_template(DOCX, [first, second]) == (second / DOCX).resolve()
    (first / DOCX).write_bytes(b"first")
    assert find_template(DOCX, [first, second]) == (first / DOCX).resolve()


@pytest.mark.parametrize("name", ["../secret.docx", "/etc/passwd", "word/../../secret.docx"])
def test_names_resolving_outside_the_folder_are_refused(tmp_path, name):
    (tmp_path / "org").mkdir()
    with pytest.raises(ValueError, match="resolves outside"):
        find_template(name, [tmp_path / "org"])


def test_symlink_leaving_the_folder_is_refused(tmp_path):
    outside = tmp_path / "secret.docx"
    outside.write_bytes(b"secret")
    (tmp_path / "org" / "word").mkdir(parents=True)
    (tmp_path / "org" / DOCX).symlink_to(outside)
    with pytest.raises(ValueError, match="resolves outside"):
        find_template(DOCX, [tmp_path / "org"])


def test_missing_template_names_the_folders_searched(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"word/nope.docx not found in .*templates"):
        find_template("word/nope.docx", [Path(tmp_path)])
