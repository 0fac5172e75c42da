"""Talk to the answer scorer process (grader/answers/service.py) from the CLI process,
which must never load the sentence model itself."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys

TIMEOUT = 120.0   # seconds for one answers file, model loading included


class ScorerError(RuntimeError):
    pass


class AnswerScorer:
    """Started on creation; the model loads in the background while the caller works."""

    def __init__(self):
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "grader.answers.service"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True,
            encoding="utf-8")

    def score(self, drill_id: str, markdown: str) -> list[dict]:
        request = json.dumps({"drill": drill_id, "markdown": markdown}) + "\n"
        try:
            self._proc.stdin.write(request)
            self._proc.stdin.flush()
        except OSError as exc:
            raise ScorerError(f"the answer scorer stopped ({exc})") from None
        line = self._readline(TIMEOUT)
        if not line:
            raise ScorerError("the answer scorer stopped without a reply")
        reply = json.loads(line)
        if "error" in reply:
            raise ScorerError(f"the answer scorer failed: {reply['error']}")
        return reply["answers"]

    def _readline(self, timeout: float) -> str:
        with selectors.DefaultSelector() as selector:
            selector.register(self._proc.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.close()
                raise ScorerError(f"the answer scorer gave no reply within {timeout:.0f} s")
        return self._proc.stdout.readline()

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
