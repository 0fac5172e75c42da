"""Where a session stands in its phase plan. Pure: every function takes `now`.

Time is "effective" time: wall-clock seconds since the start, minus pauses. Phase
boundaries come from `drill next` when the candidate uses it (the k-th `next` ends phase
k), and from the plan otherwise, in which case they are marked as assumed. A wall clock
set backwards never produces negative durations.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PhaseSpan:
    name: str
    planned_s: float
    planned_start_s: float
    start_s: float | None     # effective seconds from the session start; None: not reached
    end_s: float | None       # None: not over yet
    assumed: bool             # boundaries taken from the plan, not marked with `drill next`

    def spent_s(self, elapsed_s: float) -> float:
        if self.start_s is None:
            return 0.0
        return max(0.0, (self.end_s if self.end_s is not None else elapsed_s) - self.start_s)


@dataclass(frozen=True)
class Pause:
    at_s: float               # effective time at which the pause began
    duration_s: float
    open: bool


@dataclass(frozen=True)
class Timeline:
    elapsed_s: float
    total_s: float
    phases: tuple[PhaseSpan, ...]
    current: int              # index of the current phase; len(phases) past the last one
    manual: bool              # `drill next` has been used
    pauses: tuple[Pause, ...]

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].open

    @property
    def finished(self) -> bool:
        return self.manual and self.current >= len(self.phases)

    @property
    def phase(self) -> str:
        if self.current < len(self.phases):
            return self.phases[self.current].name
        return "done" if self.finished else "overtime"

    @property
    def phase_left_s(self) -> float:
        """Time left in the current phase by its plan; negative when it has run over."""
        if self.current >= len(self.phases):
            return 0.0
        span = self.phases[self.current]
        return span.planned_s - span.spent_s(self.elapsed_s)

    @property
    def left_s(self) -> float:
        return max(0.0, self.total_s - self.elapsed_s)

    @property
    def overtime_s(self) -> float:
        return max(0.0, self.elapsed_s - self.total_s)

    @property
    def paused_s(self) -> float:
        return sum(p.duration_s for p in self.pauses)


def timeline(plan: list[dict], started: float, events: list[dict], now: float) -> Timeline:
    """plan: [{"phase", "minutes"}]; events: [{"kind", "at"}] with kinds next, pause, resume."""
    ordered = sorted((e for e in events if e.get("kind") in ("next", "pause", "resume")),
                     key=lambda e: e["at"])
    pauses_wall: list[list[float]] = []   # [begin, end] in wall seconds since the start
    nexts_wall: list[float] = []
    for event in ordered:
        at = min(max(0.0, event["at"] - started), max(0.0, now - started))
        if event["kind"] == "pause" and not (pauses_wall and pauses_wall[-1][1] is None):
            pauses_wall.append([at, None])
        elif event["kind"] == "resume" and pauses_wall and pauses_wall[-1][1] is None:
            pauses_wall[-1][1] = max(at, pauses_wall[-1][0])
        elif event["kind"] == "next":
            nexts_wall.append(at)
    wall_now = max(0.0, now - started)

    def effective(wall: float) -> float:
        paused = sum(max(0.0, min(wall, end if end is not None else wall_now) - begin)
                     for begin, end in pauses_wall if begin < wall)
        return max(0.0, wall - paused)

    elapsed = effective(wall_now)
    pauses = tuple(Pause(effective(begin), ((end if end is not None else wall_now) - begin),
                         end is None) for begin, end in pauses_wall)
    nexts = [effective(t) for t in nexts_wall][: len(plan)]
    planned = [step["minutes"] * 60.0 for step in plan]
    starts = [sum(planned[:i]) for i in range(len(plan))]
    total = sum(planned)

    spans = []
    if nexts:
        current = len(nexts)
        for i, step in enumerate(plan):
            start = 0.0 if i == 0 else (nexts[i - 1] if i - 1 < len(nexts) else None)
            end = nexts[i] if i < len(nexts) else None
            spans.append(PhaseSpan(step["phase"], planned[i], starts[i], start, end, False))
    else:
        current = next((i for i in range(len(plan)) if elapsed < starts[i] + planned[i]), len(plan))
        for i, step in enumerate(plan):
            reached = i <= current
            start = starts[i] if reached and i < len(plan) else None
            end = starts[i] + planned[i] if i < current else None
            spans.append(PhaseSpan(step["phase"], planned[i], starts[i], start, end, True))
    return Timeline(elapsed, total, tuple(spans), current, bool(nexts), pauses)


def scaled_plan(plan: list[dict], minutes: float) -> list[dict]:
    """The plan stretched or shrunk to `minutes` in all, keeping the phases' proportions."""
    total = sum(step["minutes"] for step in plan)
    return [dict(step, minutes=round(step["minutes"] * minutes / total, 3)) for step in plan]


def clock(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = int(round(abs(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return sign + (f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:d}:{secs:02d}")
