"""Hostile profiles, templates and values: each refused with a clear message naming file and key,
nothing outside the allowed folders read or written, no request made, the previous build intact."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest

from generator import limits
from generator.cli import main
from generator.org.profile import load_profile
from generator.problems import InputError
from generator.source.load import load_framework
from generator.source.yaml_reader import YamlError, load_yaml
from tests.hostile import copy_example, loopback_server, snapshot, symlink_member

TEMPLATE = Path(__file__).parent.parent / "templates" / "word" / "policy-pack.docx"


def problem_text(org: Path, framework) -> str:
    with pytest.raises(InputError) as info:
        load_profile(org, framework)
    return str(info.value)


# --- YAML: bounded, refused while parsing ----------------------------------------------------

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
YAML_CASES = {
    "billion laughs": (BILLION_LAUGHS, ":1: anchor &a is not allowed"),
    "self alias": ("a: &a [*a]\n", "alias *a is not allowed"),
    "deep nesting": ("a: " + "[" * 40 + "]" * 40 + "\n", "nested deeper than 32 levels"),
    "deep block nesting": ("".join(" " * i + f"k{i}:\n" for i in range(100)) + " " * 100 + "v\n", "nested deeper"),
    "10k nesting": ("a: " + "[" * 10000 + "]" * 10000 + "\n", "exceeded maximum nesting depth"),
    "python tag": ('name: !!python/object/apply:os.system ["true"]\n', "tag tag:yaml.org,2002:python/object/apply"),
    "str tag": ("name: !!str Acme\n", "tag tag:yaml.org,2002:str is not allowed"),
    "local tag": ("name: !foo Acme\n", "tag !foo is not allowed"),
    "binary tag": ("name: !!binary QUNNRQ==\n", "tag tag:yaml.org,2002:binary is not allowed"),
}


@pytest.mark.parametrize("case", YAML_CASES)
def test_hostile_yaml_is_refused_while_parsing(tmp_path, case):
    text, expected = YAML_CASES[case]
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(YamlError) as info:
        load_yaml(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value) or "x.yaml" in str(info.value)


@pytest.mark.parametrize("case", ["python tag", "str tag", "local tag"])
def test_tags_are_refused_in_framework_data(data_copy, case):
    path = data_copy / "frameworks" / "ai-security-shared-responsibility" / "1.1.0" / "framework.yaml"
    text = path.read_text()
    path.write_text(text.replace("name: ", "name: " + YAML_CASES[case][0].split(": ", 1)[1].split(" ")[0] + " ", 1))
    with pytest.raises(InputError, match=r"framework\.yaml:.*tag .* is not allowed"):
        load_framework(data_copy)


@pytest.mark.parametrize("kind", ["fifo", "symlink", "dev-zero", "huge", "hardlink"])
def test_org_yaml_that_is_not_a_plain_small_file_is_refused_before_reading(tmp_path, framework, kind):
    org = copy_example(tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text("name: SECRET-CONTENT\n")
    (org / "org.yaml").unlink()
    expected = {
        "fifo": "not a regular file",
        "symlink": "symbolic link",
        "dev-zero": "symbolic link",
        "huge": "larger than 2 MiB",
        "hardlink": "hard link",
    }[kind]
    if kind == "fifo":
        os.mkfifo(org / "org.yaml")
    elif kind == "symlink":
        (org / "org.yaml").symlink_to(secret)
    elif kind == "dev-zero":
        (org / "org.yaml").symlink_to("/dev/zero")
    elif kind == "huge":
        (org / "org.yaml").write_text("name: Acme\n" + "# x\n" * 600_000)
    else:
        (org / "org.yaml").hardlink_to(secret)
    message = problem_text(org, framework)
    assert "org.yaml" in message and expected in message
    assert "SECRET-CONTENT" not in message


# --- profiles: paths as given ------------------------------------------------------------


def test_templates_folder_symlinked_out_of_the_profile_is_refused(tmp_path, framework, capsys):
    org = copy_example(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    (org / "templates").rename(elsewhere)
    (org / "templates").symlink_to(elsewhere, target_is_directory=True)
    assert "templates is a symbolic link" in problem_text(org, framework)
    assert main(["templates", "--org", str(org)]) == 1
    assert "templates is a symbolic link" in capsys.readouterr().err


def test_templates_command_refuses_a_symlinked_override_as_build_does(tmp_path, capsys):
    org = copy_example(tmp_path)
    outside = tmp_path / "outside.md.j2"
    outside.write_text("{{ secret_variable }}")
    (org / "templates" / "markdown" / "obligations.md.j2").symlink_to(outside)
    assert main(["templates", "--org", str(org)]) == 1
    err = capsys.readouterr().err
    assert "obligations.md.j2 is a symbolic link" in err and "secret_variable" not in err


def test_templates_command_names_a_broken_override(tmp_path, capsys):
    org = copy_example(tmp_path)
    (org / "templates" / "markdown" / "obligations.md.j2").write_text("{% if %}")
    assert main(["templates", "--org", str(org)]) == 1
    err = capsys.readouterr().err
    assert "obligations.md.j2" in err and "line 1" in err and "Traceback" not in err


def test_hard_linked_logo_is_refused(tmp_path, framework):
    org = copy_example(tmp_path)
    (org / "logo.png").unlink()
    (org / "logo.png").hardlink_to(org / "logo.svg")
    assert "logo.png is a hard link" in problem_text(org, framework) or "hard link" in problem_text(org, framework)


def test_decompression_bomb_logo_is_refused_before_decoding(tmp_path, framework):
    org = copy_example(tmp_path)
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 1, 0, 0, 0, 0)
    chunk = lambda kind, data: (  # noqa: E731
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    )
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    (org / "logo.png").write_bytes(png)
    message = problem_text(org, framework)
    assert "logo_raster: logo.png is too large an image" in message


def test_broken_font_file_is_a_problem_not_a_traceback(tmp_path, framework):
    org = copy_example(tmp_path)
    (org / "broken.ttf").write_bytes(b"\x00\x01\x00\x00" + os.urandom(400))
    (org / "org.yaml").write_text("name: Acme\nfont: {file: broken.ttf}\n")
    assert "font.file: broken.ttf is not a readable TrueType or OpenType font" in problem_text(org, framework)


# --- strict values ----------------------------------------------------------------------

VALUE_CASES = {
    "prefix with newline": ('file_prefix: "acme\\n"', "file_prefix: found 'acme\\n', expected a lower-case slug"),
    "colour with newline": ('colours: {primary: "#FFFFFF\\n"}', "colours.primary: found '#FFFFFF\\n'"),
    "undrawable name": ('short_name: "Acme \\U0001F680"', "short_name: contains characters the bundled DejaVu"),
    "bidi override": ('short_name: "Acme \\u202e"', "short_name: contains the control or invisible character U+202E"),
    "long role name": ("roles: {rename: {security-leadership: " + "x" * 300 + "}}", "more than 255"),
    "tab in owner": ('document_control: {owner: "a\\tb"}', "document_control.owner: contains control characters"),
}


@pytest.mark.parametrize("case", VALUE_CASES)
def test_values_that_would_break_an_output_are_refused_at_load_time(tmp_path, framework, case):
    line, expected = VALUE_CASES[case]
    org = copy_example(tmp_path)
    (org / "org.yaml").write_text('name: "Acme"\n' + line + "\n")
    message = problem_text(org, framework)
    assert "org.yaml:2:" in message and expected in message


def test_data_name_with_a_trailing_newline_is_refused(data_copy):
    path = data_copy / "frameworks" / "ai-security-shared-responsibility" / "roles.yaml"
    text = path.read_text()
    path.write_text(text.replace("name: ", 'name: "x\\n"  # ', 1))
    with pytest.raises(InputError, match=r"roles.yaml:\d+: .*name: contains control characters"):
        load_framework(data_copy)


# --- templates: bounded work --------------------------------------------------------------

TEMPLATE_CASES = {
    "huge range": ("{% for i in range(10**6) %}{% endfor %}", "range of 1000000 items"),
    "string repetition": ("{{ 'a' * 10**9 }}", "repetition makes 1000000000 items"),
    "lipsum": ("{{ lipsum(10**6) }}", "lipsum(1000000"),
    "power": ("{{ 2 ** (10 ** 9) }}", "is too large"),
    "nested ranges": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "line 1: more than 200,000 loop iterations in one render",
    ),
    "nested string loops": (
        "{% set s = 'a' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        "line 1: more than 200,000 loop iterations",
    ),
    "huge output": ("{% for i in range(100000) %}{{ 'a' * 1000 }}{% endfor %}", "output is larger than"),
}


@pytest.fixture
def previous_edition(tmp_path, framework):
    org = copy_example(tmp_path)
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--org", str(org), "--only", "markdown,docx"]) == 0
    return org, out


@pytest.mark.parametrize("case", TEMPLATE_CASES)
def test_template_work_is_bounded(previous_edition, monkeypatch, capsys, case):
    org, out = previous_edition
    monkeypatch.setattr(limits, "FORMAT_SECONDS", 2.0)
    text, expected = TEMPLATE_CASES[case]
    (org / "templates" / "markdown" / "obligations.md.j2").write_text(text)
    before = snapshot(out)
    capsys.readouterr()
    assert main(["build", "--out", str(out), "--org", str(org), "--only", "markdown"]) == 1
    err = capsys.readouterr().err
    assert expected in err and "markdown: template " in err and "obligations.md.j2" in err
    assert "Traceback" not in err
    assert snapshot(out) == before


def word_template(tmp_path: Path, change) -> Path:
    """The default Word template with one change to its zip members."""
    with zipfile.ZipFile(TEMPLATE) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    change(members)
    path = tmp_path / "policy-pack.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(*(data if isinstance(data, tuple) else (name, data)))
    return path


RELS = "word/_rels/document.xml.rels"


def add_relationship(members, rel_type, target, external=True):
    mode = ' TargetMode="External"' if external else ""
    extra = f'<Relationship Id="rIdX" Type="{rel_type}" Target="{target}"{mode}/></Relationships>'
    members[RELS] = members[RELS].decode().replace("</Relationships>", extra).encode()


OOXML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORD_CASES = {
    "macros": (lambda m: m.update({"word/vbaProject.bin": b"x"}), "holds word/vbaProject.bin"),
    "activex": (lambda m: m.update({"word/activeX/activeX1.xml": b"<x/>"}), "holds word/activeX/activeX1.xml"),
    "embedded object": (lambda m: m.update({"word/embeddings/oleObject1.bin": b"x"}), "embedded object"),
    "attached template": (
        lambda m: add_relationship(m, f"{OOXML}/attachedTemplate", "{server}/t.dotm"),
        "TargetMode=External",
    ),
    "external image": (lambda m: add_relationship(m, f"{OOXML}/image", "{server}/i.png"), "TargetMode=External"),
    "attached in settings": (
        lambda m: m.update(
            {
                "word/settings.xml": m["word/settings.xml"].replace(
                    b"</w:settings>", b"<w:attachedTemplate/></w:settings>"
                )
            }
        ),
        "w:attachedTemplate",
    ),
    "dtd": (
        lambda m: m.update({"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + b"<x/>"}),
        "declares a DTD",
    ),
    "zip bomb": (lambda m: m.update({"word/media/bomb.xml": b"\0" * (25 * 1024 * 1024)}), "more than 20 MiB"),
    "many parts": (lambda m: m.update({f"word/media/p{i}.png": b"" for i in range(600)}), "more than 500"),
    "symlink part": (
        lambda m: m.update({"word/media/link.png": symlink_member("word/media/link.png", b"/etc/passwd")}),
        "word/media/link.png is a symbolic link",
    ),
}


@pytest.mark.parametrize("case", WORD_CASES)
def test_dangerous_word_template_is_refused_before_use(tmp_path, previous_edition, capsys, case):
    org, out = previous_edition
    change, expected = WORD_CASES[case]
    with loopback_server() as (server, requests):

        def with_server(members):
            change(members)
            if RELS in members:
                members[RELS] = members[RELS].replace(b"{server}", server.encode())

        (org / "templates" / "word").mkdir(exist_ok=True)
        word_template(tmp_path, with_server).replace(org / "templates" / "word" / "policy-pack.docx")
        before = snapshot(out)
        capsys.readouterr()
        assert main(["build", "--out", str(out), "--org", str(org), "--only", "docx"]) == 1
        assert requests == []
    err = capsys.readouterr().err
    assert "template policy-pack.docx" in err and expected in err and "Traceback" not in err
    assert snapshot(out) == before


def test_non_zip_word_template_is_named(tmp_path, previous_edition, capsys):
    org, out = previous_edition
    (org / "templates" / "word").mkdir(exist_ok=True)
    (org / "templates" / "word" / "policy-pack.docx").write_text("not a zip")
    assert main(["build", "--out", str(out), "--org", str(org), "--only", "docx"]) == 1
    assert "template policy-pack.docx: not a Word (.docx) file" in capsys.readouterr().err


def test_word_tag_loop_is_bounded(tmp_path, previous_edition, monkeypatch, capsys):
    from tests.test_policy_pack import template_with

    org, out = previous_edition
    monkeypatch.setattr(limits, "FORMAT_SECONDS", 2.0)
    (org / "templates" / "word").mkdir(exist_ok=True)
    loop = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    template_with(org / "templates" / "word", loop)
    before = snapshot(out)
    assert main(["build", "--out", str(out), "--org", str(org), "--only", "docx"]) == 1
    assert "more than 200,000 loop iterations in one render" in capsys.readouterr().err
    assert snapshot(out) == before


# --- legitimate input --------------------------------------------------------------------


def test_organisation_text_with_tag_like_characters_builds(tmp_path):
    org = copy_example(tmp_path)
    name = "Acme {{ x }} {% y %} None Ltd"
    text = (org / "org.yaml").read_text().replace("name: ", f'name: "{name}"\n_old_name: ', 1)
    (org / "org.yaml").write_text("\n".join(line for line in text.splitlines() if not line.startswith("_old")) + "\n")
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--org", str(org), "--only", "docx"]) == 0
    document = docx.Document(next((out / "northwind-analytics").glob("*.docx")))
    assert any(name in p.text for p in document.paragraphs)


# --- the command line --------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["-1", "0", "many"])
def test_jobs_must_be_positive(jobs, capsys):
    with pytest.raises(SystemExit) as info:
        main(["build", "--jobs", jobs])
    assert info.value.code == 2 and "at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["", "  ", "a\nb"])
def test_init_org_with_an_empty_name_makes_nothing(tmp_path, name, capsys):
    with pytest.raises(SystemExit) as info:
        main(["init-org", str(tmp_path / "new"), "--name", name])
    assert info.value.code == 2 and "organisation's name" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("planted", ["templates", "org.yaml", "templates/README.md"])
def test_init_org_does_not_write_through_a_planted_symlink(tmp_path, planted, capsys):
    folder, elsewhere = tmp_path / "org", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    if "/" in planted:
        (folder / "templates").mkdir()
    (folder / planted).symlink_to(elsewhere / "target", target_is_directory=planted == "templates")
    before = snapshot(folder)
    assert main(["init-org", str(folder), "--name", "Acme"]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert list(elsewhere.iterdir()) == []
    assert snapshot(folder) == before


def test_poster_override_reaching_for_the_network_makes_no_request(previous_edition, capsys):
    org, out = previous_edition
    (org / "templates" / "poster").mkdir(exist_ok=True)
    with loopback_server() as (server, requests):
        page = f'<html><body><img src="{server}/x.png"><link rel="stylesheet" href="{server}/x.css"></body></html>'
        (org / "templates" / "poster" / "poster.html.j2").write_text(page)
        before = snapshot(out)
        assert main(["build", "--out", str(out), "--org", str(org), "--only", "pdf"]) == 1
        assert requests == []
    err = capsys.readouterr().err
    assert f"refused to fetch {server}/x." in err and "Traceback" not in err
    assert snapshot(out) == before


def test_templates_command_vets_a_word_template_override(tmp_path, capsys):
    org = copy_example(tmp_path)
    (org / "templates" / "word").mkdir(exist_ok=True)
    word_template(tmp_path, WORD_CASES["macros"][0]).replace(org / "templates" / "word" / "policy-pack.docx")
    assert main(["templates", "--org", str(org)]) == 1
    err = capsys.readouterr().err
    assert "policy-pack.docx" in err and "vbaProject.bin" in err and "Traceback" not in err
