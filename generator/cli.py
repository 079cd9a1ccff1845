"""Command line: validate, build, init-org, templates, changes, release, verify, import-raci, schema."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from generator import __version__, editions, terminal
from generator.changes import compare, to_markdown
from generator.edition import make_edition
from generator.model import DEFAULT_FRAMEWORK
from generator.org.branding import POSTER_SIZES, Branding
from generator.org.profile import PROFILE_FILE, profile_search_path, tailored_framework
from generator.pipeline import MANIFEST, BuildError, build, poster_standby
from generator.problems import InputError, Problem
from generator.renderers import by_name
from generator.search_path import TEMPLATES_DIR
from generator.source.load import (
    DATA_DIR,
    available_frameworks,
    available_versions,
    load_framework,
    load_with_previous,
    previous_version,
)
from generator.source.schema import all_schemas
from generator.trust import Refused, real_dir, write_output

if TYPE_CHECKING:
    from generator.release import Release

# The modules of the commands other than build (import-raci, init-org, templates, release, verify)
# are imported when their command runs: a build does not wait for them.
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DISTRIBUTION = "ai-srm-generator"  # the package's name in pyproject.toml; its command is `ai-srm`
# The global options each command uses; giving one to a command that ignores it is a usage error.
USES = {
    "validate": {"--data", "--framework", "--framework-version"},
    "build": {"--data", "--framework", "--framework-version"},
    "init-org": {"--data", "--framework", "--framework-version"},
    "import-raci": {"--data", "--framework", "--framework-version"},
    "release": {"--data", "--framework", "--framework-version"},
    "changes": {"--data", "--framework"},
    "schema": {"--data"},
    "templates": set(),
    "verify": set(),
}


class _Parser(argparse.ArgumentParser):
    """argparse, with each usage error on one line (not the usage summary first); exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}; `{self.prog} --help` lists the options\n")


class _NotInClone(Exception):
    """The generator was installed without its clone (not `pip install -e`), so its data folder is missing."""


class _Usage(Exception):
    """A usage error found after parsing: the option as argparse names it, and what is wrong and how to fix it."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"argument {option}: {message}")


def main(argv: list[str] | None = None, prog: str = "python -m generator") -> int:
    """Run one command; `prog` is how the user started it (`ai-srm` or `python -m generator`)."""
    with terminal.escaped():
        return _main(argv, prog)


def _main(argv: list[str] | None, prog: str) -> int:
    parser, commands = _parser(prog)
    args = parser.parse_args(argv)  # a usage error exits here with status 2
    args.prog = prog
    try:
        _check_usage(args, prog)  # and the usage errors only the file system or the data can show, before any work
        return args.run(args)
    except _Usage as exc:
        commands[args.command].exit(EXIT_USAGE, f"{commands[args.command].prog}: error: {exc}\n")
    except _NotInClone as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAILED
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


def _formats(text: str) -> tuple[str, ...]:
    """An argparse type: comma-separated format names, each known, at least one; repeats dropped."""
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    known = ", ".join(by_name())
    unknown = [name for name in names if name not in by_name()]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown format {', '.join(unknown)}; expected one of {known}")
    if not names:
        raise argparse.ArgumentTypeError(f"no format in {text!r}; expected one or more of {known}, comma-separated")
    return names


def _org_name(text: str) -> str:
    """An argparse type: an organisation name on one line, not empty."""
    if not text.strip() or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise argparse.ArgumentTypeError(f"expected the organisation's name on one line, found {text!r}")
    return text


class _PrintVersion(argparse.Action):
    """--version: print version_line() on one line, however narrow the terminal (argparse's own wraps it)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> NoReturn:
        print(version_line())
        parser.exit()


def version_line() -> str:
    """Return what `--version` prints: the generator's name and version, and the framework versions it carries."""
    carried = [f"{f} {', '.join(available_versions(DATA_DIR, f))}" for f in available_frameworks(DATA_DIR)]
    return f"{DISTRIBUTION} {__version__} (frameworks: {'; '.join(carried) or 'none'})"


def _parser(prog: str) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """Return the parser and each command's own parser, by command name."""
    parser = _Parser(prog=prog, description=__doc__)
    parser.add_argument("--version", action=_PrintVersion, nargs=0, help="print the version and the frameworks carried")
    parser.add_argument("--data", type=Path, help="data folder (default: the project's data/)")
    parser.add_argument(
        "--framework", metavar="ID", help=f"framework to use, by id (default: {DEFAULT_FRAMEWORK}, or a profile's own)"
    )
    parser.add_argument("--framework-version", help="framework version to use (default: the newest)")
    sub = parser.add_subparsers(required=True, metavar="COMMAND", dest="command")

    validate = sub.add_parser("validate", help="check the data without rendering; exit 0 or 1")
    validate.set_defaults(run=_validate)

    formats = "; ".join(f"{name}: {renderer.description}" for name, renderer in by_name().items())
    poster_help = f"page size of the poster, landscape (default: the profile's, or {Branding().poster_size})"
    build_cmd = sub.add_parser("build", help="render every format into the output folder")
    build_cmd.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    build_cmd.add_argument("--only", type=_formats, help=f"comma-separated formats to build: {formats}")
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
    importer.add_argument(
        "--overwrite",
        action="store_true",
        help="import a workbook built before org.yaml's RACI last changed, undoing that change",
    )
    importer.set_defaults(run=_import_raci)

    schema = sub.add_parser("schema", help="write the JSON Schema of the data files")
    schema.add_argument("--out", type=Path, help="folder (default: the data folder's schema/)")
    schema.set_defaults(run=_schema)
    return parser, dict(sub.choices)


def _check_usage(args: argparse.Namespace, prog: str) -> None:
    """Raise _Usage for what parsing cannot see: paths of the wrong kind, unknown versions, options in conflict.

    A path the user typed that is missing or of the wrong kind is a usage error; what a folder holds is input.
    """
    given = {
        "--data": args.data is not None,
        "--framework": args.framework is not None,
        "--framework-version": args.framework_version is not None,
    }
    for option in [name for name, present in given.items() if present and name not in USES[args.command]]:
        raise _Usage(option, f"{args.command} does not use it; drop it")
    if args.data is None:
        args.data = DATA_DIR
        if not DATA_DIR.is_dir() and USES[args.command]:
            raise _NotInClone(
                f"error: {DATA_DIR} is missing: the generator reads data/ and templates/ from its clone; "
                "install it there with `python -m pip install -c constraints.txt -e .`"
            )
    elif not args.data.is_dir():
        raise _Usage("--data", f"{_missing_or_not_a_folder(args.data)}; give the data folder (default: data/)")
    frameworks = available_frameworks(args.data)
    if args.framework is not None and frameworks and args.framework not in frameworks:
        raise _Usage("--framework", f"framework {args.framework} not found; expected one of {', '.join(frameworks)}")
    versions = available_versions(args.data, args.framework)
    if args.framework_version is not None and args.command == "validate" and args.framework is None:
        versions = sorted({v for f in frameworks for v in available_versions(args.data, f)})
    wanted = [("--framework-version", args.framework_version)]
    if args.command == "changes":
        wanted += [("--from", args.old), ("--to", args.new)]
    for option, version in wanted:
        if version is not None and versions and version not in versions:
            raise _Usage(option, f"version {version} not found; expected one of {', '.join(versions)}")
    if args.command == "changes" and args.old and versions:
        new = args.new or versions[-1]
        if versions.index(args.old) >= versions.index(new):
            raise _Usage("--from", f"{args.old} is not older than {new} (--to); give an older version")
    if args.command in ("build", "release", "schema"):
        if args.command == "schema" and args.out is None:
            args.out = args.data / "schema"
        _folder_to_write("--out", args.out, "the output")
        if args.command != "schema":
            _outside_inputs(args.out, args.data)
    if args.command == "init-org":
        _folder_to_write("DIR", args.folder, "the new profile")
    if args.command in ("build", "release") and args.org:
        _profile_folders(args.org, prog, several=True)
    if args.command in ("templates", "import-raci") and args.org:
        _profile_folders([args.org], prog, several=False)
    if args.command == "import-raci" and (not os.path.lexists(args.workbook) or args.workbook.is_dir()):
        raise _Usage("WORKBOOK", f"{_missing_or_not_a_file(args.workbook)}; give the edition's RACI workbook (.xlsx)")
    if args.command == "verify" and not os.path.lexists(args.path):
        raise _Usage("PATH", f"{args.path}: no such file or folder; give a release zip or its unpacked folder")


def _missing_or_not_a_folder(path: Path) -> str:
    return f"{path} is not a folder" if os.path.lexists(path) else f"{path}: no such folder"


def _missing_or_not_a_file(path: Path) -> str:
    return f"{path} is a folder" if path.is_dir() else f"{path}: no such file"


def _outside_inputs(out: Path, data: Path) -> None:
    """Refuse an output folder inside what a build reads: the data (a stray version folder there breaks every
    later command) or the templates."""
    where = out.resolve()
    for folder, what in ((data.resolve(), "the data folder"), (TEMPLATES_DIR.resolve(), "the templates folder")):
        if where == folder or where.is_relative_to(folder):
            raise _Usage("--out", f"{out} is inside {what} ({folder}); choose an output folder outside it")


def _folder_to_write(option: str, path: Path, what: str) -> None:
    """Refuse a folder the command will make or write into unless it is a real folder or absent in a folder."""
    if path.is_symlink():
        raise _Usage(option, f"{path} is a symbolic link; give the real folder for {what}")
    if os.path.lexists(path) and not path.is_dir():
        raise _Usage(option, f"{path} is not a folder; give a folder for {what} (made if missing)")
    above = next((parent for parent in path.absolute().parents if os.path.lexists(parent)), None)
    if not os.path.lexists(path) and above is not None and not above.is_dir():
        raise _Usage(option, f"{above} is not a folder, so {path} cannot be made; give a folder for {what} elsewhere")


def _profile_folders(paths: Sequence[Path], prog: str, several: bool) -> None:
    """Refuse an --org that is not a profile folder (or, where `several`, a folder of them), or repeats one."""
    seen: set[Path] = set()
    for path in paths:
        if not os.path.lexists(path):
            raise _Usage("--org", f"{path}: no such folder; make a profile with `{prog} init-org {path} --name NAME`")
        if not path.is_dir():
            fix = f"give its folder: {path.parent}" if path.name == PROFILE_FILE else "give the profile's folder"
            raise _Usage("--org", f"{path} is a file; {fix}")
        profiles = editions.expand([path]) if several else [path]
        if profiles == [path] and not os.path.lexists(path / PROFILE_FILE):
            within = ", nor does any folder in it" if several else ""
            raise _Usage("--org", f"{path} holds no {PROFILE_FILE}{within}; give a profile's folder (see init-org)")
        for profile in profiles:
            if profile.resolve() in seen:
                raise _Usage("--org", f"{profile} is given more than once; give each profile once")
            seen.add(profile.resolve())


def _validate(args: argparse.Namespace) -> int:
    """Check every version of every framework (or those asked for); report the problems of all of them at once."""
    frameworks: list[str | None] = [args.framework] if args.framework else [*available_frameworks(args.data)]
    problems: list = []
    for framework in frameworks or [None]:
        versions: list[str | None] = [*available_versions(args.data, framework)]
        if args.framework_version:
            versions = [v for v in versions if v == args.framework_version]
        for version in versions or [None]:
            try:
                fw = load_framework(args.data, version, framework)
            except InputError as exc:
                problems += [p for p in exc.problems if p not in problems]  # roles.yaml is shared by every version
                continue
            axes = fw.info.axes
            counts = f"{len(fw.models)} {axes.columns.plural.lower()}, {len(fw.domains)} {axes.rows.plural.lower()}"
            print(f"ok: framework {fw.info.id} {fw.info.version}: {counts}, {len(fw.cells)} cells")
    if problems:
        raise InputError(problems)
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    only = list(args.only) if args.only else None
    if args.org:
        return _build_editions(args, only, started)
    jobs = _jobs(args)
    with poster_standby(only, jobs) as standby:  # the poster's process prepares while the framework loads
        fw, previous = load_with_previous(args.data, args.framework_version, args.framework)
        edition = make_edition(fw, poster_size=args.poster_size, only=only, previous=previous)
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
        tasks, refused = editions.plan(
            args.org, args.data, args.framework_version, args.out, only, args.poster_size, args.force, args.framework
        )
        print(f"building {len(tasks)} edition{'s' if len(tasks) != 1 else ''} into {args.out}/", file=sys.stderr)
        results = editions.run(tasks, args.jobs, standby=standby) if tasks else []
    for result in results:
        if not result.errors:
            print(f"built {result.slug}: {result.files} files ({result.size / 1024:.0f} KiB) in {result.out_dir}/")
    failed = [*refused, *(r for r in results if r.errors)]
    _list_failures(failed, "built")
    total = len(results) + len(refused)
    print(f"{total - len(failed)} of {total} editions built in {time.perf_counter() - started:.2f} s")
    return EXIT_FAILED if failed else EXIT_OK


def _list_failures(failed: list[editions.EditionResult], verb: str) -> None:
    """Print each failed edition and its problems to stderr, after every edition that could be was `verb`."""
    for result in failed:
        print(f"error: edition {result.slug} not {verb}, earlier outputs left as they were:", file=sys.stderr)
        for line in result.errors:
            print(f"  {line}", file=sys.stderr)


def _init_org(args: argparse.Namespace) -> int:
    from generator.org.scaffold import ScaffoldError, init_org

    fw = load_framework(args.data, args.framework_version, args.framework)
    try:
        written = init_org(args.folder, args.name, fw)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for path in written:
        print(f"wrote {path}")
    print(f"next: edit {written[0]}, then run `{args.prog} build --org {args.folder}`")
    return EXIT_OK


def _templates(args: argparse.Namespace) -> int:
    from generator.org.template_catalogue import CatalogueError, catalogue

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
    versions = available_versions(args.data, args.framework)
    new = args.new or versions[-1]
    old = args.old or previous_version(new, args.data, args.framework) or new
    newer = load_framework(args.data, new, args.framework)
    print(to_markdown(compare(load_framework(args.data, old, args.framework), newer), newer), end="")
    return EXIT_OK


def _release(args: argparse.Namespace) -> int:
    from generator.release import make_release

    jobs = _jobs(args)
    if not args.org:
        fw, previous = load_with_previous(args.data, args.framework_version, args.framework)
        edition = make_edition(fw, poster_size=args.poster_size, previous=previous)
        _report(make_release(edition, args.out, _progress, jobs))
        return EXIT_OK
    tasks, failed = editions.plan(
        args.org, args.data, args.framework_version, args.out, None, args.poster_size, framework_id=args.framework
    )
    for task in tasks:
        fw = editions.loaded_framework(task)
        previous = editions.loaded_previous(task)
        edition = make_edition(fw, editions.loaded_profile(task), poster_size=args.poster_size, previous=previous)
        try:
            _report(make_release(edition, args.out, _progress, jobs))
        except (InputError, BuildError, Refused, OSError) as exc:  # this edition only: the others are released
            lines = [str(p) for p in exc.problems] if isinstance(exc, InputError) else [_problem_line(exc)]
            failed.append(editions.EditionResult(task.slug, args.out, 0, 0, tuple(lines)))
    _list_failures(failed, "released")
    return EXIT_FAILED if failed else EXIT_OK


def _problem_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, Refused):
        return f"cannot write {exc.filename or ''}: {exc.strerror or exc}"
    return str(exc)


def _report(release: Release) -> None:
    size = release.bundle.stat().st_size / 1024
    print(
        f"released {release.bundle} ({size:.0f} KiB) and {len(release.headline)} files beside it; "
        f"checksums in {release.checksums}"
    )


def _verify(args: argparse.Namespace) -> int:
    from generator.release import CHECKSUMS
    from generator.verify import VerifyError, verify

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
    from generator.org.import_raci import import_raci

    fw = load_framework(args.data, args.framework_version, args.framework or tailored_framework(args.org))
    result = import_raci(
        args.workbook, args.org, fw, dry_run=args.dry_run, progress=_progress, overwrite=args.overwrite
    )
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
