"""Values on the wire: plain data, tensors as raw storage bytes, and references to objects
that stay in the host. Both sides use this module; the judge decodes whatever the host
sends with every size, type and bound checked, so a hostile host can only send numbers.

Tags: a JSON list is a list; {"$t": [...]} a tuple; {"$d": [[k, v], ...]} a dict;
{"$T": i, ...} a tensor whose storage is buffer i; {"$R": id, ...} a host object;
{"$dtype": "float32"}; {"$device": "cpu"}; {"$M": ...} a module tree (trees.py).
"""

from __future__ import annotations

import math

import torch

MAX_DEPTH = 24
MAX_DIMS = 16
MAX_ITEMS = 100_000
MAX_TEXT = 100_000
DTYPES = {name: getattr(torch, name) for name in (
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "int8", "int16", "int32", "int64", "uint8", "bool")}
NAMES = {dtype: name for name, dtype in DTYPES.items()}


class Unsendable(TypeError):
    """A value that cannot cross between the processes."""


class BadValue(ValueError):
    """The other side sent a value that breaks the rules (a bound, a type, a tag)."""


def encode(value, buffers: list, as_ref=None, depth: int = 0):
    """`value` as JSON-able data; tensors' bytes are appended to `buffers`. `as_ref(obj)`
    turns any other object into a reference (the host); without it they are refused."""
    if depth > MAX_DEPTH:
        raise Unsendable("the value is nested too deeply")
    if value is None or isinstance(value, (bool, int, str)):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1 << 62:
            return {"$big": str(value)}
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$f": repr(value)}
    if isinstance(value, torch.Tensor):
        # a subclass (nn.Parameter, or one whose methods lie) crosses as its plain data
        plain = value if type(value) is torch.Tensor else torch.Tensor.as_subclass(value, torch.Tensor)
        return _encode_tensor(plain, buffers)
    if isinstance(value, torch.dtype):
        return {"$dtype": NAMES.get(value, str(value))}
    if isinstance(value, torch.device):
        return {"$device": str(value)}
    if type(value) in (list, tuple):
        items = [encode(v, buffers, as_ref, depth + 1) for v in value]
        return items if type(value) is list else {"$t": items}
    if type(value) is dict:
        return {"$d": [[encode(k, buffers, as_ref, depth + 1), encode(v, buffers, as_ref, depth + 1)]
                       for k, v in value.items()]}
    if as_ref is not None:
        return as_ref(value)
    raise Unsendable(f"a {type(value).__name__} cannot be sent to the candidate's process")


def _encode_tensor(tensor: torch.Tensor, buffers: list) -> dict:
    if tensor.layout != torch.strided or tensor.device.type != "cpu" or tensor.dtype not in NAMES:
        raise Unsendable(f"a {tensor.layout} {tensor.dtype} tensor on {tensor.device} cannot be "
                         "sent between the processes")
    plain = tensor.detach()
    storage = plain.untyped_storage()
    raw = torch.empty(0, dtype=torch.uint8).set_(storage)
    buffers.append(raw.numpy().data if raw.numel() else b"")
    return {"$T": len(buffers) - 1, "dtype": NAMES[tensor.dtype], "shape": list(plain.shape),
            "stride": list(plain.stride()), "offset": plain.storage_offset(),
            "grad": bool(tensor.requires_grad), "leaf": bool(tensor.is_leaf)}


def encode_shared(tensor: torch.Tensor, fds: list) -> dict:
    """A tensor argument whose storage goes in shared memory (a memfd) rather than the
    message: what the other process does to it in place is then seen directly, not
    reported. The caller closes the fds."""
    import os

    plain = tensor.detach()
    raw = torch.empty(0, dtype=torch.uint8).set_(plain.untyped_storage())
    fd = os.memfd_create("drill-tensor", os.MFD_CLOEXEC)
    data = raw.numpy().tobytes()
    os.write(fd, data) if data else None
    fds.append(fd)
    return {"$S": len(fds) - 1, "dtype": NAMES[tensor.dtype], "shape": list(plain.shape),
            "stride": list(plain.stride()), "offset": plain.storage_offset(),
            "grad": bool(tensor.requires_grad), "leaf": bool(tensor.is_leaf), "size": len(data)}


def shared_bytes(fd: int, size: int) -> bytes:
    import os

    return os.pread(fd, size, 0) if size else b""


def decode(data, buffers: list, from_ref=None, depth: int = 0, shared: list | None = None):
    """The inverse of encode, refusing anything out of bounds. `from_ref(tag)` turns a
    reference into a local proxy (the judge) or the object it names (the host)."""
    if depth > MAX_DEPTH:
        raise BadValue("a value is nested too deeply")
    if data is None or isinstance(data, (bool, int, float)):
        return data
    if isinstance(data, str):
        if len(data) > MAX_TEXT:
            raise BadValue("a string is too long")
        return data
    if isinstance(data, list):
        if len(data) > MAX_ITEMS:
            raise BadValue("a list is too long")
        return [decode(v, buffers, from_ref, depth + 1, shared) for v in data]
    if not isinstance(data, dict) or len(data) < 1:
        raise BadValue("an unknown value")
    if "$t" in data:
        return tuple(decode(_list(data["$t"]), buffers, from_ref, depth + 1, shared))
    if "$d" in data:
        out = {}
        for pair in _list(data["$d"]):
            if not isinstance(pair, list) or len(pair) != 2:
                raise BadValue("a malformed dict entry")
            key = decode(pair[0], buffers, from_ref, depth + 1, shared)
            try:
                out[key] = decode(pair[1], buffers, from_ref, depth + 1, shared)
            except TypeError:
                raise BadValue("an unhashable dict key") from None
        return out
    if "$T" in data:
        return decode_tensor(data, buffers)
    if "$S" in data and shared is not None:
        return decode_tensor(dict(data, **{"$T": data["$S"]}), shared)
    if "$R" in data or "$M" in data or "$J" in data:  # an object, a module tree (trees.py), a judge's object
        if from_ref is None:
            raise BadValue("an object reference where none is allowed")
        return from_ref(data)
    if "$dtype" in data:
        dtype = DTYPES.get(data["$dtype"])
        if dtype is None:
            raise BadValue("an unknown dtype")
        return dtype
    if "$device" in data:
        if data["$device"] != "cpu":
            raise BadValue("a device other than the CPU")
        return torch.device("cpu")
    if "$f" in data and data["$f"] in ("nan", "inf", "-inf"):
        return float(data["$f"])
    if "$big" in data and isinstance(data["$big"], str) and len(data["$big"]) < 400:
        try:
            return int(data["$big"])
        except ValueError:
            pass
    raise BadValue("an unknown value")


def decode_tensor(data: dict, buffers: list) -> torch.Tensor:
    index, dtype = data.get("$T"), DTYPES.get(data.get("dtype"))
    shape, stride, offset = data.get("shape"), data.get("stride"), data.get("offset")
    if (not _int(index) or not 0 <= index < len(buffers) or dtype is None
            or not _ints(shape) or not _ints(stride) or len(shape) != len(stride)
            or len(shape) > MAX_DIMS or not _int(offset) or offset < 0
            or any(s < 0 for s in shape) or any(s < 0 for s in stride)):
        raise BadValue("a malformed tensor")
    raw = buffers[index]
    size = torch.empty(0, dtype=dtype).element_size()
    if len(raw) % size:
        raise BadValue("a tensor's bytes are not a whole number of elements")
    if all(shape):
        last = offset + sum((n - 1) * s for n, s in zip(shape, stride))
        if (last + 1) * size > len(raw):
            raise BadValue("a tensor reaches past its storage")
    base = torch.frombuffer(raw, dtype=torch.uint8) if len(raw) else torch.empty(0, dtype=torch.uint8)
    tensor = torch.empty(0, dtype=dtype).set_(base.untyped_storage(), offset, shape, stride)
    if data.get("grad") is True and (dtype.is_floating_point or dtype.is_complex):
        tensor.requires_grad_()
    return tensor


def _list(value) -> list:
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise BadValue("a malformed list")
    return value


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ints(value) -> bool:
    return (isinstance(value, list) and len(value) <= MAX_DIMS
            and all(_int(v) and v < 1 << 40 for v in value))
