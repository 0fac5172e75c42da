"""bubblewrap (`bwrap`) around a process that runs a candidate's code.

The sandbox gets new user, mount, PID, network, IPC and UTS namespaces: it sees no other
process, has no network at all (not even the host's loopback), and dies with its parent.
Its file system is read-only and holds only what Python needs (the system's /usr, the
interpreter, the packages on sys.path, drill's own `grader` package without the drills),
the files it is given, and a private, size-capped /tmp.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

TMP_BYTES = 64 * 1024 * 1024
# Everything else a dynamic linker and Python may read from /etc: not /etc itself,
# which holds secrets a root-mapped sandbox could otherwise read.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf",
             "hosts", "passwd", "group")


class Unavailable(RuntimeError):
    """No working bubblewrap on this machine."""


def bwrap() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=1)
def check() -> str | None:
    """None when sandboxing works here; otherwise why not (for the warning)."""
    if os.environ.get("DRILL_NO_SANDBOX") == "1":
        return "sandboxing was turned off with DRILL_NO_SANDBOX=1"
    path = bwrap()
    if path is None:
        return ("bubblewrap (bwrap) is not installed; install it (apt-get install bubblewrap) "
                "to grade with isolation")
    try:
        probe = subprocess.run(command([sys.executable, "-I", "-c", "pass"]), capture_output=True,
                               timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start a sandbox here ({exc})"
    if probe.returncode != 0:
        detail = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"bubblewrap could not start a sandbox here ({detail[-1] if detail else probe.returncode})"
    return None


def available() -> bool:
    return check() is None


def command(argv: list[str], readonly: list[Path] = (), writable: list[Path] = (),
            chdir: str = "/tmp", env: dict | None = None, keep_fds: bool = True) -> list[str]:
    """The bwrap command line that runs `argv` sandboxed. `readonly` and `writable` paths
    appear at the same place inside; nothing else of the host's files does."""
    args = [bwrap() or "bwrap", "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            # no capability at all inside, and no new user namespace to get some back: a
            # sandbox whose uid maps to root outside could otherwise remount its read-only
            # views writable, or write the kernel's settings in /proc/sys
            "--cap-drop", "ALL", "--disable-userns", "--uid", "65534", "--gid", "65534",
            "--proc", "/proc", "--dev", "/dev", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
            # bwrap's /dev is a writable tmpfs of no set size: only /dev/shm stays
            # writable, capped like /tmp
            "--size", str(TMP_BYTES), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
            # the sandbox's uid is root's outside: everything in /proc that root may write
            # (kernel settings in /proc/sys, /proc/sysrq-trigger) must be read-only
            "--remount-ro", "/proc"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ETC_FILES:
        if (Path("/etc") / name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for path in _python_paths():
        args += ["--ro-bind", str(path), str(path)]
    for path in _hidden():  # after the package is bound, before anything is bound inside it
        args += ["--tmpfs", str(path)]
    for path in readonly:
        args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    # bwrap's root is a tmpfs of no set size: read-only, so only /tmp and /dev/shm take writes
    args += ["--remount-ro", "/", "--chdir", chdir]
    if env is not None:
        args.append("--clearenv")
        for key, value in env.items():
            args += ["--setenv", key, value]
    return args + ["--", *argv]


def _python_paths() -> list[Path]:
    """The interpreter and what it imports: the prefixes, the stdlib and site-packages,
    and drill's own package directory (never the source tree around it)."""
    import grader

    found: list[Path] = []
    package = Path(grader.__file__).resolve().parent
    candidates = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
                  Path(sys.executable).resolve().parent.parent, package]
    for entry in sys.path:
        if not entry:
            continue
        path = Path(entry).resolve()
        # an editable install puts the whole source tree on sys.path: only the package
        # itself goes in, so the drills' hidden graders and solutions stay outside
        if (path / "grader").resolve() == package:
            continue
        candidates.append(path)
    for path in candidates:
        if not path.exists() or str(path).startswith(("/usr/", "/proc")) or path == Path("/"):
            continue
        if any(path == kept or kept in path.parents for kept in found):
            continue
        found = [kept for kept in found if path not in kept.parents]
        found.append(path)
    return found


def _hidden() -> list[Path]:
    """Folders inside the bound paths that the sandbox must not read: the drills shipped
    in an installed package (their graders and reference solutions), wherever a copy of
    the package is (a venv can hold an installed copy beside an editable one)."""
    import grader

    found = []
    roots = [Path(grader.__file__).resolve().parent.parent] + [Path(p) for p in sys.path if p]
    for root in roots:
        bundled = (root / "grader" / "_bundled").resolve()
        if bundled.is_dir() and bundled not in found:
            found.append(bundled)
    return found
