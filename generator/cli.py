"""Command line: `python -m generator validate | build | schema`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from generator import __version__
from generator.branding import POSTER_SIZES, Branding
from generator.build import BuildError, build
from generator.load import DATA_DIR, load_framework
from generator.problems import InputError
from generator.renderers import by_name
from generator.schema import all_schemas

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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
        "--poster-size", choices=POSTER_SIZES, default="A2", help="page size of the poster, landscape (default: A2)"
    )
    build_cmd.set_defaults(run=_build)

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
    fw = load_framework(args.data, args.framework_version)
    only = [name.strip() for name in args.only.split(",") if name.strip()] if args.only else None
    print(f"building framework {fw.info.version} into {args.out}/", file=sys.stderr)
    artifacts = build(fw, args.out, only, branding=Branding(poster_size=args.poster_size))
    total = sum(a.size for a in artifacts)
    elapsed = time.perf_counter() - started
    print(f"built {len(artifacts)} files ({total / 1024:.0f} KiB) in {elapsed:.2f} s; see {args.out}/manifest.json")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    for name, schema in all_schemas().items():
        (args.out / name).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(all_schemas())} schemas to {args.out}/")
    return EXIT_OK
