"""Safe, fast YAML/JSON document loading with lazy line lookup.

Each file is parsed once with PyYAML's C loader. We keep the composed node tree only while the
file is being analysed, so a finding's JSON pointer can be turned into a line number for free;
the tree is dropped afterwards (memory stays bounded by the largest single file). Alias bombs,
recursive anchors and absurd nesting are refused per document with a one-line reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from seawall.sources.pointer import split_pointer

try:  # the C loader is ~10x faster; fall back for platforms without libyaml
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

#: Plain-scalar text -> implicit tag, shared by every load (bounded; Kubernetes manifests repeat
#: the same keys and values thousands of times).
_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_MAX = 1 << 16


class _Loader(_BaseLoader):
    """The safe C loader with PyYAML's Python-side tag resolution made cheap.

    The C parser calls back into Python for every node: ``resolve`` (a regex scan over the
    implicit resolvers for each plain scalar) and ``descend/ascend_resolver`` (no-ops without
    path resolvers, which the safe loader never has). Resolving a plain scalar depends only on
    its text then, so it is memoised; a corpus parse is about a fifth faster, same values.
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return _STR  # quoted or block scalar: always a string without path resolvers
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = _BaseLoader.resolve(self, kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
                    _PLAIN_TAGS[value] = tag
            return tag
        return _MAP if kind is yaml.MappingNode else _SEQ


    def construct_yaml_int(self, node: Any) -> Any:
        try:
            return _BaseLoader.construct_yaml_int(self, node)
        except ValueError:  # over Python's int-from-text limit (4,300 digits; a CPU-exhaustion guard)
            digits = sum(ch.isdigit() for ch in str(node.value))
            raise _value_error(node, f"integer of {digits} digits is too long") from None

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return _BaseLoader.construct_yaml_timestamp(self, node)
        except (ValueError, OverflowError) as err:  # the YAML pattern matches, the date does not exist
            raise _value_error(node, f"invalid timestamp {node.value!r}: {err}") from None


def _value_error(node: Any, problem: str) -> yaml.constructor.ConstructorError:
    """A scalar the YAML grammar accepts but Python cannot represent: an error of its document
    (with the scalar's line), not of the whole run."""
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)

if _BaseLoader.yaml_path_resolvers:  # pragma: no cover - someone registered one globally
    _Loader = _BaseLoader  # type: ignore[misc,assignment]

#: Upper bound on the number of nodes a document expands to when aliases are followed.
MAX_EXPANDED_NODES = 1_000_000

_SOURCE_RE = re.compile(r"^# Source: (.+?)\s*$", re.MULTILINE)


class DocumentError(Exception):
    """A document could not be loaded; ``str()`` is one line."""


@dataclass(slots=True)
class Document:
    """One YAML document: its index in the stream, its value, and the node tree for lines."""

    index: int
    value: Any
    node: yaml.Node | None
    line: int  # 1-based first line of the document content
    source: str = ""  # Helm `# Source:` template, if any
    error: str = ""  # non-empty: this document failed to load
    lines: LineIndex | None = None  # built on the first line lookup


def _expanded_size(root: yaml.Node) -> int:
    """Nodes the document expands to with aliases followed; raises on cycles or bombs."""
    memo: dict[int, int] = {}
    on_stack: set[int] = set()
    # Iterative post-order DFS: PyYAML nodes can be deeply nested, recursion would overflow.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            on_stack.discard(nid)
            total = 1
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    total += memo[id(k)] + memo[id(v)]
            elif isinstance(node, yaml.SequenceNode):
                for v in node.value:
                    total += memo[id(v)]
            if total > MAX_EXPANDED_NODES:
                raise DocumentError(f"YAML alias expansion exceeds {MAX_EXPANDED_NODES:,} nodes (alias bomb?)")
            memo[nid] = total
            continue
        if nid in memo:
            continue
        if nid in on_stack:
            raise DocumentError("recursive YAML alias")
        on_stack.add(nid)
        stack.append((node, True))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                for child in (k, v):
                    if id(child) not in memo:
                        stack.append((child, False))
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                if id(v) not in memo:
                    stack.append((v, False))
    return memo[id(root)]


#: Scalar tags the fast path hands to PyYAML's own constructor, one node at a time.
_PLAIN_SCALARS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("null", "bool", "int", "float", "timestamp")
)


class _Slow(Exception):
    """The document needs PyYAML's full constructor (merge keys, tags, non-string keys...)."""


def _fast_value(loader: Any, node: yaml.Node) -> Any:
    """``loader.construct_document(node)`` for the common case of an alias-free document of
    string-keyed maps, lists and plain scalars, without PyYAML's per-node generator machinery.
    Anything else raises :class:`_Slow` and the caller constructs the document the usual way."""
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _STR:
            return node.value
        if tag in _PLAIN_SCALARS:
            return loader.construct_object(node)
        raise _Slow
    if isinstance(node, yaml.MappingNode):
        if tag != _MAP:
            raise _Slow
        out: dict[Any, Any] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode) or k.tag != _STR:
                raise _Slow
            out[k.value] = _fast_value(loader, v)
        return out
    if isinstance(node, yaml.SequenceNode):
        if tag != _SEQ:
            raise _Slow
        return [_fast_value(loader, v) for v in node.value]
    raise _Slow


def _construct(loader: Any, node: yaml.Node, may_alias: bool) -> Any:
    if not may_alias:
        try:
            return _fast_value(loader, node)
        except (_Slow, RecursionError):
            pass
        finally:
            loader.constructed_objects = {}
    return loader.construct_document(node)


def _mark_text(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    if mark is not None:
        return f"line {mark.line + 1}: {problem}"
    return str(problem)


def iter_documents(text: str) -> Iterator[Document]:
    """Yield every document of a YAML stream. A syntax error ends the stream (the parser cannot
    resynchronise) after yielding one Document with ``error`` set."""
    sources = [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _SOURCE_RE.finditer(text)]
    # Aliases need anchors: without '&' in the text no document can expand, skip the bomb check.
    may_alias = "&" in text and "*" in text
    loader = _Loader(text)
    index = 0
    prev_end = 0
    try:
        while True:
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
            except yaml.YAMLError as err:
                yield Document(index, None, None, prev_end + 1, error=f"invalid YAML: {_mark_text(err)}")
                return
            if node is None:  # pragma: no cover - check_node guarantees a node
                break
            start = node.start_mark.line + 1
            source = ""
            if sources:
                for line, name in sources:
                    if prev_end < line <= start:
                        source = name
            prev_end = node.end_mark.line + 1
            try:
                if may_alias:
                    _expanded_size(node)
                value = _construct(loader, node, may_alias)
            except DocumentError as err:
                yield Document(index, None, None, start, source, error=str(err))
                index += 1
                continue
            except RecursionError:
                yield Document(index, None, None, start, source, error="YAML nesting too deep")
                index += 1
                continue
            except yaml.YAMLError as err:
                yield Document(index, None, None, start, source, error=f"invalid YAML: {_mark_text(err)}")
                index += 1
                continue
            yield Document(index, value, node, start, source)
            index += 1
    except RecursionError:
        yield Document(index, None, None, prev_end + 1, error="YAML nesting too deep")
    finally:
        loader.dispose()


def line_of(node: yaml.Node | None, pointer: str, default: int) -> int:
    """1-based line of the field at ``pointer``; the deepest existing ancestor if it is absent.

    For a mapping key we report the key's line (where a reader looks for the field).
    """
    if node is None:
        return default
    line = node.start_mark.line + 1
    for seg in split_pointer(pointer):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == seg:
                    line = k.start_mark.line + 1
                    node = v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode):
            try:
                node = node.value[int(seg)]
            except (ValueError, IndexError):
                return line
            line = node.start_mark.line + 1
        else:
            return line
    return line


class LineIndex:
    """Memoised pointer -> line lookups for one document.

    Findings cluster on the same objects and containers, so resolving each pointer from the root
    (a linear scan of every mapping on the way) wastes most of the work. Here every prefix is
    resolved once, and each mapping node's keys are indexed in a dict on first use.
    """

    __slots__ = ("_keys", "_resolved", "_root")

    def __init__(self, root: yaml.Node) -> None:
        self._root = root
        self._resolved: dict[str, tuple[yaml.Node | None, int]] = {"": (root, root.start_mark.line + 1)}
        self._keys: dict[int, dict[str, tuple[yaml.Node, int]]] = {}

    def keys_of(self, node: yaml.Node | None) -> dict[str, tuple[yaml.Node, int]] | None:
        """A mapping node's children by key, with each key's line (the first of duplicate keys);
        None for any other node. Built once per node."""
        if not isinstance(node, yaml.MappingNode):
            return None
        keys = self._keys.get(id(node))
        if keys is None:
            keys = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value not in keys:
                    keys[k.value] = (v, k.start_mark.line + 1)
            self._keys[id(node)] = keys
        return keys

    def _child(self, node: yaml.Node, seg: str) -> tuple[yaml.Node, int] | None:
        if isinstance(node, yaml.MappingNode):
            keys = self._keys.get(id(node)) or self.keys_of(node)
            return keys.get(seg) if keys is not None else None
        if isinstance(node, yaml.SequenceNode):
            try:
                child = node.value[int(seg)]
            except (ValueError, IndexError):
                return None
            return child, child.start_mark.line + 1
        return None

    def _resolve(self, pointer: str) -> tuple[yaml.Node | None, int]:
        hit = self._resolved.get(pointer)
        if hit is not None:
            return hit
        parent, _, last = pointer.rpartition("/")
        pnode, pline = self._resolve(parent)
        seg = last.replace("~1", "/").replace("~0", "~") if "~" in last else last
        child = self._child(pnode, seg) if pnode is not None else None
        result: tuple[yaml.Node | None, int] = (child[0], child[1]) if child else (None, pline)
        self._resolved[pointer] = result
        return result

    def resolve(self, pointer: str) -> tuple[yaml.Node | None, int]:
        """The node at ``pointer`` (None when absent) and the line of it or of its deepest
        existing ancestor: what :meth:`line` answers for a pointer not ending in '/'."""
        return self._resolve(pointer)

    def child(self, node: yaml.Node | None, seg: str, line: int) -> tuple[yaml.Node | None, int]:
        """:meth:`resolve` one segment further: the child ``seg`` (an unescaped key or a list
        index) of ``node``, which :meth:`resolve` gave with ``line``. For walks that already
        hold the parent, without building and parsing the child's pointer."""
        hit = self._child(node, seg) if node is not None else None
        return hit if hit is not None else (None, line)

    def line(self, pointer: str) -> int:
        """Line of the field at ``pointer``, or of its deepest existing ancestor."""
        hit = self._resolved.get(pointer)
        if hit is not None and not pointer.endswith("/"):  # resolved before (and not a "/x/" form)
            return hit[1]
        if pointer.count("/") > 200:  # pathological pointer: fall back to the plain walk
            return line_of(self._root, pointer, self._root.start_mark.line + 1)
        return self._resolve(pointer.rstrip("/") if pointer != "/" else "")[1]
