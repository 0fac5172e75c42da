"""Frames between the judge (which runs the graders) and the host (which runs the
candidate's code): a JSON header and raw byte buffers, each bounded. Nothing is pickled,
so a hostile host can send wrong data but never code.

A frame is: 12-byte prefix (header length, buffer count, total buffer bytes), the UTF-8
JSON header, then each buffer's length (8 bytes) and bytes.
"""

from __future__ import annotations

import json
import socket
import struct

MAX_HEADER = 1 << 20         # 1 MB of JSON
MAX_BUFFERS = 256
MAX_FRAME_BYTES = 512 << 20  # every buffer of one frame together
_PREFIX = struct.Struct("<IIQ")
_LENGTH = struct.Struct("<Q")


class WireError(Exception):
    """The other side sent something malformed, too big, or hung up."""


MAX_FDS = 16


def send(sock: socket.socket, header: dict, buffers=(), fds=()) -> None:
    """`fds`: file descriptors passed along (the judge's shared tensor memory); only the
    host ever receives them."""
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    views = [memoryview(b).cast("B") for b in buffers]
    total = sum(len(v) for v in views)
    if (len(head) > MAX_HEADER or len(views) > MAX_BUFFERS or total > MAX_FRAME_BYTES
            or len(fds) > MAX_FDS):
        raise WireError("a message is larger than the channel allows")
    start = _PREFIX.pack(len(head), len(views), total) + head
    if fds:
        sent = socket.send_fds(sock, [start], list(fds))
        sock.sendall(start[sent:])
    else:
        sock.sendall(start)
    for view in views:
        sock.sendall(_LENGTH.pack(len(view)))
        sock.sendall(view)


def receive(sock: socket.socket) -> tuple[dict, list[bytearray]]:
    header, buffers, _ = receive_with_fds(sock, 0)
    return header, buffers


def receive_with_fds(sock: socket.socket, max_fds: int) -> tuple[dict, list[bytearray], list[int]]:
    fds: list[int] = []
    if max_fds:
        first, fds, _, _ = socket.recv_fds(sock, _PREFIX.size, max_fds)
        if not first:
            raise WireError("the other side hung up")
        prefix = bytes(first) + bytes(_exactly(sock, _PREFIX.size - len(first)))
    else:
        prefix = _exactly(sock, _PREFIX.size)
    header, buffers = _rest(sock, prefix)
    return header, buffers, fds


def _rest(sock: socket.socket, prefix: bytes) -> tuple[dict, list[bytearray]]:
    head_len, count, total = _PREFIX.unpack(prefix)
    if head_len > MAX_HEADER or count > MAX_BUFFERS or total > MAX_FRAME_BYTES:
        raise WireError("the other side sent a message larger than the channel allows")
    try:
        header = json.loads(_exactly(sock, head_len).decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise WireError(f"the other side sent malformed JSON ({type(exc).__name__})") from None
    if not isinstance(header, dict):
        raise WireError("the other side sent a header that is not an object")
    buffers, seen = [], 0
    for _ in range(count):
        (size,) = _LENGTH.unpack(_exactly(sock, _LENGTH.size))
        seen += size
        if seen > total:
            raise WireError("the other side's buffers overran their declared size")
        buffers.append(_exactly(sock, size))
    if seen != total:
        raise WireError("the other side's buffers did not add up to their declared size")
    return header, buffers


def _exactly(sock: socket.socket, size: int) -> bytearray:
    data = bytearray(size)
    view, got = memoryview(data), 0
    while got < size:
        n = sock.recv_into(view[got:], size - got)
        if n == 0:
            raise WireError("the other side hung up")
        got += n
    return data
