from __future__ import annotations

from typing import Any

import pytest

from annotator.core.schema import SchemaError, parse_schema, validate_attributes


def minimal(**label: Any) -> dict[str, Any]:
    return {"labels": [{"name": "Person", "kind": "entity", "color": "#ff0000", **label}]}


def test_the_shipped_news_schema_parses() -> None:
    import yaml

    from annotator.paths import SCHEMAS_DIR

    schema = parse_schema(yaml.safe_load((SCHEMAS_DIR / "news.yaml").read_text()))
    assert schema.label_names == [
        "Claim", "Quote", "Person", "Organization", "Location", "Event", "Other",
    ]  # fmt: skip
    assert {lab.kind for lab in schema.labels} == {"claim", "quote", "entity"}
    assert all(lab.key and lab.color and lab.description for lab in schema.labels)
    speaker = schema.relation("speaker")
    assert speaker is not None and speaker.allows("Quote", "Person")
    assert not speaker.allows("Claim", "Person")
    claimant = schema.relation("claimant")
    assert claimant is not None and claimant.allows("Claim", "Organization")
    claim = schema.label("Claim")
    assert claim is not None
    checkworthy = claim.attribute("checkworthy")
    assert checkworthy is not None and checkworthy.values == ("yes", "no", "unsure")


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        ({"labels": []}, ("labels",), "no labels"),
        ({"labels": [{"kind": "entity"}]}, ("labels", 0), "no name"),
        (minimal(color="blue-ish"), ("labels", 0, "color"), "unknown colour"),
        (minimal(kind="thing"), ("labels", 0, "kind"), "not one of"),
        (minimal(key="ab"), ("labels", 0, "key"), "single letter"),
        (minimal(key="l"), ("labels", 0, "key"), "reserved"),
        (minimal(colour="#fff"), ("labels", 0, "colour"), "unknown key"),
        (minimal(attributes=[{"name": "a", "values": [True, "no"]}]),
         ("labels", 0, "attributes", 0, "values", 0), "quote it"),
        ({"labels": [{"name": "A", "key": "a"}, {"name": "B", "key": "a"}]},
         ("labels", 1, "key"), "already bound at labels.0.key"),
        ({"labels": [{"name": "A"}, {"name": "A"}]}, ("labels", 1, "name"), "declared twice"),
        ({"labels": [{"name": "A"}], "relations": [{"name": "r", "from": ["A"], "to": ["B"]}]},
         ("relations", 0, "to", 0), "unknown label 'B'"),
    ],
)  # fmt: skip
def test_problems_name_the_field(data: Any, path: tuple[Any, ...], fragment: str) -> None:
    with pytest.raises(SchemaError) as info:
        parse_schema(data)
    assert info.value.path == path
    assert fragment in str(info.value)


def test_attribute_values_are_checked_against_the_label() -> None:
    schema = parse_schema(minimal(attributes=[{"name": "role", "values": ["a", "b"]}]))
    person = schema.labels[0]
    validate_attributes(person, {"role": "a"})
    with pytest.raises(SchemaError, match="not one of"):
        validate_attributes(person, {"role": "c"})
    with pytest.raises(SchemaError, match="no attribute"):
        validate_attributes(person, {"mood": "a"})


def test_schema_round_trips_through_plain_data() -> None:
    schema = parse_schema(
        {
            "labels": [
                {"name": "Quote", "kind": "quote", "color": "#00FF00", "key": "q",
                 "attributes": [{"name": "type", "values": ["direct", "indirect"], "default": "direct"}]},
                {"name": "Person", "color": "#f00", "key": 1},
            ],
            "relations": [{"name": "speaker", "from": "Quote", "to": ["Person"]}],
        }
    )  # fmt: skip
    assert parse_schema(schema.to_data()) == schema
    assert schema.label("Quote").color == "#00ff00"  # type: ignore[union-attr]
    assert schema.label_for_key("1").name == "Person"  # type: ignore[union-attr]


def test_document_labels_are_read_checked_and_written_back() -> None:
    from annotator.core.schema import DocumentLabelDef, parse_schema

    data = {
        "labels": [{"name": "Quote", "kind": "quote", "key": "q"}],
        "document_labels": [
            {"name": "topic", "values": ["politics", "economy", "sport"], "choice": "multiple"},
            {"name": "checkworthy", "values": ["yes", "no"], "key": "w"},
        ],
    }
    schema = parse_schema(data)
    topic = schema.document_label("topic")
    assert topic == DocumentLabelDef("topic", ("politics", "economy", "sport"), multiple=True)
    checkworthy = schema.document_label("checkworthy")
    assert checkworthy is not None and not checkworthy.multiple and checkworthy.key == "w"
    assert parse_schema(schema.to_data()) == schema
    assert topic.problem(["politics", "sport"]) is None
    assert "not one of" in (topic.problem(["weather"]) or "")
    assert "twice" in (topic.problem(["sport", "sport"]) or "")
    assert "one value" in (checkworthy.problem(["yes"]) or "")
    assert checkworthy.problem("yes") is None


@pytest.mark.parametrize(
    ("document_labels", "where", "message"),
    [
        ([{"name": "topic"}], "document_labels.0.values", "has no values"),
        ([{"name": "t", "values": ["a", "a"]}], "document_labels.0.values", "repeats"),
        (
            [{"name": "t", "values": ["a"], "choice": "many"}],
            "document_labels.0.choice",
            "single or multiple",
        ),
        ([{"name": "t", "values": ["a"], "key": "q"}], "document_labels.0.key", "already bound"),
        (
            [{"name": "t", "values": ["a"]}, {"name": "t", "values": ["b"]}],
            "document_labels.1.name",
            "twice",
        ),
    ],
)
def test_a_bad_document_label_names_where_it_is(
    document_labels: list[dict[str, object]], where: str, message: str
) -> None:
    from annotator.core.schema import SchemaError, parse_schema

    data = {
        "labels": [{"name": "Quote", "kind": "quote", "key": "q"}],
        "document_labels": document_labels,
    }
    with pytest.raises(SchemaError, match=message) as raised:
        parse_schema(data)
    assert ".".join(str(p) for p in raised.value.path) == where
