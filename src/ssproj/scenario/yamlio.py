"""Safe YAML reading that remembers where every key came from.

`load_yaml_file` reads a YAML file with `SsprojLoader`, a subclass of
`yaml.SafeLoader`: only plain data (mappings, lists, strings, numbers,
booleans, null) is built, nothing in a file is executed. On top of
`yaml.SafeLoader` it

- uses the YAML 1.2 core schema for implicit types, so ``1e-3`` is a number
  (PyYAML's YAML 1.1 rules read it as a string), ``010`` is ten (not eight),
  ``no``/``on`` are strings (only ``true``/``false`` are booleans), ``1:20``
  is a string (not the sexagesimal 80) and dates stay strings;
- treats a key given twice in one mapping as an error;
- records the line of every key and list item, so a problem found later can
  cite ``file:line`` for a key path such as ``changes.x[2031]``;
- turns malformed YAML into a `Problem` with the file, line and the parser's
  message instead of a traceback.

Integer year keys (``{2024: 0.1}``) come out as Python ``int``.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ssproj.errors import MISSING, Problem

__all__ = [
    "SsprojLoader",
    "Where",
    "YamlDocument",
    "dump_yaml",
    "format_key_path",
    "is_finite_number",
    "load_yaml_file",
    "parse_yaml",
    "read_spec",
]

#: Stop walking a document whose aliases expand to more nodes than this
#: (a "billion laughs" document would otherwise hang the validator).
MAX_NODES = 1_000_000
#: Deepest nesting of mappings and lists a document may have (deeper ones would exhaust Python's
#: recursion limit in the parser; ssproj files need a few levels).
MAX_DEPTH = 64

_CORE_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:merge",
    "tag:yaml.org,2002:value",
}


class SsprojLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` with YAML 1.2 core scalars and duplicate-key errors.

    Duplicate keys are not raised at once: they are appended to
    ``self.problems`` (a list of `Problem`) so that every duplicate in a file
    is reported together.
    """

    def __init__(self, stream: Any, file: str | Path | None = None) -> None:
        super().__init__(stream)
        self.file = file
        self.problems: list[Problem] = []

    # -- core-schema scalars -------------------------------------------------
    def construct_core_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        sign = -1 if text.startswith("-") else 1
        body = text.lstrip("+-")
        if body.startswith("0o"):
            return sign * int(body[2:], 8)
        if body.startswith("0x"):
            return sign * int(body[2:], 16)
        return sign * int(body, 10)

    def construct_core_float(self, node: yaml.ScalarNode) -> float:
        text = str(self.construct_scalar(node)).lower()
        if text.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if text == ".nan":
            return float("nan")
        return float(text)

    def construct_core_bool(self, node: yaml.ScalarNode) -> bool:
        return str(self.construct_scalar(node)).lower() == "true"

    # -- mappings: duplicates are errors ------------------------------------
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping node, but found {node.id}", node.start_mark
            )
        mapping: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found an unhashable key (a list or mapping used as a key)",
                    key_node.start_mark,
                )
            line = key_node.start_mark.line + 1
            if key in mapping:
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        str(key),
                        MISSING,
                        f"duplicate key (first given at line {first_line[key]})",
                        "each key may appear only once in a mapping; remove one",
                    )
                )
            elif key == "<<":
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        "<<",
                        MISSING,
                        "YAML merge keys are not supported",
                        "use 'extends: other.yaml' to build on another scenario",
                    )
                )
            else:
                first_line[key] = line
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


# Replace PyYAML's YAML 1.1 implicit resolvers with the YAML 1.2 core schema.
SsprojLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _CORE_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SsprojLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
SsprojLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
SsprojLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
SsprojLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)
SsprojLoader.add_constructor("tag:yaml.org,2002:int", SsprojLoader.construct_core_int)
SsprojLoader.add_constructor("tag:yaml.org,2002:float", SsprojLoader.construct_core_float)
SsprojLoader.add_constructor("tag:yaml.org,2002:bool", SsprojLoader.construct_core_bool)


if getattr(yaml, "__with_libyaml__", False):

    class _FastSsprojLoader(yaml.CSafeLoader):
        """libyaml's parser with the same safe constructor and resolver as `SsprojLoader`.

        Several times faster on large assumption files. Used first; when a
        document does not parse, it is parsed again with `SsprojLoader` so
        that messages do not depend on whether libyaml is installed.
        """

        def __init__(self, stream: Any, file: str | Path | None = None) -> None:
            yaml.CSafeLoader.__init__(self, stream)
            self.file = file
            self.problems: list[Problem] = []

    for _name in ("construct_core_int", "construct_core_float", "construct_core_bool", "construct_mapping"):
        setattr(_FastSsprojLoader, _name, SsprojLoader.__dict__[_name])
    _FastSsprojLoader.yaml_implicit_resolvers = SsprojLoader.yaml_implicit_resolvers
    _FastSsprojLoader.yaml_constructors = dict(SsprojLoader.yaml_constructors)
    _LOADERS: tuple[type, ...] = (_FastSsprojLoader, SsprojLoader)
else:  # pragma: no cover - PyYAML without libyaml
    _LOADERS = (SsprojLoader,)


PathKey = tuple[Any, ...]
Locator = Callable[[PathKey], tuple["str | Path | None", "int | None"]]


def format_key_path(path: PathKey) -> str:
    """Render a key path: strings joined by dots, integers in brackets.

    Parameters
    ----------
    path : tuple
        Keys from the document root, e.g. ``("changes", "x", 2031)``.

    Returns
    -------
    str
        E.g. ``"changes.x[2031]"``.
    """
    out = ""
    for key in path:
        if isinstance(key, int) and not isinstance(key, bool):
            out += f"[{key}]"
        else:
            out += ("." if out else "") + str(key)
    return out


@dataclass
class YamlDocument:
    """A parsed YAML document with the line of every key.

    Parameters
    ----------
    data : object
        The parsed content (dicts, lists, str, int, float, bool, None).
    file : pathlib.Path or None
        Absolute path of the file, or None for in-memory input.
    label : str
        How problems name the document: the file path, or a label such as
        ``"<scenario dict>"``.
    lines : dict
        1-based line of each key path (tuples of keys and list indices).
    sha256 : str or None
        SHA-256 of the file's bytes (hex).
    base_dir : pathlib.Path
        Directory that relative paths inside the document are resolved
        against (the file's directory).
    """

    data: Any
    file: Path | None
    label: str
    lines: dict[PathKey, int] = field(default_factory=dict)
    sha256: str | None = None
    base_dir: Path = field(default_factory=Path.cwd)

    def line(self, path: PathKey) -> int | None:
        """Line of `path`, or of its nearest ancestor that has one.

        Parameters
        ----------
        path : tuple
            Key path from the document root.

        Returns
        -------
        int or None
            1-based line number, or None if nothing on the path has one.
        """
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def locate(self, path: PathKey) -> tuple[str | Path | None, int | None]:
        """`Locator` for this document: ``(file or label, line)``."""
        return (self.file if self.file is not None else self.label), self.line(path)

    def where(self, *path: Any) -> Where:
        """A `Where` pointing into this document at `path`."""
        return Where(self.locate, tuple(path))


class Where:
    """A position in a document, to build `Problem` objects from.

    Parameters
    ----------
    locate : callable
        ``locate(path) -> (file, line)``.
    path : tuple, default ()
        Key path of this position from the document root.
    """

    __slots__ = ("_locate", "path")

    def __init__(self, locate: Locator, path: PathKey = ()) -> None:
        self._locate = locate
        self.path = tuple(path)

    def __truediv__(self, key: Any) -> Where:
        return Where(self._locate, self.path + (key,))

    @classmethod
    def in_memory(cls, label: str | Path, path: PathKey = ()) -> Where:
        """A position in input given in memory, not read from a file: problems name `label` and no line."""
        return cls(lambda _path: (label, None), path)

    def child(self, *keys: Any) -> Where:
        """Position of a key (or key path) below this one."""
        return Where(self._locate, self.path + tuple(keys))

    @property
    def key_path(self) -> str:
        """Dotted key path, e.g. ``changes.x[2031]``. [str]"""
        return format_key_path(self.path)

    @property
    def file(self) -> str | Path | None:
        """File (or label) this position is in."""
        return self._locate(self.path)[0]

    @property
    def line(self) -> int | None:
        """1-based line of this position, if known."""
        return self._locate(self.path)[1]

    def problem(self, value: Any, expected: str, hint: str | None = None) -> Problem:
        """A `Problem` at this position.

        Parameters
        ----------
        value : object
            Offending value, or `MISSING` for a problem about the key.
        expected : str
            What is wrong (see `Problem`).
        hint : str, optional
            How to fix it.
        """
        file, line = self._locate(self.path)
        return Problem(file, line, self.key_path, value, expected, hint)

    def __repr__(self) -> str:
        return f"Where({self.key_path!r})"


def _line_map(node: yaml.Node, loader: SsprojLoader) -> tuple[dict[PathKey, int], str | None]:
    """Lines of all key paths below `node`; second item is an error, if any."""
    lines: dict[PathKey, int] = {(): node.start_mark.line + 1}
    count = 0
    on_stack: set[int] = set()
    # Iterative walk: (node, path); a marker entry pops the recursion guard.
    stack: list[tuple[yaml.Node | None, PathKey, int]] = [(node, (), 0)]
    while stack:
        current, path, leave = stack.pop()
        if current is None:
            on_stack.discard(leave)
            continue
        count += 1
        if count > MAX_NODES:
            return lines, f"document too large: its aliases expand to more than {MAX_NODES:,} nodes"
        if not isinstance(current, (yaml.MappingNode, yaml.SequenceNode)):
            continue
        if id(current) in on_stack:
            return lines, "recursive alias (an anchor used inside itself)"
        on_stack.add(id(current))
        stack.append((None, path, id(current)))
        if isinstance(current, yaml.MappingNode):
            children = []
            for key_node, value_node in current.value:  # forward: a repeated key keeps its last line
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = loader.construct_object(key_node)
                lines[path + (key,)] = key_node.start_mark.line + 1
                children.append((value_node, path + (key,), 0))
            stack.extend(reversed(children))
        else:
            for i, item in reversed(list(enumerate(current.value))):
                lines[path + (i,)] = item.start_mark.line + 1
                stack.append((item, path + (i,), 0))
    return lines, None


def _full_key_path(problem: Problem, lines: Mapping[PathKey, int]) -> Problem:
    """Give a duplicate-key problem the key's full path (the loader only knows the key)."""
    if problem.line is None:
        return problem
    for path, line in lines.items():
        if line == problem.line and path and str(path[-1]) == problem.key_path:
            return Problem(
                problem.file, problem.line, format_key_path(path), problem.value, problem.expected, problem.hint
            )
    return problem


def parse_yaml(
    text: str | bytes,
    file: str | Path | None = None,
    *,
    label: str | None = None,
    base_dir: Path | None = None,
) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML document safely, keeping line numbers.

    Parameters
    ----------
    text : str or bytes
        The YAML text (bytes are decoded as UTF-8).
    file : str or path-like, optional
        File the text came from, for messages and relative paths.
    label : str, optional
        Name used in messages when there is no file.
    base_dir : pathlib.Path, optional
        Directory for relative paths; default: the file's directory, else
        the current directory.

    Returns
    -------
    document : YamlDocument or None
        None if the text could not be parsed.
    problems : list of Problem
        Parse errors and duplicate keys. A document can come back together
        with problems (duplicate keys do not stop parsing).
    """
    path = Path(file).resolve() if file is not None else None
    where_label = label or (str(path) if path is not None else "<input>")
    source = path if path is not None else where_label
    if isinstance(text, bytes):
        digest = hashlib.sha256(text).hexdigest()
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [
                Problem(source, None, "", MISSING, f"is not UTF-8 text ({exc.reason} at byte {exc.start})")
            ]
    else:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        return _parse_text(text, source, path, where_label, digest, base_dir)
    except RecursionError:
        return None, [_too_deep(source, None)]


def _too_deep(source, line) -> Problem:
    return Problem(source, line, "", MISSING,
                   f"is nested too deeply to be read (more than {MAX_DEPTH} levels of mappings or lists)",
                   "ssproj files need only a few levels")


def _depth_problem(node, source) -> Problem | None:
    """A problem if `node` nests deeper than MAX_DEPTH (checked without recursion)."""
    stack = [(node, 1)]
    seen: set[int] = set()
    while stack:
        n, d = stack.pop()
        if id(n) in seen:  # an alias of a node already walked (recursive aliases: reported by _line_map)
            continue
        seen.add(id(n))
        if d > MAX_DEPTH:
            return _too_deep(source, n.start_mark.line + 1 if n.start_mark is not None else None)
        if isinstance(n, yaml.MappingNode):
            stack.extend((v, d + 1) for _, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend((v, d + 1) for v in n.value)
    return None


def _parse_text(text, source, path, where_label, digest, base_dir):
    data: Any
    lines: dict[PathKey, int]
    if len(_LOADERS) > 1:
        fast = _LOADERS[0](text, file=source)
        try:
            node = fast.get_single_node()
            deep = _depth_problem(node, source) if node is not None else None
            if deep is not None:
                return None, [deep]
            data = fast.construct_document(node) if node is not None else None
            lines, walk_error = _line_map(node, fast) if node is not None else ({}, None)
        except yaml.YAMLError:
            pass  # parse again below for the pure-Python parser's messages
        else:
            return _finish(fast, data, lines, walk_error, source, path, where_label, digest, base_dir)
        finally:
            fast.dispose()
    loader = SsprojLoader(text, file=source)
    try:
        node = loader.get_single_node()
        if node is None:
            data = None
            lines = {}
            walk_error = None
        else:
            deep = _depth_problem(node, source)
            if deep is not None:
                return None, [deep]
            data = loader.construct_document(node)
            lines, walk_error = _line_map(node, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = exc.problem or str(exc)
        if exc.context and exc.problem:
            message = f"{exc.problem} ({exc.context}"
            if exc.context_mark is not None and exc.context_mark is not mark:
                message += f" at line {exc.context_mark.line + 1}"
            message += ")"
        return None, loader.problems + [
            Problem(source, line, "", MISSING, f"invalid YAML: {message}")
        ]
    except yaml.YAMLError as exc:  # unmarked reader errors, e.g. control characters
        return None, loader.problems + [Problem(source, None, "", MISSING, f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    return _finish(loader, data, lines, walk_error, source, path, where_label, digest, base_dir)


def _finish(loader, data, lines, walk_error, source, path, where_label, digest, base_dir):
    """Wrap a parsed document with its problems (shared by both parsers)."""
    problems = [_full_key_path(p, lines) for p in loader.problems]
    if walk_error is not None:
        problems.append(Problem(source, None, "", MISSING, walk_error))
        return None, problems
    doc = YamlDocument(
        data=data,
        file=path,
        label=where_label,
        lines=lines,
        sha256=digest,
        base_dir=base_dir or (path.parent if path is not None else Path.cwd()),
    )
    return doc, problems


def load_yaml_file(path: str | Path) -> tuple[YamlDocument | None, list[Problem]]:
    """Read and parse a YAML file safely.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    document : YamlDocument or None
        None if the file is missing, unreadable or not valid YAML.
    problems : list of Problem
        What went wrong (file not found, parse error with line, duplicate
        keys).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        return None, [Problem(p.resolve(), None, "", MISSING, f"file not found: {p.resolve()}")]
    except IsADirectoryError:
        return None, [Problem(p.resolve(), None, "", MISSING, "is a directory, not a YAML file")]
    except OSError as exc:
        return None, [Problem(p.resolve(), None, "", MISSING, f"cannot be read: {exc.strerror}")]
    return parse_yaml(raw, p)


def read_spec(spec: Any, label: str, what: str) -> tuple[Any, Where, str, Path | None, list[Problem]]:
    """The raw data of a spec given as a mapping or as a YAML file, with where it came from.

    Parameters
    ----------
    spec : mapping, str or path-like
        The spec itself, or the YAML file holding it.
    label : str
        How problems name a spec given as a mapping, e.g. ``"<solve spec>"``.
    what : str
        What the spec is, for the message when `spec` is neither, e.g.
        ``"a solve spec"``.

    Returns
    -------
    data : object or None
        The parsed content; None if the file is missing or unreadable or
        `spec` is neither a mapping nor a path.
    where : Where
        The document's root position.
    label : str
        `label` for a mapping, the file's name for a file.
    base_dir : pathlib.Path or None
        The file's folder (relative paths in it are read from there); None
        for a mapping.
    problems : list of Problem
        What went wrong reading it.
    """
    if isinstance(spec, Mapping):
        return spec, Where.in_memory(label), label, None, []
    if not isinstance(spec, (str, os.PathLike)):
        return None, Where.in_memory(label), label, None, [
            Problem(label, None, "", spec, f"is not {what} (a mapping or a YAML file)")]
    path = Path(spec)
    doc, problems = load_yaml_file(path)
    if doc is None:
        return None, Where.in_memory(str(path)), path.name, path.parent, problems
    return doc.data, doc.where(), path.name, doc.base_dir, problems


def is_finite_number(value: Any) -> bool:
    """Whether `value` is a finite number as a spec may give it (int or float, NumPy's too; not a boolean)."""
    return (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
            and math.isfinite(value))


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes NumPy scalars as plain numbers.

    It quotes strings by the same YAML 1.2 core rules `SsprojLoader` reads
    with, so a string such as ``"1e3"`` is written quoted and read back as
    a string.
    """


_Dumper.yaml_implicit_resolvers = SsprojLoader.yaml_implicit_resolvers


def _represent_numpy(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
    return dumper.represent_data(value.item())


_Dumper.add_multi_representer(
    np.generic,  # type: ignore[type-abstract]  # abstract on purpose: the representer covers all NumPy scalars
    _represent_numpy,
)


def dump_yaml(data: Mapping[str, Any] | Any, *, flow: bool = False) -> str:
    """Write plain data as YAML (key order kept).

    Parameters
    ----------
    data : object
        Dicts, lists, str, numbers, booleans, None (NumPy scalars allowed).
    flow : bool, default False
        Write on one line in flow style (``{2030: 1.0, 2050: 0.9}``) and
        without the end-of-document marker, for inline display.

    Returns
    -------
    str
        YAML text that `parse_yaml` reads back to equal data.
    """
    text = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=flow,
        width=10_000 if flow else 80,
    )
    if flow:
        text = text.strip()
        if text.endswith("..."):
            text = text[:-3].strip()
    return text
