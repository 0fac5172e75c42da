"""The judge's view of the candidate's code when it runs in a process of its own.

`RemoteCandidate` stands in for the candidate's module in the graders: attribute reads,
calls and `nn.Module` use (forward, train/eval, backward through it, a place in an
`nn.Sequential`) become requests to the host. Tensors come back as plain tensors built
here from raw bytes, so every statistic a grader computes is computed in the judge.
The judge's torch RNG state travels with every call, so `torch.manual_seed` in a grader
seeds the candidate's draws exactly as it would in one process.
"""

from __future__ import annotations

import copy
import os
import signal
import socket
import subprocess
import time
import weakref

import torch

from grader.harness import trees, values, wire
from grader.harness.timeouts import CheckTimeout

REPLY_GRACE_SECONDS = 1.0   # after the judge's alarm, how long the host may take to say where it was
LOAD_SECONDS = 60.0
_watches: list[tuple[str, list]] = []
_deadline: list = [None, 0.0]  # [monotonic deadline, the check's limit in seconds]


class CandidateError(Exception):
    """The candidate's code raised; `type_name`, `where` and `hint` describe it."""

    def __init__(self, info: dict):
        info = info if isinstance(info, dict) else {}
        self.type_name = _text(info.get("type"), 100) or "Exception"
        self.text = _text(info.get("message"), 500)
        where = info.get("where")
        self.where = _where(where)
        self.hint = _text(info.get("hint"), 500)
        kinds = info.get("kinds")
        self.kinds = [k[:100] for k in kinds[:16] if isinstance(k, str)] if isinstance(kinds, list) else []
        super().__init__(f"{self.type_name}: {self.text}" if self.text else self.type_name)


class CandidateProcessEnded(Exception):
    """The candidate's process died (or had to be killed) during a request."""


def set_deadline(deadline: float | None, limit: float = 0.0) -> None:
    """The monotonic time the current check must end by; the host's own alarm is set to
    it, so a hang is stopped inside the candidate's code and its line reported."""
    _deadline[:] = [deadline, limit]


def watch(pattern: str, sink: list) -> None:
    _watches.append((pattern, sink))


def unwatch(sink: list) -> None:
    _watches[:] = [(p, s) for p, s in _watches if s is not sink]


class Host:
    """One candidate process, restarted after a crash or a kill."""

    def __init__(self, command: list[str], env: dict, cwd: str, load: dict):
        self.command, self.env, self.cwd, self.load_request = command, env, cwd, load
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.generation = 0
        self.module_ref: dict | None = None
        self.proxies: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self.locals: dict = {}  # handle -> our object that the host calls back into
        self.lent_ids: dict = {}  # id(our object) -> its (negative) handle, when lent
        self.next_lent = 0
        self.cb_graphs: dict = {}  # our forward passes the host may go back through
        self.next_graph = 0
        self.stderr_path = os.path.join(cwd, f"host-{os.getpid()}.stderr")

    # --- process ----------------------------------------------------------------------

    def start(self) -> None:
        ours, theirs = socket.socketpair()
        for end in (ours, theirs):  # a layer's activations in one go, not 200 KB ping-pongs
            for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                try:
                    end.setsockopt(socket.SOL_SOCKET, option, 8 << 20)
                except OSError:
                    pass
        command = [part.replace("{fd}", str(theirs.fileno())) for part in self.command]
        with open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(command, env=self.env, cwd=self.cwd, pass_fds=(theirs.fileno(),),
                                         stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                         start_new_session=True)
        theirs.close()
        self.sock = ours
        self.generation += 1
        self.proxies = weakref.WeakValueDictionary()
        self.locals, self.lent_ids, self.cb_graphs = {}, {}, {}

    def load(self) -> list[dict]:
        """Import the candidate's file in a fresh process; its load events."""
        if self.proc is None:
            self.start()
        reply = self.request(dict(self.load_request, op="load"), seconds=LOAD_SECONDS)
        events = reply.get("events") if isinstance(reply.get("events"), list) else []
        module = reply.get("module")
        self.module_ref = module if isinstance(module, dict) and "$R" in module else None
        return [e for e in events if isinstance(e, dict)]

    def ensure(self) -> None:
        if self.proc is None or self.proc.poll() is not None or self.sock is None:
            self.kill()
            self.start()
            self.load()  # its events were reported when the file was first imported
            if self.module_ref is None:
                raise CandidateProcessEnded("the candidate's file could not be imported again "
                                            "after its process was restarted")

    def kill(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def exit_description(self) -> str:
        code = None
        if self.proc is not None:
            try:
                code = self.proc.wait(timeout=2)  # it hung up: it is usually exiting
            except subprocess.TimeoutExpired:
                code = None
        if code is None:
            return "stopped answering"
        if code > 128 and self.command and os.path.basename(self.command[0]) == "bwrap":
            code = 128 - code  # bwrap reports a signal death as 128 + the signal
        if code < 0:
            try:
                return f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"was killed by signal {-code}"
        return f"exited with status {code}"

    # --- requests ---------------------------------------------------------------------

    def request(self, header: dict, buffers=(), seconds: float | None = None, fds=()):
        """Send one request; the reply header (buffers in reply['_buffers'])."""
        if seconds is None and _deadline[0] is not None:
            seconds = max(_deadline[0] - time.monotonic() - 0.05, 0.01)
        if seconds:
            header = dict(header, seconds=seconds)
        try:
            wire.send(self.sock, header, buffers, fds)
            reply, got = self._receive()
        except CheckTimeout as exc:
            where = self._late_reply()
            self.kill() if where is None else None
            raise CheckTimeout(_deadline[1] or (exc.args[0] if exc.args else 0), where) from None
        except (wire.WireError, OSError):
            how = self.exit_description()
            self.kill()
            raise CandidateProcessEnded(
                f"the candidate's process {how}: does your code call sys.exit, "
                "os._exit or kill its own process, or run out of memory?") from None
        if "timeout" in reply:
            raise CheckTimeout(_deadline[1] or seconds or 0, _where(reply.get("timeout")))
        _print_output(reply.get("output"))
        if "error" in reply:
            raise CandidateError(reply["error"])
        reply["_buffers"] = got
        return reply

    def _receive(self):
        """The reply to our request; meanwhile, the host's model may call back into the
        modules we hold (a torch layer inside the candidate's own module), as often as it
        likes."""
        while True:
            reply, got = wire.receive(self.sock)
            if "cb" not in reply:
                return reply, got
            self._callback(reply, got)

    def _callback(self, message: dict, got: list) -> None:
        """Serve the host's request about one of our objects: run a layer for the
        candidate's forward (torch's code, our hooks), or read, write or copy one."""
        out: list = []
        try:
            target = self.locals.get(message.get("h"))
            op = message.get("cb")
            if op == "backward":
                reply = self._cb_backward(message, got, out)
            elif target is None:
                raise LookupError("the candidate's code used a layer the graders no longer hold")
            elif op == "call":
                reply = self._cb_call(target, message, got, out)
            elif op in ("getattr", "deepcopy", "mode"):
                reply = {"value": self.encode(_lent_op(op, target, message, self), out)}
            else:
                raise ValueError(f"unknown request {str(op)[:40]!r}")
        except (CheckTimeout, CandidateProcessEnded):
            raise
        except Exception as exc:  # the layer's own error, as the candidate's code would meet it
            out.clear()
            reply = {"error": {"type": type(exc).__name__[:100],
                               "message": " ".join(str(exc).split())[:500]}}
        reply["cbr"] = True
        wire.send(self.sock, reply, out)

    def _cb_call(self, module, message: dict, got: list, out: list) -> dict:
        decoder = self._decoder(got, None)
        args = decoder.value(message.get("args", {"$t": []}))
        kwargs = decoder.value(message.get("kwargs", {"$d": []}))
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise TypeError("a malformed call")
        rng = message.get("rng")
        if isinstance(rng, dict):
            torch.set_rng_state(values.decode_tensor(rng, got).clone())
        leaves = [a if isinstance(a, torch.Tensor) and a.requires_grad else None for a in args]
        # an intermediate value, as in the candidate's forward (in-place ops allowed)
        args = tuple(a.clone() if leaf is not None else a for a, leaf in zip(args, leaves))
        before = {i: a.detach().clone() for i, a in enumerate(args) if isinstance(a, torch.Tensor)}
        method, grad = message.get("method"), bool(message.get("grad"))
        if "sync" in message:  # our layer takes the mode and settings the host's copy has now
            synced = self._decoder(got, self.lending()).value(message["sync"])
            if synced is not module:
                raise TypeError("the candidate's copy of a layer does not match the graders' layer")
        if method == "train":
            module.train(bool(args[0]) if args else True)
            result = None  # the candidate's side returns its own stub
        elif method in ("zero_grad", "step") and isinstance(module, torch.optim.Optimizer):
            result = getattr(module, method)()
            result = result if isinstance(result, (float, torch.Tensor)) else None
        elif method is None and isinstance(module, torch.nn.Module):
            with torch.set_grad_enabled(grad):
                result = module(*args, **kwargs)
        else:
            raise TypeError(f"the graders' {type(module).__name__} takes no {str(method)[:40]!r} "
                            "request from the candidate's process")
        reply = {"value": self.encode(result, out), "rng": values.encode(torch.get_rng_state(), out)}
        flat = [result] if isinstance(result, torch.Tensor) else (
            list(result) if isinstance(result, tuple) and all(isinstance(r, torch.Tensor) for r in result)
            else [])
        if grad and any(t.requires_grad for t in flat):
            self.next_graph += 1
            self.cb_graphs[self.next_graph] = (flat, leaves)
            while len(self.cb_graphs) > 32:
                self.cb_graphs.pop(next(iter(self.cb_graphs)))
            reply["call"] = self.next_graph
        changed = {str(i): values.encode(args[i].detach(), out) for i, old in before.items()
                   if not torch.equal(args[i].detach(), old)}
        if changed:  # an in-place layer (Dropout2d(inplace=True)) writes the caller's tensor
            reply["changed"] = changed
        return reply

    def _cb_backward(self, message: dict, got: list, out: list) -> dict:
        """loss.backward() in the candidate's process, through one of our layers' calls."""
        entry = self.cb_graphs.pop(message.get("h"), None)
        if entry is None:
            raise RuntimeError("this forward pass's graph is no longer kept")
        outputs, leaves = entry
        grads = self._decoder(got, None).value(message.get("value"))
        if not isinstance(grads, list) or len(grads) != len(outputs):
            raise TypeError("a malformed backward")
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(g, torch.Tensor) and o.requires_grad]
        if pairs:
            torch.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return {"value": self.encode([None if leaf is None else leaf.grad for leaf in leaves], out)}

    def lend_handle(self, obj) -> int:
        """A lasting handle on one of our objects the candidate's code uses where it lives
        (a bug hunt's model, layer by layer, and its optimizer): the host calls it back by it."""
        handle = self.lent_ids.get(id(obj))
        if handle is None or self.locals.get(handle) is not obj:
            self.next_lent -= 1
            handle = self.next_lent
            self.lent_ids[id(obj)] = handle
            self.locals[handle] = obj
        return handle

    def lending(self) -> trees.Ids:
        """How this exchange sends our modules: lent (lasting handles) where the drill's
        graders keep the layers, else by value with a handle per exchange."""
        if self.load_request.get("adopt"):
            return trees.JudgeIds(self.lend_handle, self.locals.get)
        return trees.JudgeIds()

    def _late_reply(self) -> dict | None:
        """After the judge's own alarm: give the host a moment to report where it was
        (a callback the host was waiting on when the time ran out is not that report)."""
        if self.sock is None:
            return None
        self.sock.settimeout(REPLY_GRACE_SECONDS)
        try:
            while True:
                reply, _ = wire.receive(self.sock)
                if "cb" not in reply:
                    break
        except (OSError, wire.WireError, CheckTimeout):
            return None
        finally:
            if self.sock is not None:
                self.sock.settimeout(None)
        return _where(reply.get("timeout")) if "timeout" in reply else None

    # --- values -----------------------------------------------------------------------

    def proxy(self, tag: dict):
        ref, kind = tag.get("$R"), tag.get("kind")
        if not isinstance(ref, int) or kind not in ("module", "callable", "object"):
            raise values.BadValue("a malformed object reference")
        key = (self.generation, ref)
        existing = self.proxies.get(key)
        if existing is not None:
            return existing
        made = (_remote_class(tag.get("torch")) if kind == "module" else RemoteObject)(self, tag)
        self.proxies[key] = made
        return made

    def _decoder(self, buffers, ids) -> trees.Decoder:
        return trees.Decoder(buffers, self.proxy, ids, local=self.locals.get,
                             on_candidate=_mirror, on_handle=self._hold)

    def _hold(self, handle, module) -> None:
        if isinstance(handle, int) and len(self.locals) < 100_000:
            self.locals[handle] = module

    def decode(self, data, buffers, decoder: trees.Decoder | None = None):
        try:
            return (decoder or self._decoder(buffers, None)).value(data)
        except values.BadValue as exc:
            raise CandidateError({"type": "ValueError",
                                  "message": f"the candidate's process sent a value the graders "
                                             f"cannot accept: {exc}"}) from None

    def encode(self, value, buffers, ids: trees.Ids | None = None):
        """`value` for the wire: our own torch modules go by value (trees.py), the
        candidate's objects by reference."""
        encoder = trees.Encoder(buffers, None, ids)

        def as_ref(obj):
            if isinstance(obj, (RemoteObject, RemoteModule)):
                obj._check_alive()
                return {"$R": obj._ref["$R"]}
            if self.load_request.get("adopt") and isinstance(obj, torch.optim.Optimizer):
                return {"$J": self.lend_handle(obj), "kind": "object", "type": type(obj).__name__}
            if isinstance(obj, torch.nn.Module):
                if not trees.is_torch_class(obj):
                    raise values.Unsendable(f"a {type(obj).__name__} (not one of torch.nn's "
                                            "modules) cannot be sent to the candidate's process")
                return encoder.node(obj)
            raise values.Unsendable(f"a {type(obj).__name__} cannot be sent to the candidate's process")
        encoder.value = lambda v: values.encode(v, buffers, as_ref)
        return values.encode(value, buffers, as_ref)

    def getattr(self, ref: dict, name: str):
        self.ensure()
        try:
            reply = self.request({"op": "getattr", "target": {"$R": ref["$R"]}, "name": name})
        except CandidateError as exc:
            if "AttributeError" in exc.kinds:  # so getattr(layer, name, default) works
                raise AttributeError(str(exc)) from None
            raise
        return self.decode(reply.get("value"), reply["_buffers"])

    def setattr(self, ref: dict, name: str, value) -> None:
        self.ensure()
        buffers: list = []
        self.request({"op": "setattr", "target": {"$R": ref["$R"]}, "name": name,
                      "value": self.encode(value, buffers)}, buffers)

    def call(self, ref: dict, args: tuple, kwargs: dict, method: str | None = None,
             trace: bool = False):
        """Call the object (or its method); returns (result, traced line or None). What
        the candidate did to its tensor arguments in place is done to ours too, and a
        tensor handed straight back is ours, as it would be in one process."""
        self.ensure()
        tensors = [a for a in args if isinstance(a, torch.Tensor)]
        grad = torch.is_grad_enabled() and any(t.requires_grad for t in tensors)
        if grad:
            box: list = []
            outputs = _RemoteCall.apply(self, ref, args, kwargs, method, trace, box, *tensors)
            reply, structure = box
            value = _rebuild(structure, outputs)
        else:
            reply = self._call(ref, args, kwargs, method, trace, grad=False)
            value = self.decode(reply.get("value"), reply["_buffers"], reply["_decoder"])
        changes = reply.get("_changes", {})
        alias = reply.get("alias")
        alias = alias if isinstance(alias, int) and 0 <= alias < len(args) and isinstance(
            args[alias], torch.Tensor) and isinstance(value, torch.Tensor) else None
        for index, new in changes.items():
            if index != alias or not grad:
                with torch.no_grad():
                    args[index].copy_(new)
        if alias is not None:
            if grad and alias in changes:
                args[alias].copy_(value)  # in place and differentiable, as the candidate did
            value = args[alias]
        return value, _line(reply)

    def _changes(self, reply: dict, args: tuple) -> dict:
        """What the candidate did in place to our tensor arguments. Those sent in shared
        memory are read back from it (seen, not reported); the others (inputs that need
        gradients, which the candidate's process copies) are as its reply says."""
        out = {}
        for index, (fd, meta, original) in reply.get("_shared", {}).items():
            now = values.shared_bytes(fd, meta["size"])
            if now != original:
                new = values.decode_tensor(dict(meta, **{"$T": 0}), [bytearray(now)])
                out[index] = new.detach().to(args[index].dtype)
        changed = reply.get("changed")
        if not isinstance(changed, dict):
            return out
        for key, data in list(changed.items())[:len(args)]:
            index = int(key) if isinstance(key, str) and key.isdigit() else -1
            if index in out or index in reply.get("_shared", {}):
                continue
            if 0 <= index < len(args) and isinstance(args[index], torch.Tensor):
                new = self.decode(data, reply["_buffers"])
                if isinstance(new, torch.Tensor) and new.shape == args[index].shape:
                    out[index] = new.detach().to(args[index].dtype)
        return out

    def _call(self, ref, args, kwargs, method, trace, grad):
        buffers: list = []
        fds: list = []
        shared = {}
        encoded = []
        ids = self.lending()
        for index, arg in enumerate(args):
            if isinstance(arg, torch.Tensor) and type(arg) is torch.Tensor and not arg.requires_grad \
                    and arg.layout == torch.strided and arg.dtype in values.NAMES and len(fds) < wire.MAX_FDS:
                meta = values.encode_shared(arg, fds)
                shared[index] = (fds[-1], meta, values.shared_bytes(fds[-1], meta["size"]))
                encoded.append(meta)
            else:
                encoded.append(self.encode(arg, buffers, ids))
        header = {"op": "call", "target": {"$R": ref["$R"]}, "method": method,
                  "args": {"$t": encoded},
                  "kwargs": self.encode(dict(kwargs), buffers, ids),
                  "rng": values.encode(torch.get_rng_state(), buffers), "grad": grad,
                  "mode": grad or torch.is_grad_enabled(), "trace": trace}
        patterns = [p for p, _ in _watches]
        if patterns:
            header["watch"] = patterns
        try:
            reply = self.request(header, buffers, fds=fds)
            reply["_decoder"] = self._decoder(reply["_buffers"], ids)
            if not grad:
                _carry_switches(reply.get("left"), header["mode"])
            self._write_back(reply, args)
            reply["_shared"] = {i: (fd, meta, original) for i, (fd, meta, original) in shared.items()}
            reply["_changes"] = self._changes(reply, args)
        finally:
            for fd in fds:
                os.close(fd)
        got = reply["_buffers"]
        try:
            torch.set_rng_state(values.decode_tensor(reply.get("rng") or {}, got).clone())
        except (values.BadValue, RuntimeError, TypeError):
            pass  # a host that mangles the RNG state only changes its own draws
        seen = reply.get("seen")
        if isinstance(seen, list):
            for name in seen[:50]:
                name = _text(name, 100)
                for pattern, sink in _watches:
                    if pattern.lower() in name.lower():
                        sink.append(name)
        return reply

    def _write_back(self, reply: dict, args: tuple) -> None:
        """What the candidate's code did to a model we passed it (a layer swapped, weights
        scaled in place, a mode switched) is done to ours: the host sends the model as it
        left it, and each module and parameter we sent is updated in place."""
        after = reply.get("after")
        if not isinstance(after, list):
            return
        for entry in after[:len(args)]:
            if (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)
                    and 0 <= entry[0] < len(args) and isinstance(args[entry[0]], torch.nn.Module)):
                self.decode(entry[1], reply["_buffers"], reply["_decoder"])

    def deepcopy(self, ref: dict):
        reply = self.request({"op": "deepcopy", "target": {"$R": ref["$R"]}})
        return self.decode(reply.get("value"), reply["_buffers"])

    def echo(self, args: tuple) -> None:
        buffers: list = []
        self.request({"op": "echo", "args": self.encode(tuple(args), buffers),
                      "rng": values.encode(torch.get_rng_state(), buffers)}, buffers)

    def backward(self, call_id: int, grads: list):
        buffers: list = []
        reply = self.request({"op": "backward", "call": call_id,
                              "grads": self.encode(list(grads), buffers)}, buffers)
        return self.decode(reply.get("grads"), reply["_buffers"])

    def reset(self) -> None:
        """Before each check: torch's switches put back in a live process, or a fresh
        process after a crash or a kill, so a restart never eats into a check's time."""
        if self.proc is not None and self.proc.poll() is None and self.sock is not None:
            try:
                self.request({"op": "reset"}, seconds=30)
                return
            except (CandidateError, CandidateProcessEnded, CheckTimeout):
                self.kill()
        try:
            self.ensure()
        except (CandidateError, CandidateProcessEnded, CheckTimeout):
            self.kill()  # the check itself will meet the failure and report it

    def stderr_text(self, limit: int = 4000) -> str:
        try:
            with open(self.stderr_path, "rb") as handle:
                return handle.read(limit).decode("utf-8", "replace")
        except OSError:
            return ""


class _RemoteCall(torch.autograd.Function):
    """A call into the candidate's process that autograd can go back through."""

    @staticmethod
    def forward(ctx, host, ref, args, kwargs, method, trace, box, *tensors):
        reply = host._call(ref, args, kwargs, method, trace, grad=True)
        result = host.decode(reply.get("value"), reply["_buffers"], reply["_decoder"])
        flat, structure = _flatten(result)
        ctx.host, ctx.call_id, ctx.generation = host, reply.get("call"), host.generation
        ctx.count = len(tensors)
        box.extend([reply, structure])
        outs = tuple(t.detach().clone() if t.requires_grad else t for t in flat)
        for original, out in zip(flat, outs):
            if not original.requires_grad or ctx.call_id is None:
                ctx.mark_non_differentiable(out)
        return outs

    @staticmethod
    def backward(ctx, *grads):
        none = (None,) * 7
        if ctx.call_id is None or ctx.generation != ctx.host.generation:
            return none + (None,) * ctx.count
        got = ctx.host.backward(ctx.call_id, list(grads))
        got = got if isinstance(got, list) and len(got) == ctx.count else [None] * ctx.count
        return none + tuple(g if isinstance(g, torch.Tensor) else None for g in got)


def _flatten(result):
    if isinstance(result, torch.Tensor):
        return [result], "tensor"
    if isinstance(result, tuple) and result and all(isinstance(r, torch.Tensor) for r in result):
        return list(result), len(result)
    return [], result


def _rebuild(structure, outputs):
    if structure == "tensor":
        return outputs[0]
    if isinstance(structure, int) and not isinstance(structure, bool):
        return tuple(outputs)
    return structure


class RemoteObject:
    """A class, function or other object that lives in the candidate's process."""

    _drill_remote = True

    def __init__(self, host: Host, tag: dict):
        object.__setattr__(self, "_host", host)
        object.__setattr__(self, "_ref", {"$R": tag["$R"]})
        object.__setattr__(self, "_generation", host.generation)
        object.__setattr__(self, "_type", _text(tag.get("type"), 100))

    def _check_alive(self):
        if self._generation != self._host.generation:
            raise CandidateProcessEnded("this object belonged to a candidate process that has "
                                        "since been restarted")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._check_alive()
        return self._host.getattr(self._ref, name)

    def __call__(self, *args, **kwargs):
        self._check_alive()
        return self._host.call(self._ref, args, kwargs)[0]

    def _traced_call(self, *args):
        self._check_alive()
        return self._host.call(self._ref, args, {}, trace=True)

    def __instancecheck__(self, obj) -> bool:
        """isinstance(layer, candidate.PaperDropout): the candidate's class among the
        classes the host named for that object."""
        return (isinstance(obj, RemoteModule) and obj._host is self._host
                and obj._generation == self._generation and self._ref["$R"] in obj._mro)

    def __repr__(self):
        return f"<candidate's {self._type}>"


class RemoteModule(torch.nn.Module):
    """An nn.Module that lives in the candidate's process: it can sit in a local
    nn.Sequential, be trained through and switched between train and eval."""

    _drill_remote = True

    def __init__(self, host: Host, tag: dict):
        torch.nn.Module.__init__(self)  # nn.Module's alone, also for a RemoteLinear
        object.__setattr__(self, "_host", host)
        object.__setattr__(self, "_ref", {"$R": tag["$R"]})
        object.__setattr__(self, "_generation", host.generation)
        object.__setattr__(self, "_type", _text(tag.get("type"), 100))
        mro = tag.get("mro")
        object.__setattr__(self, "_mro", [r for r in mro[:64] if isinstance(r, int)]
                           if isinstance(mro, list) else [])

    @property
    def _class(self):
        """The candidate's class of this layer (api.type_of), as the host names it."""
        if not self._mro:
            return None
        return self._host.proxy({"$R": self._mro[0], "kind": "callable", "type": self._type})

    def __deepcopy__(self, memo):
        self._check_alive()
        made = self._host.deepcopy(self._ref)
        memo[id(self)] = made
        return made

    @property
    def training(self):
        if "_ref" not in self.__dict__:
            return True
        self._check_alive()
        return self._host.getattr(self._ref, "training")

    @training.setter
    def training(self, value):
        if "_ref" in self.__dict__:
            self._check_alive()
            self._host.setattr(self._ref, "training", value)

    def _check_alive(self):
        if self._generation != self._host.generation:
            raise CandidateProcessEnded("this layer belonged to a candidate process that has "
                                        "since been restarted")

    def forward(self, *args, **kwargs):
        self._check_alive()
        return self._host.call(self._ref, args, kwargs)[0]

    def _traced_call(self, *args):
        self._check_alive()
        return self._host.call(self._ref, args, {}, trace=True)

    def train(self, mode: bool = True):
        self._check_alive()
        self._host.call(self._ref, (mode,), {}, method="train")
        if not self._host.load_request.get("adopt"):
            # copies of the candidate's layers, for reading: kept in step (where the host
            # holds our layers instead, its train() has called them back already)
            for child in self._modules.values():
                if child is not None:
                    child.train(mode)
        return self

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name.startswith("_"):
                raise
        self._check_alive()
        return self._host.getattr(self._ref, name)

    def __repr__(self):
        return f"<candidate's {self._type}>"


class RemoteCandidate:
    """The candidate's module, as the graders' `candidate` fixture."""

    _drill_remote = True

    def __init__(self, host: Host, path: str, name: str, source: str):
        self._host, self.__file__, self.__name__, self.__source__ = host, path, name, source

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._host.ensure()
        return self._host.getattr(self._host.module_ref, name)


def _carry_switches(left, mode: bool) -> None:
    """A call that switched autograd off (or the default dtype) as a statement leaves the
    caller so, as it would in one process: the check that looks for it can see it."""
    if not isinstance(left, dict):
        return
    if left.get("inference") is True and not torch.is_inference_mode_enabled():
        from grader.harness import torch_state

        torch_state.hold_inference()
    if isinstance(left.get("grad"), bool) and left["grad"] != mode:
        torch.set_grad_enabled(left["grad"])
    dtype = values.DTYPES.get(left.get("dtype"))
    if dtype in (torch.float32, torch.float64, torch.float16, torch.bfloat16) \
            and dtype != torch.get_default_dtype():
        torch.set_default_dtype(dtype)


def _lent_op(op: str, target, message: dict, host: "Host"):
    """What the candidate's process may do to an object we lent it besides calling it:
    read a public attribute of the optimizer, or copy a layer (copy.deepcopy of the model
    there: the copy is ours too, with our hooks, as deepcopy keeps them). Never a private
    attribute, so the graders' hooks stay out of reach."""
    name = message.get("name")
    if op == "getattr":
        if not (isinstance(name, str) and trees.good_name(name) and not name.startswith("_")):
            raise AttributeError(f"the graders' objects keep {str(name)[:40]!r} to themselves")
        value = getattr(target, name)
        if callable(value):
            raise AttributeError(f"{name} is a method: call it on the object")
        return value
    if op == "mode" and isinstance(target, torch.nn.Module):  # layer.training = flag, on ours
        target.training = message.get("value") is True
        return None
    if op == "deepcopy" and isinstance(target, torch.nn.Module):
        return host.lend_handle(copy.deepcopy(target))
    raise TypeError(f"the graders' {type(target).__name__} takes no {op!r} request")


def _mirror(proxy, node: dict, children: list, decoder: trees.Decoder) -> None:
    """A candidate's module as the host describes it: its children are ours (the host now
    calls them back here), its own parameters and buffers a snapshot for reading."""
    if not isinstance(proxy, RemoteModule):
        return
    state = proxy.__dict__
    state["_modules"] = {name: child for name, child in children if isinstance(child, torch.nn.Module)}
    params, buffers = {}, {}
    for entry in trees.entries(node.get("params")):
        if isinstance(entry, list) and len(entry) == 3 and trees.good_name(entry[0]):
            params[entry[0]] = decoder.tensor(entry[1], True, entry[2])
    for entry in trees.entries(node.get("buffers")):
        if isinstance(entry, list) and len(entry) == 2 and trees.good_name(entry[0]):
            buffers[entry[0]] = decoder.tensor(entry[1], False)
    state["_parameters"], state["_buffers"] = params, buffers


_REMOTE_CLASSES: dict = {}


def _remote_class(base_name):
    """RemoteModule, or for a candidate's subclass of a torch layer (an nn.Linear that
    scales its input) a RemoteModule that isinstance() also takes for that layer."""
    base = trees.torch_class(base_name)
    if base is None:
        return RemoteModule
    made = _REMOTE_CLASSES.get(base)
    if made is None:
        made = _REMOTE_CLASSES[base] = type(f"Remote{base.__name__}", (RemoteModule, base), {})
    return made


def _print_output(text) -> None:
    if isinstance(text, str) and text:
        print(text[:4000], end="" if text.endswith("\n") else "\n")


def _line(reply: dict):
    line = reply.get("line")
    return line if isinstance(line, int) and not isinstance(line, bool) and 0 < line < 10**7 else None


def _where(data) -> dict | None:
    if not isinstance(data, dict):
        return None
    line = _line(data)
    return {"line": line, "code": _text(data.get("code"), 300)} if line else None


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""
