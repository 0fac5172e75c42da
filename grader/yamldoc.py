"""Load YAML keeping line numbers, so validation errors can name the file, key and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from grader.errors import ManifestError

KeyPath = tuple


@dataclass
class YamlDoc:
    path: Path
    data: Any
    lines: dict = field(default_factory=dict)

    def where(self, key_path: KeyPath) -> str:
        """`file: line N: key.path` for the deepest part of key_path that has a line."""
        line = None
        for cut in range(len(key_path), -1, -1):
            line = self.lines.get(tuple(key_path[:cut]))
            if line is not None:
                break
        dotted = format_key_path(key_path) or "(top level)"
        at = f"line {line}: " if line else ""
        return f"{self.path}: {at}{dotted}"

    def fail(self, key_path: KeyPath, message: str) -> ManifestError:
        return ManifestError(f"{self.where(key_path)}: {message}")


def format_key_path(key_path: KeyPath) -> str:
    out = ""
    for part in key_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_yaml(path: Path) -> YamlDoc:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot be read ({exc})") from None
    try:
        # libyaml's loader when PyYAML has it: several times faster, same API and results
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ManifestError(f"{path}: {where}not valid YAML ({problem})") from None
    lines: dict = {(): 1}
    if node is not None:
        _collect_lines(node, (), lines)
    return YamlDoc(Path(path), data, lines)


def _collect_lines(node, key_path: KeyPath, lines: dict) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            sub = key_path + (key_node.value,)
            lines[sub] = key_node.start_mark.line + 1
            _collect_lines(value_node, sub, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            sub = key_path + (index,)
            lines[sub] = item.start_mark.line + 1
            _collect_lines(item, sub, lines)
