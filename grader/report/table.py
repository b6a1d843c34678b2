"""The grade table printed at the end of `pytest grader`: points per item, feedback, total."""
from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.grade import Grade, feedback_lines, group_name, lost_groups, number, points
from grader.report.credit import EXTRA, not_attempted_lines, total_line


def _points(item, untouched: bool = False) -> Text:
    return Text(f"{number(item.points)} / {number(item.max_points)}",
                style="green" if item.passed else "dim" if untouched else "bold red")


def render_grade_table(grade: Grade, width: int = 100, color: bool = False) -> str:
    """One row per item, then the feedback of each item that lost points, then the total."""
    table = Table(title="Grade", title_justify="left", expand=False, pad_edge=False)
    table.add_column("#", no_wrap=True, min_width=4)
    table.add_column("Item", no_wrap=True, min_width=max((len(item.id) for item in grade.items), default=4))
    id_width = max((len(item.id) for item in grade.items), default=4)
    table.add_column("What earns the points", no_wrap=True, overflow="ellipsis",
                     max_width=max(width - id_width - 24, 20))
    table.add_column("Points", justify="right", no_wrap=True)
    untouched = set(grade.not_attempted())
    for item in grade.items:
        description = f"(hidden) {item.description}" if item.visibility == "hidden" else item.description
        description = f"{EXTRA} {description}" if item.extra else description
        table.add_row(item.number, item.id, description, _points(item, item.area in untouched))
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color,
                      highlight=False, emoji=False)
    console.print(table)
    groups = lost_groups(grade.to_explain())
    if groups:
        console.print()
        console.print(Text("Where the points went", style="bold"))
    for items in groups:
        first = items[0]
        if len(items) == 1:
            console.print(Text(f"{first.number} {first.id}  ", style="bold") + _points(first))
            expected = first.expected
        else:
            # One cause (an unfinished or crashing function) costing several items: say it once.
            lost = sum(item.max_points for item in items)
            console.print(Text(f"{group_name(items)}  ", style="bold") + Text(f"0 / {number(lost)}", style="bold red"))
            expected = None
        for line in feedback_lines(expected, first.found, first.detail, first.hint, width):
            console.print(Text(line), soft_wrap=True)
        console.print()
    untried = not_attempted_lines(grade)  # said once per area, instead of its failures
    if untried and not groups:
        console.print()
    for line in untried:
        console.print(Text(line, style="dim"))
    if untried:
        console.print()
    for note in grade.notes:
        console.print(Text("Note: ", style="bold yellow") + Text(note))
    if grade.notes:
        console.print()
    complete = grade.part_score == grade.max_score
    console.print(Text(total_line(grade), style="bold green" if complete else "bold"))
    if grade.hidden_elsewhere:
        console.print(f"{points(grade.hidden_elsewhere)} more {'is' if grade.hidden_elsewhere == 1 else 'are'} "
                      "graded by your instructor's hidden checks after you submit; not part of this total.")
    # rich pads every line to the full width; trailing blanks only get in the way.
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
