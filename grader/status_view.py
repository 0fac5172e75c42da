"""`drill status`: the session's clock against its phase plan, rendered once."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from grader.timer import clock, position
from grader.workspace import Session


def show_status(session: Session, console: Console, now: float | None = None) -> None:
    where = position(session.plan, session.elapsed_s(now))
    console.print(f"[bold]{session.drill_id}[/bold]  workspace {session.root}")
    console.print(f"elapsed [bold]{clock(where.elapsed_s)}[/bold] of {clock(where.total_s)}")
    table = Table(box=None, header_style="bold")
    for column in ("", "phase", "minutes", "goal"):
        table.add_column(column)
    for index, step in enumerate(session.plan):
        mark = ("▶" if index == where.phase_index else ("✓" if index < where.phase_index else " "))
        style = "bold" if index == where.phase_index else ("dim" if index < where.phase_index else "")
        table.add_row(mark, step["phase"], f"{step['minutes']:g}", step.get("goal", ""), style=style)
    console.print(table)
    if where.phase == "overtime":
        console.print(f"[bold red]overtime: {clock(where.overtime_s)} past the plan[/bold red]")
    else:
        console.print(f"now: [bold]{where.phase}[/bold], {clock(where.phase_left_s)} left in this "
                      f"phase, {clock(where.left_s)} left overall")
