"""Where a session stands in its phase plan. Pure: the caller supplies elapsed time."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Position:
    elapsed_s: float
    total_s: float
    phase_index: int          # index into the plan; len(plan) once the plan is over
    phase: str                # the current phase's name, or "overtime"
    phase_left_s: float       # time left in the current phase (0 in overtime)
    overtime_s: float         # time past the end of the plan

    @property
    def left_s(self) -> float:
        return max(0.0, self.total_s - self.elapsed_s)


def position(plan: list[dict], elapsed_s: float) -> Position:
    """plan: [{"phase": name, "minutes": m}, ...] in order."""
    elapsed_s = max(0.0, elapsed_s)
    boundary = 0.0
    for index, step in enumerate(plan):
        boundary += step["minutes"] * 60
        if elapsed_s < boundary:
            return Position(elapsed_s, _total(plan), index, step["phase"], boundary - elapsed_s, 0.0)
    total = _total(plan)
    return Position(elapsed_s, total, len(plan), "overtime", 0.0, elapsed_s - total)


def _total(plan: list[dict]) -> float:
    return sum(step["minutes"] for step in plan) * 60


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:d}:{secs:02d}"
