"""The channel between the graders and the candidate's process, and the sandbox around
it. The attacks themselves are golden cases (tests/golden/forged-verdict, escape-attempts)."""

import json
import os
import socket
import threading

import pytest
import torch

from grader import isolation
from grader.harness import values, wire


def test_ci_has_the_sandbox():
    if os.environ.get("DRILL_REQUIRE_SANDBOX") != "1":
        pytest.skip("only CI insists on bubblewrap")
    assert isolation.check() is None, isolation.check()


@pytest.mark.parametrize("make", [
    lambda: torch.randn(6, 8).t(),
    lambda: torch.randn(6, 8)[:, ::2],
    lambda: torch.randn(2, 3, 4, 5).to(memory_format=torch.channels_last),
    lambda: torch.tensor(1.25, dtype=torch.bfloat16),
    lambda: torch.empty(0, 5),
    lambda: torch.arange(10)[3:7],
])
def test_tensors_cross_with_their_values_and_layout(make):
    x = make()
    buffers = []
    data = values.encode(x, buffers)
    y = values.decode(json.loads(json.dumps(data)), [bytearray(b) for b in buffers])
    assert type(y) is torch.Tensor and y.dtype == x.dtype and torch.equal(y, x)
    assert y.stride() == x.stride()


@pytest.mark.parametrize("tamper, why", [
    ({"shape": [1000]}, "reaches past its storage"),
    ({"offset": 10**6}, "reaches past its storage"),
    ({"stride": [-1]}, "malformed"),
    ({"dtype": "object"}, "malformed"),
    ({"$T": 5}, "malformed"),
    ({"shape": [2] * 17, "stride": [1] * 17}, "malformed"),
])
def test_a_forged_tensor_is_refused(tamper, why):
    buffers = []
    data = values.encode(torch.arange(4.0), buffers)
    data.update(tamper)
    with pytest.raises(values.BadValue, match=why):
        values.decode(data, buffers)


def test_values_refuse_unknown_tags_and_deep_nesting():
    with pytest.raises(values.BadValue):
        values.decode({"$evil": 1}, [])
    nested = []
    for _ in range(values.MAX_DEPTH + 5):
        nested = [nested]
    with pytest.raises(values.BadValue, match="deeply"):
        values.decode(nested, [])
    with pytest.raises(values.BadValue):
        values.decode({"$R": 1}, [])  # an object reference where none may appear


def test_wire_round_trip_and_bounds():
    left, right = socket.socketpair()
    try:
        wire.send(left, {"op": "x", "n": [1, 2]}, [b"abc", b""])
        header, buffers = wire.receive(right)
        assert header == {"op": "x", "n": [1, 2]} and buffers == [bytearray(b"abc"), bytearray()]
        # a frame that claims more than the channel allows is refused before it is read
        left.sendall(wire._PREFIX.pack(wire.MAX_HEADER + 1, 0, 0))
        with pytest.raises(wire.WireError, match="larger"):
            wire.receive(right)
        left.sendall(wire._PREFIX.pack(2, 0, 0) + b"[]")
        with pytest.raises(wire.WireError, match="not an object"):
            wire.receive(right)
        closer = threading.Timer(0.2, left.close)
        closer.start()
        with pytest.raises(wire.WireError, match="hung up"):
            wire.receive(right)
    finally:
        left.close()
        right.close()


def test_the_sandbox_sees_no_drills_and_no_network(tmp_path):
    if isolation.check() is not None:
        pytest.skip(isolation.check())
    import subprocess
    import sys

    from grader.catalog import load_drill

    graders = load_drill("dropout").graders_dir
    probe = ("import os, socket, sys\n"
             f"print(os.path.exists({str(graders)!r}))\n"
             "s = socket.socket()\n"
             "try:\n    s.connect(('1.1.1.1', 53)); print('net')\nexcept OSError:\n    print('no net')\n"
             "print(sorted(p for p in os.listdir('/proc') if p.isdigit()))\n"
             f"open({str(tmp_path / 'x')!r}, 'w')\n")
    run = subprocess.run(isolation.command([sys.executable, "-I", "-c", probe], env={"PATH": "/usr/bin"}),
                         capture_output=True, text=True, timeout=120)
    lines = run.stdout.splitlines()
    assert lines[:2] == ["False", "no net"], run.stdout + run.stderr
    assert len(json.loads(lines[2].replace("'", '"'))) <= 3  # bwrap's init and us, no one else
    assert run.returncode != 0 and not (tmp_path / "x").exists()  # nothing outside is writable
