"""The `grader` command.

  grader grade [PATH] [--grader-json FILE]   grade one submission, a folder or a notebook (as pytest grader)
  grader rubric                               list the rubric items and their points
  grader profile [--check]                    record the reference's facts in grader/profile.json
  grader export-student OUT [--notebook]      write the repository students receive (and assignment.ipynb)
  grader batch SUBMISSIONS --out RESULTS      grade a class, each submission sandboxed
  grader merge RESULTS_1 ... --out RESULTS    join the gradebooks of shards
  grader report RESULTS                       the class report (scores, items, statuses)
  grader classroom results.json               GitHub Classroom points and job summary
  grader gradescope-bundle OUT.zip            the Gradescope autograder zip
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _grade(args) -> int:
    import pytest

    grader_dir = str(Path(__file__).resolve().parent)
    argv = [grader_dir, "-p", "no:cacheprovider", f"--rootdir={Path(grader_dir).parent}"]
    if args.submission:
        argv.append(f"--submission={Path(args.submission).resolve()}")
    if args.grader_json:
        argv.append(f"--grader-json={Path(args.grader_json).resolve()}")
    return int(pytest.main(argv + args.pytest_args))


def _rubric(args) -> int:
    from grader.areas import AREAS
    from grader.rubric import load_rubric

    rubric = load_rubric()
    for area in rubric.areas:
        extra = " (extra credit)" if rubric.mode(area.key) == "extra" else ""
        print(f"{area.number}. {area.title}{extra}  (pytest grader -m {area.key})")
        for item in rubric.in_area(area.key):
            hidden = " (hidden)" if item.visibility == "hidden" else ""
            print(f"   {item.number:<5} {item.points:>4g}  {item.id:<32} {item.description}{hidden}")
    print(f"Total: {rubric.max_points:g} points" + (f", + {rubric.extra_points:g} extra credit"
                                                   if rubric.extra_points else ""))
    off = [area.key for area in AREAS if rubric.mode(area.key) == "off"]
    if off:
        print(f"(not graded: {', '.join(off)}, switched off in rubric.toml's [modes])")
    if rubric.hidden_elsewhere:
        from grader.grade import points

        print(f"(and hidden items worth {points(rubric.hidden_elsewhere)}, graded by your instructor)")
    return 0


def _profile(args) -> int:
    from grader.grading import REFERENCE_DIR, live_reference_facts, reference_source
    from grader.profile import PROFILE_PATH, ProfileError, build_profile, read_profile, staleness, write_profile

    if not REFERENCE_DIR.is_dir():
        print("grader profile: there is no reference/ here; the profile is made in the instructor's "
              "repository.", file=sys.stderr)
        return 2
    try:
        old = read_profile()
    except ProfileError:
        old = None
    if args.check and old is None:
        print(f"grader profile --check: no usable {PROFILE_PATH.name}. Run `grader profile`.", file=sys.stderr)
        return 1
    from grader.quiet import import_tensorflow_quietly

    changes = staleness(old, REFERENCE_DIR) if old else []
    if not (args.check and changes):
        import_tensorflow_quietly()
    fresh = None
    if not (args.check and changes):  # a changed reference file already settles --check
        fresh = build_profile(REFERENCE_DIR, live_reference_facts)
        changes = staleness(old, REFERENCE_DIR, fresh) if old else []
    if args.check:
        if changes:
            print(f"{PROFILE_PATH.name} is out of date with reference/:", file=sys.stderr)
            for change in changes:
                print(f"  {change}", file=sys.stderr)
            print("Run `grader profile` and commit grader/profile.json.", file=sys.stderr)
            return 1
        print(f"{PROFILE_PATH.name} is up to date with reference/.")
        return 0
    write_profile(fresh)
    print(f"Wrote grader/{PROFILE_PATH.name} from reference/.")
    for change in changes[:30]:
        print(f"  {change}")
    if len(changes) > 30:
        print(f"  … and {len(changes) - 30} more")
    if old is not None and not changes:
        print("  (no change)")
    if reference_source() == "profile":
        print("Note: GRADER_REFERENCE=profile is set, so grading here reads this file.")
    return 0


def _export_student(args) -> int:
    from grader.export import ExportError, export_student

    try:
        exported = export_student(args.out, notebook=args.notebook)
    except ExportError as error:
        print(f"grader export-student: {error}", file=sys.stderr)
        return 1
    print(f"Wrote the students' repository to {exported.path} ({exported.files} files): the stubs, "
          f"the grader with its profile, a README; no reference/, no tests/.")
    from grader.grade import points

    print(f"It grades {points(exported.visible_points)}; hidden items worth {points(exported.hidden_points)} "
          "are graded only here, in batch mode and on Gradescope.")
    if exported.edits_left_out:
        print(f"Your uncommitted edits to {', '.join(exported.edits_left_out)} were left out: students get "
              "assignment/ as last committed (the stubs).")
    print(f"Try it: cd {exported.path} && pip install -e . && pytest grader")
    return 0


class _Progress:
    """A rich progress bar on stderr while the workers run, one line per finished submission."""

    def __init__(self):
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 120)
        self.bar = None

    def start(self, total: int, summary) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        if not summary.isolated:
            self.console.print(f"[bold yellow]Not isolated:[/] {summary.isolation_problem}. Student code runs "
                               "as a plain process with time, CPU, memory and file-size limits only: it can read "
                               "and write what this user can. Install bubblewrap and run as root to isolate it.")
        elif summary.filter_problem:
            self.console.print(f"[bold yellow]No seccomp filter:[/] {summary.filter_problem}. Student code runs "
                               "sandboxed, but the kernel key-ring and new user namespaces stay open to it: a "
                               "submission could leave data for one graded later. Install pyseccomp to close them.")
        if not total:
            return
        if summary.skipped:
            self.console.print(f"{summary.skipped} submission(s) already graded with this grader: skipped "
                               "(--force regrades them).")
        self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.description}"), console=self.console, transient=False)
        self.bar.start()
        self.task = self.bar.add_task("", total=total)

    def advance(self, submission: str, status: str, grade) -> None:
        from rich.markup import escape

        from grader.grade import number

        # ids and reasons are the students' text: shown as typed, never read as rich markup ("[/]" would raise)
        self.bar.update(self.task, advance=1,
                        description=escape(f"{submission}: {number(grade.score)}/{number(grade.max_score)} {status}"))

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _batch(args) -> int:
    from grader.batch.outputs import summary_statistics
    from grader.batch.run import BatchError, run_batch
    from grader.batch.sandbox import Limits
    from grader.batch.submissions import parse_shard

    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as error:
        print(f"grader batch: {error}", file=sys.stderr)
        return 2
    if not Path(args.submissions).is_dir():
        print(f"grader batch: {args.submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    progress = _Progress()
    try:
        summary = run_batch(args.submissions, args.out, jobs=args.jobs, shard=shard, force=args.force,
                            isolate=not args.no_sandbox, progress=progress, warm=not args.cold, seed=args.seed,
                            limits=Limits(wall_seconds=args.timeout, memory_mb=args.memory, disk_mb=args.disk))
    except BatchError as error:
        print(f"grader batch: {error}", file=sys.stderr)
        return 1
    finally:
        progress.stop()
    _print_summary(summary_statistics(summary), Path(args.out), summary)
    return 0


def _print_summary(facts: dict, out: Path, summary) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    if not facts["graded"]:
        console.print(f"Nothing to grade: all {facts['skipped']} submission(s) are already in {out / 'gradebook.sqlite'} "
                      "for this grader (--force regrades them).")
        return
    if facts["graded"] <= 50:  # a small class: every score here; a large one: see the CSV
        scores = Table(title="Graded in this run", title_justify="left")
        for column in ("submission", "score", "status", "reason"):
            scores.add_column(column, justify="right" if column == "score" else "left")
        for name, status, score, max_score, _seconds, reason in sorted(summary.details):
            scores.add_row(escape(name), f"{score:g}/{max_score:g}", status,
                           escape(reason[:100] + ("…" if len(reason) > 100 else "")))
        console.print(scores)
    table = Table(title="Batch summary", title_justify="left")
    table.add_column("status")
    table.add_column("submissions", justify="right")
    for status, count in facts["statuses"].items():
        table.add_row(status, str(count))
    if facts["skipped"]:
        table.add_row("skipped (already graded)", str(facts["skipped"]))
    console.print(table)
    if facts["graded"]:
        console.print(f"Scores this run: mean {facts['mean']:g}, median {facts['median']:g}.")
        slowest = escape(", ".join(f"{name} {seconds:.0f} s" for seconds, name in facts["slowest"]))
        console.print(f"Slowest: {slowest}.")
    if summary.cold_reason:
        console.print(f"[yellow]Warm workers were turned off partway[/] ({summary.cold_reason}); cold workers "
                      "graded the rest, with the same isolation.")
    where = ("Isolated in a sandbox" if summary.isolated else "NOT isolated") + f", {summary.workers} workers"
    if summary.isolated:  # said either way: an instructor should not have to infer the filter from silence
        where += " (no seccomp filter)" if summary.filter_problem else ", seccomp filter on"
    console.print(f"{where}. Gradebook: "
                  f"{out / 'gradebook.sqlite'}; CSV: {out / 'gradebook.csv'}; per submission: "
                  f"{out / 'submissions'}/ID/results.json and report.html")
    console.print(f"Class report: {out / 'class-report.html'}")


def _merge(args) -> int:
    from grader.batch.outputs import BatchError, merge_results

    try:
        copied = merge_results(args.results, args.out)
    except BatchError as error:
        print(f"grader merge: {error}", file=sys.stderr)
        return 1
    print(f"Merged {copied} grading(s) into {Path(args.out) / 'gradebook.sqlite'} (and gradebook.csv).")
    return 0


def _report(args) -> int:
    from contextlib import closing

    from grader.batch import gradebook
    from grader.batch.outputs import write_class_report

    database = Path(args.results) / "gradebook.sqlite"
    if not database.is_file():
        print(f"grader report: {args.results} holds no gradebook.sqlite (run grader batch first)", file=sys.stderr)
        return 1
    with closing(gradebook.connect(database)) as connection:
        path = write_class_report(connection, Path(args.results))
    print(f"Wrote {path}")
    return 0


def _classroom(args) -> int:
    from grader.report.classroom import publish

    if not Path(args.results_json).is_file():
        print(f"grader classroom: {args.results_json} does not exist (did pytest grader run with "
              "--grader-json?)", file=sys.stderr)
        return 1
    publish(args.results_json)
    return 0


def _gradescope_bundle(args) -> int:
    from grader.gradescope import BundleError, build_bundle

    try:
        path = build_bundle(args.out)
    except BundleError as error:
        print(f"grader gradescope-bundle: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {path}: upload it as the autograder of a Gradescope programming assignment "
          "(setup.sh installs Python, bubblewrap and the grader; run_autograder grades each submission).")
    return 0


def _gradescope_run(args) -> int:
    from grader.gradescope import run

    results = run(args.submission, args.results_json)
    print(results.get("output", ""))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="grader",
        description="Grade the cats-vs-dogs callbacks assignment: `grader grade [PATH]` grades "
        "./assignment or another folder; `grader rubric` lists what is graded; `grader profile` and "
        "`grader export-student OUT` make the copy students receive.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one submission folder")
    grade.add_argument("submission", nargs="?", help="folder or notebook (.ipynb) to grade (default: ./assignment)")
    grade.add_argument("--grader-json", metavar="FILE", help="write Gradescope's results.json here")
    grade.add_argument("pytest_args", nargs=argparse.REMAINDER, help="further pytest options")
    grade.set_defaults(run=_grade)
    commands.add_parser("rubric", help="list the rubric").set_defaults(run=_rubric)
    profile = commands.add_parser("profile", help="record the reference's facts in grader/profile.json "
                                  "(run it after every change to reference/)")
    profile.add_argument("--check", action="store_true",
                         help="only say whether the profile is up to date (exit 1 if not)")
    profile.set_defaults(run=_profile)
    export = commands.add_parser("export-student", help="write the repository students receive "
                                 "(no reference/, no hidden items, no instructor tests)")
    export.add_argument("out", help="a new or empty folder")
    export.add_argument("--notebook", action="store_true",
                        help="also write assignment.ipynb: the steps as a notebook, with a cell that grades it")
    export.set_defaults(run=_export_student)
    batch = commands.add_parser("batch", help="grade a folder of submissions (folders or .zip files), each in a "
                                "sandbox, into RESULTS/gradebook.sqlite")
    batch.add_argument("submissions", help="folder holding one folder or .zip per submission")
    batch.add_argument("--out", required=True, help="results folder (gradebook, CSV, results.json files)")
    batch.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                       help="submissions graded at once (default: one per core; each worker needs ~0.8 GB)")
    batch.add_argument("--timeout", type=float, default=600, help="seconds per submission (default 600)")
    batch.add_argument("--memory", type=int, default=3072,
                       help="MB of memory per submission, counting the files it writes (its folders are in "
                            "memory) (default 3072)")
    batch.add_argument("--disk", type=int, default=512,
                       help="MB the submission may write in its working folder, /scratch (default 512); in the "
                            "sandbox that folder is in memory, so this counts in --memory too")
    batch.add_argument("--shard", metavar="I/N", help="grade only shard I of N (for job arrays); see merge")
    batch.add_argument("--force", action="store_true", help="regrade submissions already in the gradebook")
    batch.add_argument("--no-sandbox", action="store_true",
                       help="run workers without bubblewrap (limits only; for measuring, not for real grading)")
    batch.add_argument("--seed", type=int, metavar="N",
                       help="the secret seed that decides every grading's questions (default: a fresh one, stored "
                            "in each gradebook row); give a row's seed with --force to grade it again identically")
    batch.add_argument("--cold", action="store_true",
                       help="start every worker afresh instead of forking it from a warm one that has imported "
                            "TensorFlow (about 3.5 s slower per submission; same grades)")
    batch.set_defaults(run=_batch)
    merge = commands.add_parser("merge", help="join the gradebooks of several results folders (shards)")
    merge.add_argument("results", nargs="+", help="results folders written by grader batch")
    merge.add_argument("--out", required=True, help="folder for the joined gradebook")
    merge.set_defaults(run=_merge)
    report = commands.add_parser("report", help="write RESULTS/class-report.html from a gradebook")
    report.add_argument("results", help="a results folder written by grader batch or grader merge")
    report.set_defaults(run=_report)
    classroom = commands.add_parser("classroom", help="GitHub Actions: report a results.json to GitHub Classroom "
                                    "and the job summary")
    classroom.add_argument("results_json")
    classroom.set_defaults(run=_classroom)
    bundle = commands.add_parser("gradescope-bundle", help="write the Gradescope autograder zip")
    bundle.add_argument("out", help="the zip file to write, e.g. autograder.zip")
    bundle.set_defaults(run=_gradescope_bundle)
    gradescope = commands.add_parser("gradescope-run", help="(run_autograder) grade SUBMISSION into RESULTS_JSON")
    gradescope.add_argument("submission")
    gradescope.add_argument("results_json")
    gradescope.set_defaults(run=_gradescope_run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
