"""YAML in the two dialects sites are read in: 1.1 (Jekyll's Psych, PyYAML: ``17:00`` is
1020, ``no`` is false) and 1.2 (Hugo, Eleventy, Astro: both strings), on libyaml's safe
loader with a fast path for plain front matter; a tolerant loader for data files with
unknown tags; and :class:`FrontMatterError`, a problem with its line, which they raise.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

import yaml

__all__ = ["LOADERS", "FrontMatterError", "YamlDialect", "load_tolerant", "load_yaml"]


try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml: same results, slower
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


YamlDialect = Literal["1.1", "1.2"]


_STR_TAG: Final = "tag:yaml.org,2002:str"
_MAP_TAG: Final = "tag:yaml.org,2002:map"
_SEQ_TAG: Final = "tag:yaml.org,2002:seq"


class _NotPlain(Exception):
    """Front matter the fast path leaves to PyYAML's own constructor."""


class FrontMatterError(Exception):
    """A file whose front matter cannot be read: ``line`` and a message for the user."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _timestamp_or_text(loader: Any, node: yaml.ScalarNode) -> Any:
    # ``dtstart: 2027-02-30 18:00:00`` would otherwise raise a bare ValueError from inside
    # PyYAML; as text, the field's own check reports it with its key and line.
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


class _Yaml11(_BaseLoader):
    """libyaml's safe loader, YAML 1.1 as Ruby's Psych and PyYAML read it."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # Most nodes of front matter are plain strings (every key, most values); for them
        # PyYAML's bookkeeping (anchors, recursion) only returns node.value in the end.
        if node.__class__ is yaml.ScalarNode and node.tag == _STR_TAG:
            return node.value
        return super().construct_object(node, deep)

    def construct_document(self, node: yaml.Node) -> Any:
        # Front matter is a mapping of plain keys to scalars and small lists: built here
        # directly, it loads in half the time of PyYAML's generic, generator-based way.
        # Anything else (merge keys, other tags, a key that is no string) goes that way.
        if node.__class__ is yaml.MappingNode and node.tag == _MAP_TAG:
            try:
                return self._plain(node, {})
            except _NotPlain:
                pass
        return super().construct_document(node)

    def _plain(self, node: yaml.Node, seen: dict[int, Any]) -> Any:
        cls = node.__class__
        if cls is yaml.ScalarNode:
            if node.tag == _STR_TAG:
                return node.value
            return self.construct_object(node)
        known = seen.get(id(node))
        if known is not None:  # an alias: the same object, as PyYAML makes it (no copies)
            return known
        if cls is yaml.MappingNode and node.tag == _MAP_TAG:
            mapping: dict[Any, Any] = {}
            seen[id(node)] = mapping
            for key_node, value_node in node.value:
                if key_node.__class__ is not yaml.ScalarNode or key_node.tag != _STR_TAG:
                    raise _NotPlain  # "<<" merges, numbers or dates as keys
                mapping[key_node.value] = self._plain(value_node, seen)
            return mapping
        if cls is yaml.SequenceNode and node.tag == _SEQ_TAG:
            items: list[Any] = []
            seen[id(node)] = items
            items.extend(self._plain(item, seen) for item in node.value)
            return items
        raise _NotPlain

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        # The tag of a plain scalar depends on its text alone (no path resolvers here), and
        # the keys repeat in every file: remember them instead of trying each pattern again.
        # (types-PyYAML leaves Resolver.resolve untyped: hence the ignores.)
        if kind is yaml.ScalarNode and implicit[0]:
            cache = self._plain_tags
            tag = cache.get(value)
            if tag is None:
                tag = str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
                if len(cache) < 2048:  # the first files' keys fit; then it stops growing
                    cache[value] = tag
            return tag
        return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]

    _plain_tags: dict[str, str] = {}  # noqa: RUF012 - one cache per dialect, shared on purpose


_Yaml11.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


class _Yaml12(_Yaml11):
    """YAML 1.2's core schema, as js-yaml (Eleventy, Astro) and Go's yaml (Hugo) read it.

    Booleans are only true/false, integers have no sexagesimal (``17:00`` stays text) or
    ``0b``/``_`` forms, and ``yes``/``no``/``on``/``off`` are strings. Timestamps are kept:
    js-yaml and Hugo both read an unquoted ``2027-01-06 18:00:00`` as a date.
    """

    _plain_tags: dict[str, str] = {}  # noqa: RUF012 - its own: the tags differ from 1.1's


_Yaml12.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                           "tag:yaml.org,2002:float")]
    for first, resolvers in _Yaml11.yaml_implicit_resolvers.items()
}
_Yaml12.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
_Yaml12.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
_Yaml12.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+.0123456789"))


def _construct_int12(loader: Any, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 0) if text.startswith("0x") else int(text)


_Yaml12.add_constructor("tag:yaml.org,2002:int", _construct_int12)

LOADERS: dict[str, type[Any]] = {"1.1": _Yaml11, "1.2": _Yaml12}


def load_yaml(text: str, dialect: YamlDialect, first_line: int) -> Any:
    try:
        return yaml.load(text, Loader=LOADERS[dialect])  # noqa: S506 - safe loaders only
    except yaml.YAMLError as exc:
        raise FrontMatterError(*_yaml_problem(exc, text, first_line)) from None
    except RecursionError:
        raise FrontMatterError(first_line, "front matter is nested too deeply") from None


def _yaml_problem(exc: yaml.YAMLError, front: str, front_line: int) -> tuple[int, str]:
    """The file line and message for a YAML error in front matter that begins at front_line."""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    context = getattr(exc, "context", None)
    mark = problem_mark
    # "found unexpected end of stream" points past the last line; where the unclosed
    # thing began (a quote, a bracket) is where the user has to look.
    if context_mark is not None and (mark is None or mark.index >= len(front.rstrip())):
        mark = context_mark
    line = front_line + (mark.line if mark is not None else 1)
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if context and context_mark is not None:
        reason += f" ({context.removeprefix('while ')} from line {front_line + context_mark.line})"
    return line, f"front matter is not valid YAML: {reason}"


class _Tolerant(_Yaml11):
    pass


def _unknown_tag(loader: Any, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_Tolerant.add_multi_constructor("", _unknown_tag)


def load_tolerant(text: str, dialect: YamlDialect) -> Any:
    try:
        return yaml.load(text, Loader=_Tolerant)  # noqa: S506 - a safe loader subclass
    except yaml.YAMLError as exc:
        raise FrontMatterError(*_yaml_problem(exc, text, 1)) from None
    except RecursionError:
        raise FrontMatterError(1, "nested too deeply") from None
