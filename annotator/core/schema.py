"""The label schema: labels, their kinds, keys and colours, relation types, attributes.

Parsed from plain data (what YAML gives) into typed objects. Every problem is
reported with the path of the offending field, which the io layer maps to a
line in project.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Path = tuple[str | int, ...]

LABEL_KINDS = ("claim", "quote", "entity")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_NAME = re.compile(r"^[^\s\x00-\x1f][^\x00-\x1f]*$")
# Keys a label may take: a single letter or digit (Qt's shortcut text for it).
_KEY = re.compile(r"^[a-z0-9]$")
RESERVED_KEYS = frozenset({"l"})
"""Keys the annotation window keeps for itself (l = link)."""


class SchemaError(ValueError):
    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class AttributeDef:
    name: str
    values: tuple[str, ...] = ()
    """Allowed values; empty means free text."""
    default: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Label:
    name: str
    kind: str
    color: str
    key: str | None = None
    description: str = ""
    attributes: tuple[AttributeDef, ...] = ()

    def attribute(self, name: str) -> AttributeDef | None:
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True, slots=True)
class RelationType:
    name: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    key: str | None = None
    description: str = ""

    def allows(self, source_label: str, target_label: str) -> bool:
        return source_label in self.sources and target_label in self.targets


@dataclass(frozen=True, slots=True)
class DocumentLabelDef:
    """A judgement about a whole document (topic, stance, "has a check-worthy
    claim"): one of ``values``, or any of them when ``multiple``."""

    name: str
    values: tuple[str, ...]
    multiple: bool = False
    key: str | None = None
    description: str = ""

    def problem(self, value: Any) -> str | None:
        """Why ``value`` cannot be this label's value (None: it can)."""
        chosen = value if isinstance(value, list | tuple) else [value]
        if not self.multiple and isinstance(value, list | tuple):
            return f"{self.name!r} takes one value, not a list"
        for item in chosen:
            if not isinstance(item, str) or item not in self.values:
                return f"{item!r} is not one of {', '.join(self.values)} ({self.name!r})"
        if len(set(chosen)) != len(chosen):
            return f"a value is chosen twice for {self.name!r}"
        return None


@dataclass(frozen=True, slots=True)
class LabelSchema:
    labels: tuple[Label, ...]
    relations: tuple[RelationType, ...] = ()
    document_labels: tuple[DocumentLabelDef, ...] = ()
    _by_name: dict[str, Label] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({label.name: label for label in self.labels})

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]

    def label(self, name: str) -> Label | None:
        return self._by_name.get(name)

    def label_for_key(self, key: str) -> Label | None:
        return next((lab for lab in self.labels if lab.key == key), None)

    def document_label(self, name: str) -> DocumentLabelDef | None:
        return next((d for d in self.document_labels if d.name == name), None)

    def relation(self, name: str) -> RelationType | None:
        return next((r for r in self.relations if r.name == name), None)

    def relations_between(self, source_label: str, target_label: str) -> list[RelationType]:
        return [r for r in self.relations if r.allows(source_label, target_label)]

    def with_labels(self, names: Sequence[str], kind: str = "entity") -> LabelSchema:
        """A copy with extra labels (for importing data with unknown labels)."""
        extra = []
        for n, name in enumerate(names):
            if self.label(name) is None:
                color = _FALLBACK_COLORS[(len(self.labels) + n) % len(_FALLBACK_COLORS)]
                extra.append(Label(name=name, kind=kind, color=color, key=None))
        return LabelSchema(
            labels=self.labels + tuple(extra),
            relations=self.relations,
            document_labels=self.document_labels,
        )

    def to_data(self) -> dict[str, Any]:
        """Plain data in the shape :func:`parse_schema` reads (for writing YAML)."""
        labels: list[dict[str, Any]] = []
        for lab in self.labels:
            item: dict[str, Any] = {"name": lab.name, "kind": lab.kind, "color": lab.color}
            if lab.key:
                item["key"] = lab.key
            if lab.description:
                item["description"] = lab.description
            if lab.attributes:
                item["attributes"] = [_attribute_data(a) for a in lab.attributes]
            labels.append(item)
        relations: list[dict[str, Any]] = []
        for rel in self.relations:
            r: dict[str, Any] = {
                "name": rel.name,
                "from": list(rel.sources),
                "to": list(rel.targets),
            }
            if rel.key:
                r["key"] = rel.key
            if rel.description:
                r["description"] = rel.description
            relations.append(r)
        data: dict[str, Any] = {"labels": labels, "relations": relations}
        if self.document_labels:
            data["document_labels"] = [_document_label_data(d) for d in self.document_labels]
        return data


def _document_label_data(defn: DocumentLabelDef) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": defn.name,
        "values": list(defn.values),
        "choice": "multiple" if defn.multiple else "single",
    }
    if defn.key:
        item["key"] = defn.key
    if defn.description:
        item["description"] = defn.description
    return item


def _attribute_data(attr: AttributeDef) -> dict[str, Any]:
    item: dict[str, Any] = {"name": attr.name}
    if attr.values:
        item["values"] = list(attr.values)
    if attr.default is not None:
        item["default"] = attr.default
    if attr.description:
        item["description"] = attr.description
    return item


_FALLBACK_COLORS = (
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3",
    "#fdb462", "#b3de69", "#fccde5", "#bc80bd", "#ccebc5",
)  # fmt: skip


def _expect_mapping(value: Any, path: Path) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SchemaError(path, f"expected a mapping, got {_kind(value)}")
    return value


def _expect_list(value: Any, path: Path) -> Sequence[Any]:
    if not isinstance(value, list):
        raise SchemaError(path, f"expected a list, got {_kind(value)}")
    return value


def _expect_str(value: Any, path: Path, *, allow_empty: bool = False) -> str:
    if isinstance(value, bool):
        raise SchemaError(
            path, f"{str(value).lower()} was read as a yes/no value; quote it to use it as text"
        )
    if not isinstance(value, str):
        raise SchemaError(path, f"expected text, got {_kind(value)}")
    if not allow_empty and not value.strip():
        raise SchemaError(path, "must not be empty")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _check_keys(item: Mapping[str, Any], allowed: set[str], path: Path) -> None:
    for key in item:
        if key not in allowed:
            raise SchemaError(
                (*path, key), f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})"
            )


def _parse_attribute(raw: Any, path: Path) -> AttributeDef:
    item = _expect_mapping(raw, path)
    _check_keys(item, {"name", "values", "default", "description"}, path)
    if "name" not in item:
        raise SchemaError(path, "attribute has no name")
    name = _expect_str(item["name"], (*path, "name"))
    values: tuple[str, ...] = ()
    if "values" in item:
        raw_values = _expect_list(item["values"], (*path, "values"))
        values = tuple(_expect_str(v, (*path, "values", i)) for i, v in enumerate(raw_values))
        if len(set(values)) != len(values):
            raise SchemaError((*path, "values"), "values are repeated")
    default = None
    if item.get("default") is not None:
        default = _expect_str(item["default"], (*path, "default"))
        if values and default not in values:
            raise SchemaError((*path, "default"), f"default {default!r} is not one of the values")
    description = _expect_str(item.get("description", ""), (*path, "description"), allow_empty=True)
    return AttributeDef(name=name, values=values, default=default, description=description)


def _parse_key(raw: Any, path: Path, taken: dict[str, Path]) -> str | None:
    if raw is None:
        return None
    key = _expect_str(str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw, path)
    key = key.lower()
    if not _KEY.match(key):
        raise SchemaError(path, f"key {key!r} must be a single letter or digit")
    if key in RESERVED_KEYS:
        raise SchemaError(path, f"key {key!r} is reserved by the annotation window")
    if key in taken:
        other = ".".join(str(p) for p in taken[key])
        raise SchemaError(path, f"key {key!r} is already bound at {other}")
    taken[key] = path
    return key


def parse_schema(data: Any, path: Path = ()) -> LabelSchema:
    """Validate plain data and build a :class:`LabelSchema`; raise :class:`SchemaError`."""
    root = _expect_mapping(data, path)
    _check_keys(root, {"labels", "relations", "document_labels"}, path)
    if "labels" not in root:
        raise SchemaError(path, "the schema has no labels")
    raw_labels = _expect_list(root["labels"], (*path, "labels"))
    if not raw_labels:
        raise SchemaError((*path, "labels"), "the schema has no labels")
    keys: dict[str, Path] = {}
    labels: list[Label] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_labels):
        lpath: Path = (*path, "labels", i)
        item = _expect_mapping(raw, lpath)
        _check_keys(item, {"name", "kind", "color", "key", "description", "attributes"}, lpath)
        if "name" not in item:
            raise SchemaError(lpath, "label has no name")
        name = _expect_str(item["name"], (*lpath, "name"))
        if not _NAME.match(name) or name != name.strip():
            raise SchemaError((*lpath, "name"), f"label name {name!r} has surrounding spaces")
        if name in seen:
            raise SchemaError((*lpath, "name"), f"label {name!r} is declared twice")
        seen.add(name)
        kind = _expect_str(item.get("kind", "entity"), (*lpath, "kind"))
        if kind not in LABEL_KINDS:
            raise SchemaError(
                (*lpath, "kind"), f"kind {kind!r} is not one of {', '.join(LABEL_KINDS)}"
            )
        color = _expect_str(
            item.get("color", _FALLBACK_COLORS[i % len(_FALLBACK_COLORS)]), (*lpath, "color")
        )
        if not _COLOR.match(color):
            raise SchemaError((*lpath, "color"), f"unknown colour {color!r} (use #rrggbb)")
        key = _parse_key(item.get("key"), (*lpath, "key"), keys)
        description = _expect_str(
            item.get("description", ""), (*lpath, "description"), allow_empty=True
        )
        attrs: list[AttributeDef] = []
        for j, raw_attr in enumerate(
            _expect_list(item.get("attributes", []), (*lpath, "attributes"))
        ):
            attr = _parse_attribute(raw_attr, (*lpath, "attributes", j))
            if any(a.name == attr.name for a in attrs):
                raise SchemaError(
                    (*lpath, "attributes", j, "name"), f"attribute {attr.name!r} is declared twice"
                )
            attrs.append(attr)
        labels.append(Label(name, kind, color.lower(), key, description, tuple(attrs)))
    relations: list[RelationType] = []
    for i, raw in enumerate(_expect_list(root.get("relations", []), (*path, "relations"))):
        rpath: Path = (*path, "relations", i)
        item = _expect_mapping(raw, rpath)
        _check_keys(item, {"name", "from", "to", "key", "description"}, rpath)
        if "name" not in item:
            raise SchemaError(rpath, "relation has no name")
        name = _expect_str(item["name"], (*rpath, "name"))
        if any(r.name == name for r in relations):
            raise SchemaError((*rpath, "name"), f"relation {name!r} is declared twice")
        ends: dict[str, tuple[str, ...]] = {}
        for end in ("from", "to"):
            raw_end = item.get(end)
            if raw_end is None:
                raise SchemaError(rpath, f"relation {name!r} has no '{end}' labels")
            names = (
                [raw_end]
                if isinstance(raw_end, str)
                else list(_expect_list(raw_end, (*rpath, end)))
            )
            for j, lab in enumerate(names):
                lab = _expect_str(lab, (*rpath, end, j))
                if lab not in seen:
                    raise SchemaError((*rpath, end, j), f"unknown label {lab!r}")
            ends[end] = tuple(names)
        key = _parse_key(item.get("key"), (*rpath, "key"), keys)
        description = _expect_str(
            item.get("description", ""), (*rpath, "description"), allow_empty=True
        )
        relations.append(RelationType(name, ends["from"], ends["to"], key, description))
    document_labels = _parse_document_labels(root.get("document_labels", []), path, keys)
    return LabelSchema(
        labels=tuple(labels), relations=tuple(relations), document_labels=document_labels
    )


def _parse_document_labels(
    raw: Any, path: Path, keys: dict[str, Path]
) -> tuple[DocumentLabelDef, ...]:
    found: list[DocumentLabelDef] = []
    for i, raw_item in enumerate(_expect_list(raw, (*path, "document_labels"))):
        dpath: Path = (*path, "document_labels", i)
        item = _expect_mapping(raw_item, dpath)
        _check_keys(item, {"name", "values", "choice", "key", "description"}, dpath)
        if "name" not in item:
            raise SchemaError(dpath, "document label has no name")
        name = _expect_str(item["name"], (*dpath, "name"))
        if any(d.name == name for d in found):
            raise SchemaError((*dpath, "name"), f"document label {name!r} is declared twice")
        values = [
            _expect_str(v, (*dpath, "values", j))
            for j, v in enumerate(_expect_list(item.get("values", []), (*dpath, "values")))
        ]
        if not values:
            raise SchemaError((*dpath, "values"), f"document label {name!r} has no values")
        if len(set(values)) != len(values):
            raise SchemaError((*dpath, "values"), f"document label {name!r} repeats a value")
        choice = _expect_str(item.get("choice", "single"), (*dpath, "choice"))
        if choice not in ("single", "multiple"):
            raise SchemaError((*dpath, "choice"), f"choice {choice!r} is not single or multiple")
        key = _parse_key(item.get("key"), (*dpath, "key"), keys)
        description = _expect_str(
            item.get("description", ""), (*dpath, "description"), allow_empty=True
        )
        found.append(DocumentLabelDef(name, tuple(values), choice == "multiple", key, description))
    return tuple(found)


def validate_attributes(label: Label, attributes: Mapping[str, Any]) -> None:
    """Raise :class:`SchemaError` if a span's attributes do not fit its label."""
    for name, value in attributes.items():
        attr = label.attribute(name)
        if attr is None:
            raise SchemaError(
                ("attributes", name), f"label {label.name!r} has no attribute {name!r}"
            )
        if value is None:
            continue
        if not isinstance(value, str):
            raise SchemaError(("attributes", name), f"value {value!r} is not text")
        if attr.values and value not in attr.values:
            raise SchemaError(
                ("attributes", name), f"{value!r} is not one of {', '.join(attr.values)}"
            )
