"""`drill status`: the session's phases as bars, rendered once or kept live (--watch)."""

from __future__ import annotations

import math
import time

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from grader.timer import Timeline, clock
from grader.workspace import Session, load_session

WATCH_INTERVAL_S = 0.5


BAR_WIDTH = 24


def _bar(spent: float, planned: float, style: str) -> Text:
    # Plain block characters: they read the same in a colour terminal, a pipe and a log.
    filled = BAR_WIDTH if planned <= 0 else min(BAR_WIDTH, round(BAR_WIDTH * spent / planned))
    return Text.assemble(("█" * filled, style), ("░" * (BAR_WIDTH - filled), "dim"))


def render(session: Session, line: Timeline) -> Group:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column, justify in (("", "left"), ("phase", "left"), ("", "left"),
                            ("spent / planned", "right"), ("", "left")):
        table.add_column(column, justify=justify)
    for index, span in enumerate(line.phases):
        spent = span.spent_s(line.elapsed_s)
        over = spent > span.planned_s
        current = index == line.current
        mark = "▶" if current else ("✓" if span.end_s is not None else " ")
        bar = _bar(spent, span.planned_s, "yellow" if over else ("green" if current else "dim"))
        note = ""
        if over:
            note = f"[yellow]+{clock(spent - span.planned_s)} over[/yellow]"
        elif current:
            note = f"{clock(span.planned_s - spent)} left"
        table.add_row(mark, Text(span.name, style="bold" if current else ""), bar,
                      f"{clock(spent)} / {clock(span.planned_s)}", note)

    head = Text.assemble((session.drill_id, "bold"),
                         f"   elapsed {clock(line.elapsed_s)} of {clock(line.total_s)}")
    if line.paused:
        head.append(f"   PAUSED ({clock(line.pauses[-1].duration_s)})", style="bold magenta")
    if line.finished:
        foot = Text("every phase done.", style="bold green")
    elif line.current >= len(line.phases):
        foot = Text(f"overtime: {clock(line.overtime_s)} past the plan", style="bold red")
    else:
        left = line.phase_left_s
        foot = Text.assemble("now: ", (line.phase, "bold"), "  ",
                             (f"{clock(-left)} over this phase's plan", "yellow") if left < 0
                             else f"{clock(left)} left in this phase",
                             f", {clock(line.left_s)} left overall")
    if not line.manual:
        foot.append("   (phases follow the plan's clock; `drill next` marks your own)",
                    style="dim")
    return Group(head, table, foot)


def show_status(session: Session, console: Console, now: float | None = None) -> None:
    console.print(render(session, session.timeline(now)))


def watch(session: Session, console: Console, interval: float = WATCH_INTERVAL_S,
          clock_fn=time.monotonic, sleep=time.sleep) -> None:
    """Keep the view live until every phase is done or Ctrl-C. Ticks are scheduled on a
    monotonic clock (start + k * interval), so the display never drifts; the session is
    re-read each tick, so `next`, `pause` or `grade` from another terminal show up."""
    from rich.live import Live

    start = clock_fn()
    tick = 0
    shown_phase = None
    try:
        with Live(console=console, auto_refresh=False, transient=False) as live:
            while True:
                session = load_session(session.root)
                line = session.timeline()
                if shown_phase is not None and line.phase != shown_phase:
                    live.console.print(Text.assemble("→ now: ", (line.phase, "bold cyan"),
                                                     f" at {clock(line.elapsed_s)}"))
                shown_phase = line.phase
                live.update(render(session, line), refresh=True)
                if line.finished:
                    break
                tick += 1
                delay = start + tick * interval - clock_fn()
                if delay < 0:  # we fell behind (a suspended terminal): skip missed ticks
                    tick = math.ceil((clock_fn() - start) / interval)
                    delay = start + tick * interval - clock_fn()
                sleep(max(0.0, delay))
    except KeyboardInterrupt:
        pass
