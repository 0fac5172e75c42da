"""`drill history`: the session's gradings, oldest first, and the time to a full score."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from grader.session_ops import first_full_score_s
from grader.timer import clock
from grader.workspace import Session


def show_history(session: Session, console: Console) -> None:
    attempts = session.attempts
    if not attempts:
        console.print("No gradings yet: `drill grade` records one each time.")
        return
    table = Table(box=None, header_style="bold")
    for column in ("#", "at", "score", "status", "red flags", "report"):
        table.add_column(column)
    best = None
    for number, attempt in enumerate(attempts, 1):
        score = f"{attempt.get('score')}/{attempt.get('max_score')}"
        trend = ""
        if best is not None and attempt.get("score", 0) > best:
            trend = " ↑"
        best = max(best or 0, attempt.get("score") or 0)
        at = attempt.get("elapsed_s")
        table.add_row(str(number), clock(at) if at is not None else "-", score + trend,
                      attempt.get("status", ""), ", ".join(attempt.get("red_flags", [])) or "-",
                      attempt.get("report") or "-")
    console.print(table)
    full = first_full_score_s(attempts)
    console.print(f"first full score at {clock(full)}" if full is not None
                  else "no full score yet")
