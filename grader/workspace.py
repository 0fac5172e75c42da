"""Workspaces: create one for a drill, find the one around a path, read its session."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from grader import state
from grader.catalog import Drill
from grader.errors import DrillError, UsageError
from grader.jsonfile import write_json
from grader.state import SESSION_FILE, STATE_DIR
from grader.timer import Timeline, scaled_plan, timeline


@dataclass(frozen=True)
class Session:
    root: Path
    drill_id: str
    candidate_file: str
    started_at: str
    started_epoch: float
    plan: list[dict]
    events: list[dict] = field(default_factory=list)
    attempts: list[dict] = field(default_factory=list)
    variant: str | None = None     # a bug hunt's variant: which bugs were planted
    self_assessment: dict = field(default_factory=dict)   # `drill assess`: recorded_at, claims

    @property
    def candidate_path(self) -> Path:
        """Where the candidate's file is; DrillError when a symlink leads it out of the
        workspace (the session file itself only holds plain relative names)."""
        path = self.root / self.candidate_file
        real = escapes(self.root, path)
        if real is not None:
            raise DrillError(
                f"the candidate file {path} leads outside the workspace, or into its "
                f"{STATE_DIR} folder (to {real}); drill only reads and writes your files "
                f"inside {self.root}. Replace the link with a plain file, or fix "
                f"candidate_file in {state.session_path(self.root)}.")
        return path

    @property
    def reports_dir(self) -> Path:
        return self.root / STATE_DIR / "reports"

    @property
    def backups_dir(self) -> Path:
        return self.root / STATE_DIR / "backups"

    def timeline(self, now: float | None = None) -> Timeline:
        return timeline(self.plan, self.started_epoch, self.events,
                        time.time() if now is None else now)

    def hints_taken(self) -> list[dict]:
        return [e for e in self.events if e.get("kind") == "hint"]


def stamp(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%S.%fZ")


def iso(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    return moment.isoformat(timespec="seconds")


def create(drill: Drill, dest: Path, force: bool = False, now: float | None = None,
           minutes: float | None = None, variant: str | None = None) -> Path:
    dest = Path(dest)
    now = time.time() if now is None else now
    variant = _pick_variant(drill, variant)
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a folder")
    existing = [p for p in dest.iterdir()] if dest.is_dir() else []
    if existing and not force:
        raise UsageError(
            f"{dest} already exists and is not empty; your work there was left alone. "
            f"Use `drill start {drill.id} --dir OTHER` for a new workspace, or add --force "
            "to start over (the old files are backed up under .drill/backups/ first).")
    dest.mkdir(parents=True, exist_ok=True)
    if existing:
        saved = [p for p in existing if p.name != STATE_DIR]
        old_session = dest / STATE_DIR / SESSION_FILE
        target = _backup(dest, saved, now)
        if old_session.is_file():  # the old clock, hints and attempts are kept too
            shutil.copy2(old_session, target / "previous-session.json")
    for name in drill.handout:
        target = dest / name
        if escapes(dest, target.parent) is not None:
            raise UsageError(f"{target.parent} leads outside {dest}: remove that link first")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():  # copying through it would overwrite the file it points to
            target.unlink()      # (its content is in the backup made above)
        shutil.copyfile(drill.handout_file(name, variant), target)
    plan = [{"phase": p.name, "minutes": p.minutes, "goal": p.goal} for p in drill.plan]
    if minutes is not None:
        if minutes <= 0:
            raise UsageError("--minutes must be positive")
        plan = scaled_plan(plan, minutes)
    write_json(dest / STATE_DIR / SESSION_FILE, {
        "drill": drill.id, "candidate_file": drill.candidate_file,
        "started_at": iso(now), "started_epoch": now, "plan": plan, "events": [],
        "attempts": [], **({"variant": variant} if variant else {})})
    return dest


def _pick_variant(drill: Drill, variant: str | None) -> str | None:
    if drill.variants and variant is None:
        import random
        return random.choice(drill.variants).id  # a fresh pick each time: no memorising
    return check_variant(drill, variant)


def check_variant(drill: Drill, variant: str | None) -> str | None:
    """A variant named by the user: one of the drill's, or a usage error."""
    if variant is None:
        return None
    if not drill.variants:
        raise UsageError(f"the drill '{drill.id}' has no variants")
    if drill.variant(variant) is None:
        raise UsageError(f"no variant '{variant}' of '{drill.id}'. Variants: "
                         + ", ".join(v.id for v in drill.variants))
    return variant


def submitted_variant(drill: Drill, folder: Path) -> str | None:
    """The variant a submitted workspace was handed, read from its session file; None when
    there is no readable session for this drill or it names no known variant (the file
    came from the candidate: it is only trusted to pick which bug list to show)."""
    if not drill.variants or not (folder / STATE_DIR / SESSION_FILE).is_file():
        return None
    try:
        data = state.read(folder)
    except (DrillError, OSError, ValueError):
        return None
    variant = data.get("variant") if isinstance(data, dict) else None
    if (isinstance(data, dict) and data.get("drill") == drill.id and isinstance(variant, str)
            and drill.variant(variant) is not None):
        return variant
    return None


def _backup(dest: Path, paths: list[Path], now: float) -> Path:
    target = dest / STATE_DIR / "backups" / stamp(now)
    target.mkdir(parents=True, exist_ok=True)
    for path in paths:
        if path.is_dir():
            shutil.copytree(path, target / path.name)
        else:
            shutil.copy2(path, target / path.name)
    return target


def find_root(start: Path | None = None) -> Path | None:
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_DIR / SESSION_FILE).is_file():
            return folder
    return None


def load_session(root: Path) -> Session:
    data = state.read(root)  # checked whole there: types and ranges below are guaranteed
    plan = [{"phase": s["phase"], "minutes": float(s["minutes"]), "goal": s.get("goal", "")}
            for s in data["plan"]]
    events = [dict(e, at=float(e["at"])) for e in data.get("events", [])]
    attempts = [dict(a) for a in data.get("attempts", [])]
    return Session(root, data["drill"], data["candidate_file"], data["started_at"],
                   float(data["started_epoch"]), plan, events, attempts, data.get("variant"),
                   dict(data.get("self_assessment") or {}))


def escapes(root: Path, path: Path) -> Path | None:
    """Where path really leads, when that is outside root or inside its .drill folder
    (through `..` or a symlink); None when it stays in the workspace proper."""
    real_root = Path(root).resolve()
    try:
        real = Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop leads nowhere we may write
        return Path(path)
    if real == real_root or (real.is_relative_to(real_root)
                             and not real.is_relative_to(real_root / STATE_DIR)):
        return None
    return real


def backup_file(session: Session, now: float | None = None) -> Path | None:
    """Copy the candidate's current file under .drill/backups/<time>/; None if absent."""
    if not session.candidate_path.is_file():
        return None
    return _backup(session.root, [session.candidate_path], time.time() if now is None else now)


def current_session(start: Path | None = None) -> Session:
    root = find_root(start)
    if root is None:
        raise UsageError("not inside a drill workspace (no .drill/session.json here or above). "
                         "Run `drill start ID` first, or pass a FILE and --drill ID.")
    return load_session(root)
