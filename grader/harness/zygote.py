"""A pre-imported grading worker: `python -I -m grader.harness.zygote`.

It pays for importing torch and pytest once, then forks a fresh child per job, so batch
grading keeps one process per submission (isolation, limits, kill on hang) without
paying the import each time. Protocol, one JSON object per line: the parent writes a
job {config, cwd, env, stdout, stderr}; the worker answers {"pid"} when
the child starts and {"pid", "status"} when it ends (status < 0: killed by a signal).
"""

from __future__ import annotations

import json
import os
import sys


def _child(job: dict, main) -> int:
    os.setsid()  # its own process group, so a hang is killed with everything it started
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(handle, fd)
        os.close(handle)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    return main(job["config"])


def serve() -> None:
    from grader.harness.orphan import die_with_parent

    die_with_parent(None)  # its forked children inherit nothing of this: main sets their own
    import pytest  # noqa: F401  (imported here once, inherited by every job)
    import torch

    from grader.harness import main as harness, plugin  # noqa: F401

    torch.set_num_threads(1)
    protocol = sys.stdout
    for line in sys.stdin:
        job = json.loads(line)
        protocol.flush()
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                code = _child(job, harness.main)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # the child must never return into this loop
                code = 70
            finally:
                os._exit(code)
        protocol.write(json.dumps({"pid": pid}) + "\n")
        protocol.flush()
        _, status = os.waitpid(pid, 0)
        protocol.write(json.dumps({"pid": pid, "status": os.waitstatus_to_exitcode(status)}) + "\n")
        protocol.flush()


if __name__ == "__main__":
    serve()
