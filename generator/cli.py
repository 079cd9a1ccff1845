"""Command line: validate, build, init-org, templates, changes, release, verify, import-raci, schema."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from generator import __version__, editions
from generator.changes import compare, to_markdown
from generator.edition import make_edition
from generator.org.branding import POSTER_SIZES, Branding
from generator.org.import_raci import import_raci
from generator.org.profile import profile_search_path
from generator.org.scaffold import ScaffoldError, init_org
from generator.org.template_catalogue import CatalogueError, catalogue
from generator.pipeline import MANIFEST, BuildError, build, poster_standby
from generator.problems import InputError, Problem
from generator.release import CHECKSUMS, Release, make_release
from generator.renderers import by_name
from generator.source.load import DATA_DIR, available_versions, load_framework, load_previous, previous_version
from generator.source.schema import all_schemas
from generator.trust import Refused, real_dir, write_output
from generator.verify import VerifyError, verify

EXIT_OK, EXIT_FAILED = 0, 1  # argparse itself exits with 2 on wrong usage


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except InputError as exc:
        count = len(exc.problems)
        print(f"error: {count} problem{'s' if count != 1 else ''} in the input:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_FAILED
    except BuildError as exc:
        print(f"error: build failed, earlier outputs left as they were: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Refused as exc:  # the output folder holds something the command will not write through
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # the output folder or a file the command writes
        print(f"error: cannot write {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a safety net only: each error class is handled where it arises
        print(f"error: unexpected {type(exc).__name__}: {exc}; please report this with the command", file=sys.stderr)
        return EXIT_FAILED


def _jobs(args: argparse.Namespace) -> int:
    """Return the processes a command may use: --jobs where the command has it, else one per core."""
    return getattr(args, "jobs", None) or os.cpu_count() or 1


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, found {text!r}")
    return value


def _org_name(text: str) -> str:
    """An argparse type: an organisation name on one line, not empty."""
    if not text.strip() or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise argparse.ArgumentTypeError(f"expected the organisation's name on one line, found {text!r}")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="data folder (default: the project's data/)")
    parser.add_argument("--framework-version", help="framework version to use (default: the newest)")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check the data without rendering; exit 0 or 1")
    validate.set_defaults(run=_validate)

    formats = "; ".join(f"{name}: {renderer.description}" for name, renderer in by_name().items())
    poster_help = f"page size of the poster, landscape (default: the profile's, or {Branding().poster_size})"
    build_cmd = sub.add_parser("build", help="render every format into the output folder")
    build_cmd.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    build_cmd.add_argument("--only", help=f"comma-separated formats to build: {formats}")
    build_cmd.add_argument("--poster-size", choices=POSTER_SIZES, help=poster_help)
    build_cmd.add_argument(
        "--org",
        type=Path,
        action="append",
        metavar="DIR",
        help="build this organisation's edition into OUT/<slug>/; repeat it, or give a folder of profiles",
    )
    build_cmd.add_argument(
        "--jobs",
        type=_positive,
        help="editions built at once; without --org, 1 renders the formats one after another (default: one per core)",
    )
    build_cmd.add_argument("--force", action="store_true", help="render every format, even those up to date")
    build_cmd.set_defaults(run=_build)

    init = sub.add_parser("init-org", help="create an organisation profile folder with a commented org.yaml")
    init.add_argument("folder", type=Path, metavar="DIR")
    init.add_argument("--name", required=True, type=_org_name, help="the organisation's name")
    init.set_defaults(run=_init_org)

    templates = sub.add_parser("templates", help="list the templates an organisation may override")
    templates.add_argument("--org", type=Path, metavar="DIR", help="show which of them this profile overrides")
    templates.set_defaults(run=_templates)

    changes = sub.add_parser("changes", help="print what changed between two framework versions (Markdown)")
    changes.add_argument("--from", dest="old", help="older version (default: the one before --to)")
    changes.add_argument("--to", dest="new", help="newer version (default: the newest)")
    changes.set_defaults(run=_changes)

    release = sub.add_parser("release", help="build everything into one reproducible zip with changelog and checksum")
    release.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    release.add_argument(
        "--org",
        type=Path,
        action="append",
        metavar="DIR",
        help="release this organisation's edition instead, each its own zip; repeat it, or give a folder of profiles",
    )
    release.add_argument("--poster-size", choices=POSTER_SIZES, help=poster_help)
    release.set_defaults(run=_release)

    check = sub.add_parser("verify", help="check a release zip or unpacked folder; exit 0 if intact, 1 otherwise")
    check.add_argument("path", type=Path, metavar="PATH")
    check.set_defaults(run=_verify)

    importer = sub.add_parser(
        "import-raci", help="read an edited RACI sheet back into the profile's org.yaml (prints the diff)"
    )
    importer.add_argument("workbook", type=Path, metavar="WORKBOOK", help="the edition's RACI workbook (.xlsx)")
    importer.add_argument("--org", type=Path, required=True, metavar="DIR", help="the profile the workbook belongs to")
    importer.add_argument("--dry-run", action="store_true", help="only print what would change")
    importer.set_defaults(run=_import_raci)

    schema = sub.add_parser("schema", help="write the JSON Schema of the data files")
    schema.add_argument("--out", type=Path, default=DATA_DIR / "schema", help="folder (default: data/schema)")
    schema.set_defaults(run=_schema)
    return parser


def _validate(args: argparse.Namespace) -> int:
    """Check every framework version (or the one asked for); report the problems of all of them at once."""
    versions: list[str | None] = [args.framework_version] if args.framework_version else []
    versions = versions or [*available_versions(args.data)] or [None]
    problems: list = []
    for version in versions:
        try:
            fw = load_framework(args.data, version)
        except InputError as exc:
            problems += [p for p in exc.problems if p not in problems]  # roles.yaml is shared by every version
            continue
        counts = f"{len(fw.models)} models, {len(fw.domains)} domains, {len(fw.cells)} cells"
        print(f"ok: framework {fw.info.version}: {counts}")
    if problems:
        raise InputError(problems)
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    only = [name.strip() for name in args.only.split(",") if name.strip()] if args.only else None
    if args.org:
        return _build_editions(args, only, started)
    jobs = _jobs(args)
    with poster_standby(only, jobs) as standby:  # the poster's process prepares while the framework loads
        fw = load_framework(args.data, args.framework_version)
        edition = make_edition(fw, poster_size=args.poster_size, only=only, previous=load_previous(fw, args.data))
        print(f"building framework {edition.framework.info.version} into {args.out}/", file=sys.stderr)
        artifacts = build(edition, args.out, _progress, force=args.force, jobs=jobs, standby=standby)
    total = sum(a.size for a in artifacts)
    elapsed = time.perf_counter() - started
    if artifacts:
        print(f"built {len(artifacts)} files ({total / 1024:.0f} KiB) in {elapsed:.2f} s; see {args.out}/manifest.json")
    else:
        print(f"nothing to build: every format is up to date ({elapsed:.2f} s); see {args.out}/manifest.json")
    return EXIT_OK


def _build_editions(args: argparse.Namespace, only: list[str] | None, started: float) -> int:
    one = len(editions.expand(args.org)) == 1  # built like the reference build: its poster prepared early
    with poster_standby(only, _jobs(args) if one else 1) as standby:
        tasks = editions.plan(args.org, args.data, args.framework_version, args.out, only, args.poster_size, args.force)
        print(f"building {len(tasks)} edition{'s' if len(tasks) != 1 else ''} into {args.out}/", file=sys.stderr)
        results = editions.run(tasks, args.jobs, standby=standby)
    failed = [r for r in results if r.errors]
    for result in results:
        if result.errors:
            print(f"error: edition {result.slug} failed, earlier outputs left as they were:", file=sys.stderr)
            for line in result.errors:
                print(f"  {line}", file=sys.stderr)
        else:
            print(f"built {result.slug}: {result.files} files ({result.size / 1024:.0f} KiB) in {result.out_dir}/")
    print(f"{len(results) - len(failed)} of {len(results)} editions built in {time.perf_counter() - started:.2f} s")
    return EXIT_FAILED if failed else EXIT_OK


def _init_org(args: argparse.Namespace) -> int:
    fw = load_framework(args.data, args.framework_version)
    try:
        written = init_org(args.folder, args.name, fw)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for path in written:
        print(f"wrote {path}")
    print(f"next: edit {written[0]}, then run `python -m generator build --org {args.folder}`")
    return EXIT_OK


def _templates(args: argparse.Namespace) -> int:
    search_path = None
    if args.org:
        folder = args.org.resolve()
        search_path, problem = profile_search_path(folder)
        if problem:
            raise InputError([Problem(folder, None, "", problem)])
    try:
        entries = catalogue(search_path)
    except CatalogueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for entry in entries:
        marker = " (overridden)" if entry.overridden else ""
        print(f"{entry.name}{marker}")
        print(f"  file: {entry.source}")
        print(f"  variables: {', '.join(entry.variables) or '-'}")
        if entry.blocks:
            marked = (f"{b} (overridden)" if b in entry.overridden_blocks else b for b in entry.blocks)
            print(f"  blocks: {', '.join(marked)}")
    return EXIT_OK


def _changes(args: argparse.Namespace) -> int:
    versions = available_versions(args.data)
    new = args.new or versions[-1]
    old = args.old or previous_version(new, args.data) or new
    newer = load_framework(args.data, new)
    print(to_markdown(compare(load_framework(args.data, old), newer), newer), end="")
    return EXIT_OK


def _release(args: argparse.Namespace) -> int:
    fw = load_framework(args.data, args.framework_version)
    previous = load_previous(fw, args.data)
    jobs = _jobs(args)
    if not args.org:
        edition = make_edition(fw, poster_size=args.poster_size, previous=previous)
        _report(make_release(edition, args.out, _progress, jobs))
        return EXIT_OK
    for task in editions.plan(args.org, args.data, args.framework_version, args.out, None, args.poster_size):
        edition = make_edition(fw, editions.loaded_profile(task), poster_size=args.poster_size, previous=previous)
        _report(make_release(edition, args.out, _progress, jobs))
    return EXIT_OK


def _report(release: Release) -> None:
    size = release.bundle.stat().st_size / 1024
    print(
        f"released {release.bundle} ({size:.0f} KiB) and {len(release.headline)} files beside it; "
        f"checksums in {release.checksums}"
    )


def _verify(args: argparse.Namespace) -> int:
    try:
        report = verify(args.path)
    except VerifyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for line in report.lines():
        print(line)
    if report.intact:
        print(f"intact: {report.checked} files match {CHECKSUMS} and {MANIFEST}")
        return EXIT_OK
    print(f"not intact: {len(report.lines())} problem{'s' if len(report.lines()) != 1 else ''} in {args.path}")
    return EXIT_FAILED


def _progress(line: str) -> None:
    print(line, file=sys.stderr)


def _import_raci(args: argparse.Namespace) -> int:
    fw = load_framework(args.data, args.framework_version)
    result = import_raci(args.workbook, args.org, fw, dry_run=args.dry_run)
    if not result.changes:
        print(f"{result.org_file} already matches the workbook; nothing to change")
        return EXIT_OK
    for change in result.changes:
        print(change.text)
    print(result.diff, end="")
    verb = "wrote" if result.written else "would write (dry run, nothing written)"
    print(f"{verb} {len(result.changes)} change{'s' if len(result.changes) != 1 else ''} to {result.org_file}")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    real_dir(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, schema in all_schemas().items():
        write_output(args.out, name, (json.dumps(schema, indent=2) + "\n").encode("utf-8"))
    print(f"wrote {len(all_schemas())} schemas to {args.out}/")
    return EXIT_OK
