"""Workspaces: create one for a drill, find the one around a path, read its session."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.catalog import Drill
from grader.errors import DrillError, UsageError
from grader.jsonfile import write_json

STATE_DIR = ".drill"
SESSION_FILE = "session.json"


@dataclass(frozen=True)
class Session:
    root: Path
    drill_id: str
    candidate_file: str
    started_at: str
    started_epoch: float
    plan: list[dict]

    @property
    def candidate_path(self) -> Path:
        return self.root / self.candidate_file

    @property
    def reports_dir(self) -> Path:
        return self.root / STATE_DIR / "reports"

    def elapsed_s(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.started_epoch


def stamp(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%S.%fZ")


def iso(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    return moment.isoformat(timespec="seconds")


def create(drill: Drill, dest: Path, force: bool = False, now: float | None = None) -> Path:
    dest = Path(dest)
    now = time.time() if now is None else now
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
        _backup(dest, [p for p in existing if p.name != STATE_DIR], now)
    for name in drill.handout:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(drill.handout_dir / name, target)
    plan = [{"phase": p.name, "minutes": p.minutes, "goal": p.goal} for p in drill.plan]
    write_json(dest / STATE_DIR / SESSION_FILE, {
        "drill": drill.id, "candidate_file": drill.candidate_file,
        "started_at": iso(now), "started_epoch": now, "plan": plan})
    return dest


def _backup(dest: Path, paths: list[Path], now: float) -> Path:
    target = dest / STATE_DIR / "backups" / stamp(now)
    target.mkdir(parents=True)
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
    path = root / STATE_DIR / SESSION_FILE
    recover = (f"Recover by fixing the JSON by hand, or start over with `drill start ID --dir "
               f"{root} --force` (your files are backed up first).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DrillError(f"the session file {path} cannot be read ({exc}). {recover}") from None
    try:
        plan = [{"phase": str(s["phase"]), "minutes": float(s["minutes"]),
                 "goal": str(s.get("goal", ""))} for s in data["plan"]]
        return Session(root, str(data["drill"]), str(data["candidate_file"]),
                       str(data["started_at"]), float(data["started_epoch"]), plan)
    except (KeyError, TypeError, ValueError) as exc:
        raise DrillError(f"the session file {path} is missing or has a bad value for {exc}. "
                         f"{recover}") from None


def current_session(start: Path | None = None) -> Session:
    root = find_root(start)
    if root is None:
        raise UsageError("not inside a drill workspace (no .drill/session.json here or above). "
                         "Run `drill start ID` first, or pass a FILE and --drill ID.")
    return load_session(root)
