"""Whole nn.Module trees between the judge and the candidate's process.

A model the graders build (the trained network to_inverted converts) and one the
candidate builds (build_model's CNN) must cross the boundary without pickle. A module of
torch's own (nn.Linear, nn.BatchNorm2d, nn.Sequential, ...) crosses by value: its class
named from torch.nn, its plain attributes, its parameters and buffers as tensors, its
children as nodes. The receiver rebuilds it from that class alone, so a module the judge
holds always runs torch's code, never the candidate's. A module of the candidate's own
crosses as a reference and runs where it lives.

Node: {"$M": {"n": number in this message, "cls": "Linear" | "ref": object tag,
              "jid": the judge's handle (judge -> host, and echoed back for a module the
                     judge sent in this exchange), "h": a host handle (a child whose calls
                     the host now sends to the judge), "attrs": [[name, value]],
              "training": bool, "params": [[name, tensor | null, pid | null]],
              "buffers": [[name, tensor | null]], "transient": [buffer names],
              "children": [[name, value]]}}
or {"$M": {"same": n}} for a module met earlier in the same message (a layer in two slots),
or {"$M": {"local": h}} for a module the judge already holds.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.modules.lazy import LazyModuleMixin

from grader.harness import values

MAX_NODES = 4096
MAX_DEPTH = 64
MAX_ENTRIES = 1024  # attributes, parameters, buffers or children of one module: more is refused
MAX_NAME = 100
# nn.Module's own bookkeeping: never taken from the other side
RESERVED = frozenset({"training", "_parameters", "_buffers", "_modules", "_non_persistent_buffers_set",
                      "_backward_hooks", "_backward_pre_hooks", "_forward_hooks",
                      "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
                      "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs",
                      "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
                      "_load_state_dict_post_hooks", "_is_full_backward_hook", "call_super_init"})


def torch_class(name) -> type | None:
    """torch.nn's module class of that name, or None: the only classes rebuilt by value."""
    if not isinstance(name, str) or len(name) > MAX_NAME:
        return None
    cls = getattr(nn, name, None)
    if (isinstance(cls, type) and issubclass(cls, nn.Module)
            and cls.__module__.startswith("torch.nn.modules.")):
        return cls
    return None


HOOKS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks",
         "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
         "_load_state_dict_post_hooks")


def is_torch_class(obj) -> bool:
    return isinstance(obj, nn.Module) and torch_class(type(obj).__name__) is type(obj)


def is_torch_module(obj) -> bool:
    """One of torch.nn's modules as torch made it: its class exactly, no hook or method
    of the candidate's attached (a layer with either runs the candidate's code, so it
    stays with the candidate)."""
    if not is_torch_class(obj):
        return False
    state = vars(obj)
    if any(callable(v) and not getattr(v, "_drill_lent_forward", False)
           for k, v in state.items() if k not in RESERVED and not k.startswith("_")):
        return False
    for name in HOOKS:
        for hook in (state.get(name) or {}).values():
            hook = getattr(hook, "__wrapped__", hook) if type(hook).__name__ == "_WrappedHook" else hook
            owner = getattr(hook, "__self__", None)
            function = getattr(hook, "__func__", None)
            if owner is not obj or not str(getattr(function, "__module__", "")).startswith("torch."):
                return False  # torch's own (a lazy layer's) hooks are bound methods of torch's
    return True


def _primitive(value, depth: int = 0) -> bool:
    if value is None or isinstance(value, (bool, int, str)):
        return not isinstance(value, str) or len(value) <= 1000
    if isinstance(value, float):
        return True
    if type(value) in (tuple, list) and depth < 3 and len(value) <= 64:
        return all(_primitive(v, depth + 1) for v in value)
    return False


def good_name(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_NAME and not value.startswith("__")


class Encoder:
    """One message's modules: each once (a repeat is {"same": n}), its parameters
    identified so the other side can tell a shared parameter from a copy."""

    def __init__(self, buffers: list, value, ids: "Ids | None" = None):
        self.buffers, self.value = buffers, value    # value(obj): how anything else is sent
        self.numbers: dict[int, int] = {}
        self.keep: list = []                          # ids stay valid while the message is built
        self.ids = ids or Ids()

    def node(self, module: nn.Module, extra: dict | None = None, children: bool = True) -> dict:
        if id(module) in self.numbers:
            return {"$M": {"same": self.numbers[id(module)]}}
        if len(self.numbers) >= MAX_NODES:
            raise values.Unsendable("the model has too many modules to send")
        for what, items in (("children", module._modules), ("parameters", module._parameters),
                            ("buffers", module._buffers), ("attributes", vars(module))):
            if len(items) > MAX_ENTRIES:  # refused, never cut short: the rest would go unseen
                raise values.Unsendable(f"a {type(module).__name__} with more than "
                                        f"{MAX_ENTRIES} {what} cannot be sent")
        number = self.numbers[id(module)] = len(self.numbers)
        self.keep.append(module)
        out = {"n": number, "training": bool(module.__dict__.get("training", True))}
        out.update(extra or {})
        jid = self.ids.jid_of(module)
        if jid is not None:
            out["jid"] = jid
        if "ref" not in out:
            out["cls"] = type(module).__name__
            out["attrs"] = [[k, values.encode(v, self.buffers)] for k, v in vars(module).items()
                            if good_name(k) and k not in RESERVED and _primitive(v)][:MAX_ENTRIES]
        out["params"] = [[k, self._tensor(p), self.ids.pid_of(p)]
                         for k, p in module._parameters.items()]
        out["buffers"] = [[k, self._tensor(b)] for k, b in module._buffers.items()]
        out["transient"] = sorted(module._non_persistent_buffers_set)[:MAX_ENTRIES]
        if children:
            out["children"] = [[k, None if c is None else self.value(c)]
                               for k, c in list(module._modules.items())[:MAX_ENTRIES]]
        return {"$M": out}

    def _tensor(self, tensor):
        if tensor is None:
            return None
        if self.ids.unchanged(tensor):  # as the judge sent it: its own copy stands
            return {"$same": True, "grad": bool(tensor.requires_grad)}
        if isinstance(tensor, nn.parameter.UninitializedTensorMixin):
            return {"$U": values.NAMES.get(tensor.dtype, "float32")}
        self.keep.append(tensor)
        return values.encode(tensor, self.buffers)


class Decoder:
    """The other side's modules, rebuilt. `ref(tag)` resolves a reference (a proxy in the
    judge, the object itself in the host); `reuse(jid)` is the judge's own module sent
    out in this exchange (synced in place, so identity survives the round trip);
    `pid(n)` the same for a parameter."""

    def __init__(self, buffers: list, ref, ids: "Ids | None" = None, local=None,
                 on_candidate=None, on_handle=None):
        self.buffers, self.ref = buffers, ref
        self.ids, self.local = ids or Ids(), local
        self.on_candidate = on_candidate  # (proxy, node, children, decoder): a candidate's module
        self.on_handle = on_handle        # (handle, module): the host calls this module back
        self.made: dict[int, object] = {}
        self.count = self.depth = 0

    def value(self, data, depth: int = 0):
        return values.decode(data, self.buffers, self._resolve, depth)

    def _resolve(self, tag):
        if "$M" not in tag:
            return self.ref(tag)
        node = tag["$M"]
        if not isinstance(node, dict):
            raise values.BadValue("a malformed module")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise values.BadValue("a model nested too deeply")
            module = self._module(node)
        finally:
            self.depth -= 1
        if "h" in node and self.on_handle:
            self.on_handle(node["h"], module)
        return module

    def _module(self, node: dict):
        if "same" in node:
            if not isinstance(node["same"], int) or node["same"] not in self.made:
                raise values.BadValue("a reference to a module not sent")
            return self.made[node["same"]]
        if "local" in node:
            found = self.local(node["local"]) if self.local else None
            if found is None:
                raise values.BadValue("a reference to a module this side does not hold")
            return found
        self.count += 1
        if self.count > MAX_NODES:
            raise values.BadValue("too many modules")
        number = node.get("n")
        if not isinstance(number, int) or number in self.made:
            raise values.BadValue("a malformed module number")
        if "ref" in node:
            module = self.ref(node["ref"])
            self.made[number] = module
            children = self._children(node)
            if self.on_candidate:
                self.on_candidate(module, node, children, self)
            return module
        cls = torch_class(node.get("cls"))
        if cls is None:
            raise values.BadValue(f"a module class outside torch.nn: {str(node.get('cls'))[:60]!r}")
        module = self.ids.module(node.get("jid"))
        fresh = module is None or type(module) is not cls
        if fresh:
            module = cls.__new__(cls)
            nn.Module.__init__(module)
        self.made[number] = module
        fill(module, node, self)
        if fresh and issubclass(cls, LazyModuleMixin):  # what its __init__ would have hooked
            module._load_hook = module._register_load_state_dict_pre_hook(module._lazy_load_hook)
            module._initialize_hook = module.register_forward_pre_hook(
                module._infer_parameters, with_kwargs=True)
        self.ids.note_module(module, node.get("jid"))
        return module

    def _children(self, node) -> list:
        out = []
        for entry in entries(node.get("children")):
            if not (isinstance(entry, list) and len(entry) == 2 and good_name(entry[0])):
                raise values.BadValue("a malformed child")
            child = None if entry[1] is None else self.value(entry[1])
            if child is not None and not isinstance(child, nn.Module):
                raise values.BadValue("a child that is not a module")
            out.append((entry[0], child))
        return out

    def tensor(self, data, parameter: bool, pid=None):
        if data is None:
            return None
        if isinstance(data, dict) and "$U" in data:
            dtype = values.DTYPES.get(data["$U"], torch.float32)
            return (nn.parameter.UninitializedParameter(dtype=dtype) if parameter
                    else nn.parameter.UninitializedBuffer(dtype=dtype))
        tensor = values.decode(data, self.buffers)
        if not isinstance(tensor, torch.Tensor):
            raise values.BadValue("a parameter or buffer that is not a tensor")
        if not parameter:
            made = tensor.detach().requires_grad_(tensor.requires_grad and tensor.is_floating_point())
            self.ids.note_tensor(made)
            return made
        mine = self.ids.param(pid)
        if (isinstance(mine, nn.Parameter) and mine.shape == tensor.shape
                and mine.dtype == tensor.dtype):
            if not torch.equal(mine.detach(), tensor.detach()):
                with torch.no_grad():
                    mine.copy_(tensor)
            return mine
        grad = bool(data.get("grad")) if isinstance(data, dict) else False
        made = nn.Parameter(tensor.detach().clone(),
                            requires_grad=grad and (tensor.is_floating_point() or tensor.is_complex()))
        self.ids.note_param(made, pid)
        self.ids.note_tensor(made)
        return made


class Ids:
    """Handles that let a module or parameter keep its identity across a round trip. The
    judge hands out a handle for each of its own it sends and takes the same object back
    for it; the host notes which objects it built for which handle, and names them so in
    its reply. The base class keeps none."""

    def jid_of(self, module):
        return None

    def pid_of(self, param):
        return None

    def module(self, jid):
        return None

    def param(self, pid):
        return None

    def note_module(self, module, jid) -> None:
        pass

    def note_param(self, param, pid) -> None:
        pass

    def note_tensor(self, tensor) -> None:
        pass

    def unchanged(self, tensor) -> bool:
        return False


class JudgeIds(Ids):
    """The judge's side of one exchange: every module and parameter it sends gets a
    handle; a handle in the reply is that very object. Lending (`lend`, `lookup`), a
    module's handle is a lasting one: the host keeps its copy of that module under it and
    calls the judge's module back by it."""

    def __init__(self, lend=None, lookup=None):
        self.modules: list = []
        self.params: list = []
        self.lend, self.lookup = lend, lookup

    def jid_of(self, module):
        if self.lend is not None:
            return self.lend(module)
        self.modules.append(module)
        return len(self.modules) - 1

    def pid_of(self, param):
        self.params.append(param)
        return len(self.params) - 1

    def module(self, jid):
        if self.lookup is not None and isinstance(jid, int) and not isinstance(jid, bool) and jid < 0:
            return self.lookup(jid)
        return self.modules[jid] if isinstance(jid, int) and 0 <= jid < len(self.modules) else None

    def param(self, pid):
        return self.params[pid] if isinstance(pid, int) and 0 <= pid < len(self.params) else None


class HostIds(Ids):
    """The host's side: which of its objects it built from which of the judge's handles."""

    def __init__(self):
        self.jids: dict[int, int] = {}
        self.pids: dict[int, int] = {}
        self.storages: dict[tuple, int] = {}
        self.keep: list = []
        self.received: dict[int, object] = {}  # id(tensor) -> (tensor, its value when received)

    def jid_of(self, module):
        return self.jids.get(id(module))

    def pid_of(self, param):
        """The judge's handle for this parameter, or for the one whose memory it shares
        (nn.Parameter(w.data) is a new object on the judge's parameter's storage)."""
        found = self.pids.get(id(param))
        return found if found is not None else self.storages.get(_storage_key(param))

    def note_module(self, module, jid) -> None:
        if isinstance(jid, int):
            self.jids[id(module)] = jid
            self.keep.append(module)

    def note_param(self, param, pid) -> None:
        if isinstance(pid, int):
            self.pids[id(param)] = pid
            self.storages[_storage_key(param)] = pid
            self.keep.append(param)


    def note_tensor(self, tensor) -> None:
        if isinstance(tensor, torch.Tensor) and not isinstance(tensor, nn.parameter.UninitializedTensorMixin):
            self.received[id(tensor)] = (tensor, tensor.detach().clone())

    def unchanged(self, tensor) -> bool:
        seen = self.received.get(id(tensor))
        return (seen is not None and seen[0] is tensor and seen[1].shape == tensor.shape
                and seen[1].dtype == tensor.dtype and torch.equal(seen[1], tensor.detach()))


def _storage_key(tensor) -> tuple:
    if isinstance(tensor, nn.parameter.UninitializedTensorMixin):
        return (id(tensor),)  # a lazy layer's parameter has no memory yet
    try:
        return (tensor.untyped_storage().data_ptr(), tensor.storage_offset(), tuple(tensor.shape),
                str(tensor.dtype))
    except (RuntimeError, AttributeError, TypeError, ValueError):
        return (id(tensor),)


def fill(module: nn.Module, node: dict, decoder: Decoder) -> None:
    """Make `module` what the node describes: attributes, mode, parameters, buffers and
    children, replacing whatever it had."""
    state = module.__dict__
    names = set()
    for key in ("params", "buffers", "children"):
        names.update(e[0] for e in entries(node.get(key)) if isinstance(e, list) and e and good_name(e[0]))
    for entry in entries(node.get("attrs")):
        if not (isinstance(entry, list) and len(entry) == 2 and good_name(entry[0])):
            raise values.BadValue("a malformed attribute")
        if entry[0] in RESERVED or entry[0] in names or _behaviour(type(module), entry[0]):
            continue
        value = decoder.value(entry[1])
        if _primitive(value):
            state[entry[0]] = value
    state["training"] = node.get("training") is not False
    params = {}
    for entry in entries(node.get("params")):
        if not (isinstance(entry, list) and len(entry) == 3 and good_name(entry[0])):
            raise values.BadValue("a malformed parameter")
        kept = _kept(module._parameters, entry[0], entry[1])
        params[entry[0]] = kept if kept is not None else decoder.tensor(entry[1], True, entry[2])
    buffers = {}
    for entry in entries(node.get("buffers")):
        if not (isinstance(entry, list) and len(entry) == 2 and good_name(entry[0])):
            raise values.BadValue("a malformed buffer")
        kept = _kept(module._buffers, entry[0], entry[1])
        buffers[entry[0]] = kept if kept is not None else decoder.tensor(entry[1], False)
    transient = {n for n in entries(node.get("transient")) if good_name(n) and n in buffers}
    children = decoder._children(node)
    state["_parameters"] = params
    state["_buffers"] = buffers
    state["_non_persistent_buffers_set"] = transient
    state["_modules"] = dict(children)
    for name in names:
        state.pop(name, None)  # an attribute never shadows a parameter, buffer or child


def _kept(current: dict, name: str, data):
    """{"$same": ...}: the other side did not change this tensor, so ours stands (its
    requires_grad as the other side set it)."""
    if not (isinstance(data, dict) and data.get("$same") is True):
        return None
    mine = current.get(name)
    if not isinstance(mine, torch.Tensor):
        raise values.BadValue(f"an unchanged tensor '{name}' this side does not hold")
    if isinstance(data.get("grad"), bool) and mine.is_floating_point() and mine.is_leaf:
        mine.requires_grad_(data["grad"])
    return mine


def _behaviour(cls, name: str) -> bool:
    """A method or property of the class: data from the other side never hides one."""
    found = getattr(cls, name, None)
    return callable(found) or isinstance(found, property)


def entries(value) -> list:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise values.BadValue("a malformed module entry list")
    return value
