"""The `grader` command.

  grader grade [PATH] [--grader-json FILE]   grade one submission (same as pytest grader)
  grader rubric                               list the rubric items and their points

Batch grading, the reference profile, the student export and reports come in
later steps (see the README).
"""
from __future__ import annotations

import argparse
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
    from grader.rubric import load_rubric

    rubric = load_rubric()
    for area in rubric.areas:
        print(f"{area.number}. {area.title}")
        for item in rubric.in_area(area.key):
            print(f"   {item.number:<5} {item.points:>4g}  {item.id:<32} {item.description}")
    print(f"Total: {rubric.max_points:g} points")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="grader",
        description="Grade the cats-vs-dogs callbacks assignment: `grader grade [PATH]` grades "
        "./assignment or another folder; `grader rubric` lists what is graded.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one submission folder")
    grade.add_argument("submission", nargs="?", help="folder to grade (default: ./assignment)")
    grade.add_argument("--grader-json", metavar="FILE", help="write Gradescope's results.json here")
    grade.add_argument("pytest_args", nargs=argparse.REMAINDER, help="further pytest options")
    grade.set_defaults(run=_grade)
    commands.add_parser("rubric", help="list the rubric").set_defaults(run=_rubric)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
