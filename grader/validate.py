"""Small typed accessors for validating a YamlDoc; each failure names file, line and key."""

from __future__ import annotations

from typing import Any

from grader.yamldoc import KeyPath, YamlDoc

_MISSING = object()


class Fields:
    """A mapping inside a YamlDoc, read key by key with type checks."""

    def __init__(self, doc: YamlDoc, key_path: KeyPath, value: Any):
        if not isinstance(value, dict):
            raise doc.fail(key_path, f"expected a mapping, got {_kind(value)}")
        self.doc, self.key_path, self.value = doc, tuple(key_path), value

    def fail(self, key: Any, message: str):
        return self.doc.fail(self.key_path + ((key,) if key is not None else ()), message)

    def get(self, key: str, kind: type | tuple, default: Any = _MISSING) -> Any:
        if key not in self.value or self.value[key] is None:
            if default is _MISSING:
                raise self.fail(None, f"missing required key '{key}'")
            return default
        value = self.value[key]
        # bool is an int in Python; a manifest saying `points: true` is a mistake.
        if isinstance(value, bool) and bool not in _as_tuple(kind):
            raise self.fail(key, f"expected {_names(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(key, f"expected {_names(kind)}, got {_kind(value)}")
        return value

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self.get(key, str, default)
        if isinstance(value, str) and not value.strip() and default is _MISSING:
            raise self.fail(key, "must not be empty")
        return value

    def number(self, key: str, default: Any = _MISSING, minimum: float = 0) -> float:
        value = self.get(key, (int, float), default)
        if value is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def items(self, key: str, default: Any = _MISSING) -> list:
        value = self.get(key, list, default)
        return value

    def mapping(self, key: str) -> "Fields":
        return Fields(self.doc, self.key_path + (key,), self.get(key, dict))

    def item(self, key: str, index: int) -> "Fields":
        return Fields(self.doc, self.key_path + (key, index), self.value[key][index])

    def strings(self, key: str, default: Any = _MISSING) -> list[str]:
        value = self.items(key, default)
        for index, entry in enumerate(value or []):
            if not isinstance(entry, str) or not entry.strip():
                raise self.doc.fail(self.key_path + (key, index), "expected a non-empty string")
        return list(value or [])

    def only(self, allowed: set[str]) -> None:
        for key in self.value:
            if key not in allowed:
                raise self.fail(key, f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")


def _as_tuple(kind) -> tuple:
    return kind if isinstance(kind, tuple) else (kind,)


def _names(kind) -> str:
    names = {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a mapping"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )
