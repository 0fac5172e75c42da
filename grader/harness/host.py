"""The candidate's process: `python -I -m grader.harness.host FD LIMITS.json`.

It imports the candidate's file and answers narrow requests from the judge over the
socket FD (build an object, call it, read an attribute, run backward), and nothing
else: it never sees the graders, the results or the verdict, so whatever the candidate's
code patches here can change only the values it hands back. Usually started inside
bubblewrap (no network, no view of other processes, a private /tmp).
"""

from __future__ import annotations

import contextlib
import json
import resource
import signal
import socket
import sys
import traceback
from collections import OrderedDict

from grader.harness.events import CappedText

OUTPUT_LIMIT = 2000
MAX_OBJECTS = 200_000
MAX_GRAPHS = 32
MAX_SEEN = 50


class HostTimeout(BaseException):
    """The judge's time for this request ran out (a BaseException, so `except Exception`
    in the candidate's code cannot swallow it)."""


class _Loader:
    """Collects what load_candidate reports, in place of the judge's event writer."""

    def __init__(self):
        self.events = []

    def emit(self, event, **fields):
        self.events.append({"event": event, **fields})


class Host:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.objects: dict[int, object] = {}
        self.ids: dict[int, int] = {}  # id(obj) -> our id, so one object keeps one reference
        self.next_id = 1
        self.graphs: OrderedDict[int, tuple] = OrderedDict()
        self.module = None
        self.path = ""
        self.baseline = None
        self.shared: list = []
        self.depth = 0          # requests being served: above 1, the judge called back in
        self.adopt = False      # the judge takes the torch layers inside candidate modules
        self.next_handle = 1
        self.lent_stubs: dict = {}    # the judge's handle -> our stand-in for its optimizer
        self.lent_modules: dict = {}  # the judge's handle -> our copy of its layer
        self.received: dict = {}      # id(tensor) -> (tensor, as the judge last sent it)
        self.lent_jids: dict = {}     # id(our copy) -> the judge's handle

    # --- references -------------------------------------------------------------------

    def as_ref(self, obj) -> dict:
        import torch

        key = id(obj)
        ref = self.ids.get(key)
        if ref is None or self.objects.get(ref) is not obj:
            if len(self.objects) >= MAX_OBJECTS:
                raise MemoryError("too many objects kept for the graders")
            ref, self.next_id = self.next_id, self.next_id + 1
            self.objects[ref], self.ids[key] = obj, ref
        kind = ("module" if isinstance(obj, torch.nn.Module)
                else "callable" if callable(obj) else "object")
        tag = {"$R": ref, "kind": kind, "type": _type_name(obj)}
        if kind == "module":  # for isinstance in the judge: the classes it is an instance of
            from grader.harness import trees

            tag["mro"] = [self.as_ref(c)["$R"] for c in type(obj).__mro__[:32] if c is not object]
            base = next((c.__name__ for c in type(obj).__mro__[1:32]
                         if trees.torch_class(c.__name__) is c and c is not torch.nn.Module), None)
            if base:
                tag["torch"] = base  # a subclass of nn.Linear is an nn.Linear to the graders too
        return tag

    def sender(self, out: list, ids=None):
        """How this reply sends objects: torch's own modules by value, the candidate's by
        reference with their children described; a child of a candidate's module goes to
        the judge and the candidate's module calls it there from now on (JudgeStub)."""
        from grader.harness import trees, values
        from grader.harness.stub import JudgeStub

        encoder = trees.Encoder(out, None, ids)

        def send(obj):
            import torch

            if isinstance(obj, JudgeStub):
                return {"$M": {"local": obj._drill_handle}}
            if not isinstance(obj, torch.nn.Module):
                return self.as_ref(obj)
            if trees.is_torch_module(obj) or (trees.is_torch_class(obj) and self.lent_jids.get(
                    id(obj)) is not None and self.lent_modules.get(self.lent_jids[id(obj)]) is obj):
                return encoder.node(obj)  # the judge's layer, whatever hooks ours carries here
            if len(self.objects) >= MAX_OBJECTS:
                raise MemoryError("too many objects kept for the graders")
            node = encoder.node(obj, {"ref": self.as_ref(obj)})
            for name, child in (node["$M"].get("children", []) if self.adopt else []):
                stub = self._stub(obj._modules[name], child)
                if stub is not None:
                    obj._modules[name] = stub
            return node
        encoder.value = lambda v: values.encode(v, out, send)
        return send

    def _stub(self, module, data):
        """A JudgeStub for `module`, whose node `data` the judge is about to rebuild; the
        node gets the stub's handle. A container's stub holds stubs of its children, so
        iterating a ModuleList of blocks calls the judge's blocks."""
        from grader.harness.stub import JudgeStub

        inner = data["$M"] if isinstance(data, dict) and isinstance(data.get("$M"), dict) else None
        if inner is None or "local" in inner or module is None:
            return None
        handle = inner["h"] = self.next_handle
        self.next_handle += 1
        stub = JudgeStub(self, handle, module)
        if "ref" not in inner:  # a candidate's module inside keeps its own children
            for name, child in inner.get("children", []):
                made = self._stub(module._modules.get(name), child)
                if made is not None:
                    stub._modules[name] = made  # add_module would find the name on the shadow
        return stub

    def receiver(self, buffers: list, ids=None):
        from grader.harness import trees
        from grader.harness.stub import LendingIds

        return trees.Decoder(buffers, self.from_ref, ids if ids is not None else LendingIds(self))

    def from_ref(self, tag: dict):
        if "$J" in tag:
            return self.lent(tag)
        ref = tag.get("$R")
        if ref not in self.objects:
            raise LookupError("the graders referred to an object this process does not hold")
        return self.objects[ref]

    # --- the loop ---------------------------------------------------------------------

    def serve(self) -> None:
        from grader.harness import wire

        while True:
            try:
                header, buffers, fds = wire.receive_with_fds(self.sock, wire.MAX_FDS)
            except (wire.WireError, OSError):
                return  # the judge is gone: so are we
            self.dispatch(header, buffers, fds)

    def dispatch(self, header, buffers, fds) -> None:
        """Serve one request: at the top level, or nested while the candidate's module
        waits for the judge to run one of its layers."""
        from grader.harness import wire

        outer = self.shared
        self.shared = _mapped(fds)
        op = header.get("op")
        handler = getattr(self, f"op_{op}", None) if isinstance(op, str) else None
        out: list = []
        if handler is None:
            reply = {"error": {"type": "ProtocolError", "message": f"unknown request {op!r}"}}
        else:
            reply = self._run(handler, header, buffers, out)
        self.shared = outer
        try:
            wire.send(self.sock, reply, out)
        except wire.WireError as exc:  # too big: say so instead of the value
            out.clear()
            wire.send(self.sock, {"error": {"type": "ValueError", "message": str(exc)}}, out)

    def lent(self, tag: dict):
        """An object other than a model the judge lent us (its optimizer), one per handle."""
        from grader.harness.stub import JudgeObject

        handle = tag.get("$J")
        if not isinstance(handle, int):
            raise LookupError("a malformed reference to the judge's object")
        known = self.lent_stubs.get(handle)
        if known is None:
            known = JudgeObject(self, handle, str(tag.get("type"))[:100])
            if len(self.lent_stubs) < MAX_OBJECTS:
                self.lent_stubs[handle] = known
        return known

    def judge_op(self, op: str, handle: int, **fields):
        """Ask the judge something about one of its objects (read or write an attribute,
        copy it, its tensors, backward through a call) and wait for the answer."""
        from grader.harness import values

        out: list = []
        header = {"cb": op, "h": handle}
        if "name" in fields:
            header["name"] = fields["name"]
        if "value" in fields:
            header["value"] = values.encode(fields["value"], out, self.sender(out))
        reply, buffers = self._ask_judge(header, out)
        return self.receiver(buffers).value(reply.get("value"))

    def _ask_judge(self, header: dict, out: list):
        from grader.harness import wire

        wire.send(self.sock, header, out)
        while True:
            try:
                reply, buffers, fds = wire.receive_with_fds(self.sock, wire.MAX_FDS)
            except (wire.WireError, OSError):
                raise SystemExit(0) from None  # the judge is gone
            if "cbr" in reply:
                break
            self.dispatch(reply, buffers, fds)
        if isinstance(reply.get("error"), dict):
            error = reply["error"]
            raise RuntimeError(f"{str(error.get('type'))[:100]}: {str(error.get('message'))[:500]}")
        return reply, buffers

    def callback(self, handle: int, args: tuple, kwargs: dict, method: str | None = None,
                 sync=None):
        """A layer the judge holds, called from the candidate's code: with autograd on, an
        autograd Function whose backward goes back to the judge."""
        import torch

        from grader.harness.stub import JudgeCall

        grad = torch.is_grad_enabled()
        if not grad or method is not None:
            return self.raw_callback(handle, args, kwargs, method, grad, sync)[0]
        box: list = []
        # the layer's parameters live in the judge: an anchor that needs gradients stands in
        # for them, so the output joins autograd even when the input does not need them
        anchor = torch.empty(0, requires_grad=True)
        tensors = [a for a in args if isinstance(a, torch.Tensor)]
        outs = JudgeCall.apply(self, handle, args, kwargs, (method, sync), grad, box, *tensors, anchor)
        marker = box[0]
        if isinstance(marker, str) and marker == "tensor":
            return outs[0]
        if isinstance(marker, int) and not isinstance(marker, bool):
            return tuple(outs)
        return marker

    def raw_callback(self, handle, args, kwargs, method, grad, sync=None):
        """Send the call, serve whatever the judge asks meanwhile, and take the layer's
        output (or its error) and the judge's handle on its graph."""
        import torch

        from grader.harness import values

        out: list = []
        send = self.sender(out)
        header = {"cb": "call", "h": handle, "args": values.encode(tuple(args), out, send),
                  "kwargs": values.encode(dict(kwargs), out, send),
                  "rng": values.encode(torch.get_rng_state(), out), "grad": bool(grad)}
        if method:
            header["method"] = method
        if sync is not None:  # the lent layer as the candidate's code has it now
            from grader.harness.stub import LendingIds

            header["sync"] = self.sender(out, LendingIds(self))(sync)
        reply, buffers = self._ask_judge(header, out)
        rng = reply.get("rng")
        if isinstance(rng, dict):
            torch.set_rng_state(values.decode_tensor(rng, buffers).clone())
        receiver = self.receiver(buffers)
        value = receiver.value(reply.get("value"))
        changed = reply.get("changed")
        for key, data in (changed.items() if isinstance(changed, dict) else []):
            index = int(key) if isinstance(key, str) and key.isdigit() else -1
            if 0 <= index < len(args) and isinstance(args[index], torch.Tensor):
                new = receiver.value(data)
                if isinstance(new, torch.Tensor) and new.shape == args[index].shape:
                    with torch.no_grad():
                        args[index].copy_(new)
        # a layer's output is an intermediate value, as in one process (in-place ops allowed)
        call = reply.get("call") if isinstance(reply.get("call"), int) else None
        if isinstance(value, torch.Tensor) and value.requires_grad:
            return value.clone(), call
        if isinstance(value, tuple):
            return tuple(v.clone() if isinstance(v, torch.Tensor) and v.requires_grad else v
                         for v in value), call
        return value, call

    def _run(self, handler, header, buffers, out) -> dict:
        from grader.harness import values

        captured = CappedText(OUTPUT_LIMIT)
        seconds = header.get("seconds")
        # a nested request runs inside the outer one's time: only the outermost sets the alarm
        armed = isinstance(seconds, (int, float)) and seconds > 0 and self.depth == 0
        self.depth += 1
        if armed:
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, float(seconds))
        try:
            with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
                reply = handler(header, buffers, out)
        except HostTimeout as exc:
            out.clear()
            reply = {"timeout": self._frame(exc.__traceback__) or {}}
        except values.Unsendable as exc:
            out.clear()
            reply = {"error": {"type": "TypeError", "message": str(exc)[:500]}}
        except BaseException as exc:  # the candidate's code may raise anything at all
            out.clear()
            reply = {"error": self._describe(exc)}
        finally:
            self.depth -= 1
            if armed:
                signal.setitimer(signal.ITIMER_REAL, 0)
        reply["output"] = captured.getvalue()
        return reply

    # --- requests ---------------------------------------------------------------------

    def op_load(self, header, buffers, out) -> dict:
        import torch

        from grader.harness import torch_state
        from grader.harness.main import load_candidate

        torch.set_num_threads(1)
        self.baseline = torch_state.snapshot()
        self.path = header["candidate"]
        self.adopt = header.get("adopt") is True
        loader = _Loader()
        self.module = load_candidate(header, loader)
        reply = {"events": loader.events}
        if self.module is not None:
            reply["module"] = self.as_ref(self.module)
        return reply

    def op_reset(self, header, buffers, out) -> dict:
        from grader.harness import torch_state

        torch_state.restore(self.baseline)
        self.lent_modules.clear()  # the judge lends its models afresh to each check
        self.lent_jids.clear()
        self.received.clear()
        keep = {id(self.module)}
        self.objects = {k: v for k, v in self.objects.items() if id(v) in keep}
        self.ids = {k: v for k, v in self.ids.items() if k in keep}
        self.graphs.clear()
        return {}

    def op_getattr(self, header, buffers, out) -> dict:
        from grader.harness import values

        obj = self.from_ref(header.get("target") or {})
        value = getattr(obj, str(header.get("name")))
        return {"value": values.encode(value, out, self.sender(out))}

    def op_setattr(self, header, buffers, out) -> dict:
        obj = self.from_ref(header.get("target") or {})
        setattr(obj, str(header.get("name")), self.receiver(buffers).value(header.get("value")))
        return {}

    def op_deepcopy(self, header, buffers, out) -> dict:
        import copy

        from grader.harness import values

        made = copy.deepcopy(self.from_ref(header.get("target") or {}))
        return {"value": values.encode(made, out, self.sender(out))}

    def op_call(self, header, buffers, out) -> dict:
        import torch

        from grader.harness import values

        from grader.harness import trees

        target = self.from_ref(header.get("target") or {})
        if header.get("method"):
            target = getattr(target, str(header["method"]))
        from grader.harness.stub import LendingIds

        ids = LendingIds(self)
        receiver = self.receiver(buffers, ids)
        args = values.decode(header.get("args", {"$t": []}), buffers, receiver._resolve,
                             shared=self.shared)
        kwargs = receiver.value(header.get("kwargs", {"$d": []}))
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise TypeError("malformed call")
        rng = header.get("rng")
        if isinstance(rng, dict):
            torch.set_rng_state(values.decode_tensor(rng, buffers).clone())
        grad = bool(header.get("grad"))
        leaves: list = []
        passed = [self._input(a, grad, leaves) for a in args]
        before = [bytes(buffers[t["$T"]]) if isinstance(t, dict) and "$T" in t else None
                  for t in (header.get("args") or {}).get("$t", [])]
        seen: list[str] = []
        line = None
        mode = header.get("mode")
        # inference mode off for the call and off after it, whatever the call leaves: a
        # leak is reported (left) rather than poisoning the checks that follow
        with torch.inference_mode(False), torch.set_grad_enabled(mode if isinstance(mode, bool) else grad), \
                _watching(header.get("watch"), seen):
            if header.get("trace"):
                result, line = self._traced(target, passed, kwargs)
            else:
                result = target(*passed, **kwargs)
            left = {"grad": torch.is_grad_enabled(), "inference": torch.is_inference_mode_enabled(),
                    "dtype": values.NAMES.get(torch.get_default_dtype(), "float32")}
        reply = {}
        flat = [result] if isinstance(result, torch.Tensor) else (
            list(result) if isinstance(result, tuple) and all(isinstance(r, torch.Tensor) for r in result) else None)
        if grad and any(leaf is not None for leaf in leaves) and flat and any(
                t.requires_grad for t in flat):
            call_id = self.next_id
            self.next_id += 1
            self.graphs[call_id] = (flat, leaves)  # one entry per tensor argument
            while len(self.graphs) > MAX_GRAPHS:
                self.graphs.popitem(last=False)
            reply["call"] = call_id
        for index, given in enumerate(passed):
            if given is result and isinstance(result, torch.Tensor):
                reply["alias"] = index  # the candidate handed back the very tensor it got
        # the judge's models as the candidate's code left them, before the result: the
        # judge reads them in this order (a module in both is sent in full once)
        send = self.sender(out, ids)
        sent = (header.get("args") or {}).get("$t", [])
        after = [[index, send(given)] for index, (given, data) in enumerate(zip(passed, sent))
                 if isinstance(given, torch.nn.Module) and isinstance(data, dict) and "$M" in data]
        if after:
            reply["after"] = after
        reply["value"] = values.encode(result, out, send)
        changed = {}
        for index, (original, received, given) in enumerate(zip(before, args, passed)):
            if original is None or not isinstance(given, torch.Tensor):
                continue
            if given is received:
                raw = torch.empty(0, dtype=torch.uint8).set_(given.untyped_storage())
                moved = raw.numpy().tobytes() != original
            else:  # a clone was passed (an input that needs gradients)
                moved = not torch.equal(given.detach(), received.detach())
            if moved:
                changed[str(index)] = values.encode(given.detach(), out)
        if changed:
            reply["changed"] = changed
        reply["rng"] = values.encode(torch.get_rng_state(), out)
        if line is not None:
            reply["line"] = line
        reply["left"] = left  # autograd or the default dtype switched as a statement
        if seen:
            reply["seen"] = seen[:MAX_SEEN]
        return reply

    def op_echo(self, header, buffers, out) -> dict:
        """Send the arguments straight back: the cost of the channel alone, which the
        graders subtract when they time a call (no candidate code runs)."""
        from grader.harness import values

        args = values.decode(header.get("args", {"$t": []}), buffers)
        return {"value": values.encode(args, out)}

    def op_backward(self, header, buffers, out) -> dict:
        import torch

        from grader.harness import values

        entry = self.graphs.pop(header.get("call"), None)
        if entry is None:
            raise RuntimeError("this call's graph is no longer kept (more than "
                               f"{MAX_GRAPHS} forward passes were waiting for backward)")
        outputs, leaves = entry
        grads = values.decode(header.get("grads"), buffers)
        if not isinstance(grads, list) or len(grads) != len(outputs):
            raise TypeError("malformed backward")
        pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None and o.requires_grad]
        if pairs:
            torch.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return {"grads": values.encode([None if leaf is None else leaf.grad for leaf in leaves], out)}

    # --- helpers ----------------------------------------------------------------------

    @staticmethod
    def _input(arg, grad, leaves):
        """What the candidate receives for one argument; gradients are read from `leaves`."""
        import torch

        if not isinstance(arg, torch.Tensor):
            return arg
        if grad and arg.requires_grad:
            leaves.append(arg)
            return arg.clone()  # an intermediate value, as in the judge: in-place ops allowed
        leaves.append(None)
        return arg

    def _traced(self, target, args, kwargs):
        lines: list[int] = []
        path = self.path

        def tracer(frame, event, arg):
            if frame.f_code.co_filename != path:
                return None
            if event == "line":
                lines.append(frame.f_lineno)
            return tracer

        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            result = target(*args, **kwargs)
        finally:
            sys.settrace(previous)
        return result, (lines[-1] if lines else None)

    def _frame(self, tb) -> dict | None:
        import linecache

        found = None
        for frame, lineno in traceback.walk_tb(tb):
            if frame.f_code.co_filename == self.path:
                found = lineno
        if found is None:
            return None
        return {"line": found, "code": linecache.getline(self.path, found).strip()[:300]}

    def _describe(self, exc: BaseException) -> dict:
        from grader.harness.hints import crash_hint

        text = " ".join(str(exc).strip().splitlines()[:3])
        try:
            hint = crash_hint(exc)
        except Exception:
            hint = ""
        return {"type": type(exc).__name__[:100], "message": text[:500],
                "kinds": [c.__name__[:100] for c in type(exc).__mro__[:16]],
                "where": self._frame(exc.__traceback__), "hint": hint}


def _mapped(fds: list[int]) -> list:
    """The judge's shared tensor memory: writes to these tensors land in the judge's view."""
    import mmap
    import os

    out = []
    for fd in fds:
        try:
            size = os.fstat(fd).st_size
            out.append(mmap.mmap(fd, size) if size else bytearray())
        except (OSError, ValueError):
            out.append(bytearray())
        finally:
            os.close(fd)
    return out


def _on_alarm(signum, frame):
    raise HostTimeout()


@contextlib.contextmanager
def _watching(patterns, seen: list):
    """Record the names of torch functions called whose name holds one of `patterns`."""
    if not isinstance(patterns, list) or not patterns:
        yield
        return
    from grader.harness.spy import TorchSpy

    with TorchSpy([str(p) for p in patterns[:8]], seen, MAX_SEEN):
        yield


def _type_name(obj) -> str:
    kind = obj if isinstance(obj, type) else type(obj)
    return str(getattr(kind, "__qualname__", "object"))[:100]


def _limit(limits: dict) -> None:
    """Hard limits, set before any of the candidate's code runs, so it cannot raise them."""
    for name, key in (("RLIMIT_AS", "memory_bytes"), ("RLIMIT_FSIZE", "file_bytes"),
                      ("RLIMIT_NPROC", "processes"), ("RLIMIT_CORE", "core"),
                      ("RLIMIT_NOFILE", "files")):
        value = limits.get(key)
        if isinstance(value, int) and value >= 0:
            try:
                resource.setrlimit(getattr(resource, name), (value, value))
            except (ValueError, OSError):
                pass


def main(argv: list[str]) -> int:
    sys.dont_write_bytecode = True
    from grader.harness.orphan import die_with_parent

    die_with_parent(None)  # inside bubblewrap the parent is bwrap's init, which dies with the judge
    sock = socket.socket(fileno=int(argv[0]))
    _limit(json.loads(argv[1]) if len(argv) > 1 else {})
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    Host(sock).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
