"""Command line: `python -m generator validate | build | init-org | templates | changes | schema`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from generator import __version__, editions
from generator.changes import compare, to_markdown
from generator.org.branding import POSTER_SIZES, Branding
from generator.org.profile import TEMPLATES_SUBDIR, load_profile
from generator.org.scaffold import init_org
from generator.org.tailor import tailor
from generator.org.template_catalogue import catalogue
from generator.pipeline import BuildError, build
from generator.problems import InputError
from generator.release import make_release
from generator.renderers import by_name
from generator.source.load import DATA_DIR, available_versions, load_framework, previous_version
from generator.source.schema import all_schemas

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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="data folder (default: the project's data/)")
    parser.add_argument("--framework-version", help="framework version to use (default: the newest)")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check the data without rendering; exit 0 or 1")
    validate.set_defaults(run=_validate)

    formats = ", ".join(by_name())
    build_cmd = sub.add_parser("build", help="render every format into the output folder")
    build_cmd.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    build_cmd.add_argument("--only", help=f"comma-separated formats to build: {formats}")
    build_cmd.add_argument(
        "--poster-size", choices=POSTER_SIZES, help="page size of the poster, landscape (default: the profile's, or A2)"
    )
    build_cmd.add_argument(
        "--org",
        type=Path,
        action="append",
        metavar="DIR",
        help="build this organisation's edition into OUT/<slug>/; repeat it, or give a folder of profiles",
    )
    build_cmd.add_argument("--jobs", type=int, help="editions built at once (default: one per core)")
    build_cmd.add_argument("--force", action="store_true", help="render every format, even those up to date")
    build_cmd.set_defaults(run=_build)

    init = sub.add_parser("init-org", help="create an organisation profile folder with a commented org.yaml")
    init.add_argument("folder", type=Path, metavar="DIR")
    init.add_argument("--name", required=True, help="the organisation's name")
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
    release.add_argument("--org", type=Path, metavar="DIR", help="release this organisation's edition")
    release.set_defaults(run=_release)

    schema = sub.add_parser("schema", help="write the JSON Schema of the data files")
    schema.add_argument("--out", type=Path, default=DATA_DIR / "schema", help="folder (default: data/schema)")
    schema.set_defaults(run=_schema)
    return parser


def _validate(args: argparse.Namespace) -> int:
    fw = load_framework(args.data, args.framework_version)
    print(f"ok: framework {fw.info.version}: {len(fw.models)} models, {len(fw.domains)} domains, {len(fw.cells)} cells")
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    only = [name.strip() for name in args.only.split(",") if name.strip()] if args.only else None
    if args.org:
        return _build_editions(args, only, started)
    fw = load_framework(args.data, args.framework_version)
    print(f"building framework {fw.info.version} into {args.out}/", file=sys.stderr)
    artifacts = build(fw, args.out, only, branding=Branding(poster_size=args.poster_size or "A2"), force=args.force)
    total = sum(a.size for a in artifacts)
    elapsed = time.perf_counter() - started
    print(f"built {len(artifacts)} files ({total / 1024:.0f} KiB) in {elapsed:.2f} s; see {args.out}/manifest.json")
    return EXIT_OK


def _build_editions(args: argparse.Namespace, only: list[str] | None, started: float) -> int:
    tasks = editions.plan(args.org, args.data, args.framework_version, args.out, only, args.poster_size, args.force)
    print(f"building {len(tasks)} edition{'s' if len(tasks) != 1 else ''} into {args.out}/", file=sys.stderr)
    results = editions.run(tasks, args.jobs)
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
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for path in written:
        print(f"wrote {path}")
    print(f"next: edit {written[0]}, then run `python -m generator build --org {args.folder}`")
    return EXIT_OK


def _templates(args: argparse.Namespace) -> int:
    override = None
    if args.org:
        override = args.org / TEMPLATES_SUBDIR
    for entry in catalogue(override if override and override.is_dir() else None):
        marker = " (overridden)" if entry.overridden else ""
        print(f"{entry.name}{marker}")
        print(f"  file: {entry.source}")
        print(f"  variables: {', '.join(entry.variables) or '-'}")
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
    before = previous_version(fw.info.version, args.data)
    previous = load_framework(args.data, before) if before else None
    options: dict = {}
    if args.org:
        profile = load_profile(args.org, fw)
        fw, previous = tailor(fw, profile), tailor(previous, profile) if previous else None
        options = {"branding": profile.branding, "asset_roots": [profile.folder]}
        if profile.template_dir:
            options["template_dirs"] = [profile.template_dir]
    progress = lambda line: print(line, file=sys.stderr)  # noqa: E731
    bundle, sums = make_release(fw, args.out, previous, progress=progress, **options)
    print(f"released {bundle} ({bundle.stat().st_size / 1024:.0f} KiB); checksum in {sums}")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    for name, schema in all_schemas().items():
        (args.out / name).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(all_schemas())} schemas to {args.out}/")
    return EXIT_OK
