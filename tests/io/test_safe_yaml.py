"""The bounded YAML loader: libyaml's parser when it is there, PyYAML's words on errors."""

from __future__ import annotations

import pytest
import yaml

from annotator.io import safe_yaml

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 10)}]\n" for n in range(6)
)
SCHEMA = "schema:\n  labels:\n" + "".join(f"  - name: Topic {n}\n    key: k\n" for n in range(300))


def test_the_same_data_as_safe_load() -> None:
    text = SCHEMA + "anchors: &x {a: 1, b: [yes, 2.5, null, '2024-01-01']}\nagain: *x\n"
    node, data = safe_yaml.load_node(text)
    assert data == yaml.safe_load(text)
    assert node is not None and node.value[0][0].start_mark.line == 0


@pytest.mark.skipif(not safe_yaml.HAVE_LIBYAML, reason="PyYAML without libyaml")
def test_libyaml_parses_and_keeps_the_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    original = safe_yaml._compose_and_construct

    def spy(loader: object) -> object:
        used.append(type(loader).__name__)
        return original(loader)  # type: ignore[arg-type]

    monkeypatch.setattr(safe_yaml, "_compose_and_construct", spy)
    safe_yaml.load_node(SCHEMA)
    assert used == ["_FastBoundedLoader"]
    with pytest.raises(safe_yaml.YamlLimitError, match="over 100,000 values") as refused:
        safe_yaml.load_node(BOMB)
    # The alias that went over, the same one PyYAML's own parser names.
    with pytest.raises(safe_yaml.YamlLimitError) as by_pyyaml:
        safe_yaml.BoundedLoader(BOMB).get_single_node()
    assert refused.value.problem_mark.line == by_pyyaml.value.problem_mark.line == 4
    assert used == ["_FastBoundedLoader", "_FastBoundedLoader"]  # refused without a second read


def test_syntax_errors_are_told_in_pyyaml_words() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as error:
        safe_yaml.load_node("name: x\nschema: a: b\n")
    assert error.value.problem == "mapping values are not allowed here"
    assert error.value.problem_mark is not None and error.value.problem_mark.line == 1
