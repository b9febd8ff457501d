"""`annotator suggest` and `annotator search`, and the `assist:` section of project.yaml."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from annotator.cli.app import main
from annotator.io.errors import ProjectProblem
from annotator.io.project import load_project, render_project_yaml

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLE = FIXTURES / "blinken-central-asia.txt"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def with_assist(project: Path, section: str) -> int:
    """Append an assist: section to project.yaml; returns the line it starts on."""
    config = project / "project.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + section, encoding="utf-8")
    return text.count("\n") + 1


@pytest.fixture
def imported(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert run(capsys, "import", str(project_dir), str(SAMPLE))[0] == 0
    return project_dir


def test_suggest_prints_quotes_with_their_speaker(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "suggest", str(imported), "--as", "ana", "--json")
    assert code == 0, err
    [doc] = json.loads(out)
    assert doc["document_id"] == 1 and doc["title"]
    text = SAMPLE.read_text(encoding="utf-8")
    [quote] = doc["suggestions"]
    assert quote["label"] == "Quote" and quote["source"] == "quote"
    assert text[quote["start"] : quote["end"]] == quote["text"]
    assert quote["speaker"]["text"] == "Blinken" and quote["speaker"]["label"] == "Person"
    code, out, _ = run(capsys, "suggest", str(imported), "--as", "ana", "--doc", "1")
    assert code == 0
    assert "Sometimes we just say those words" in out and "Blinken (Person)" in out
    assert "1 suggestions in 1 documents for ana" in out


def test_gazetteers_and_rules_from_project_yaml(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (imported / "places.txt").write_text("# capitals\nAstana\nTashkent\n\n", encoding="utf-8")
    with_assist(
        imported,
        "assist:\n"
        "  dictionary_from: everyone\n"
        "  quotes: {min_words: 3, speakers: false}\n"
        "  gazetteers:\n"
        "    - {label: Location, file: places.txt}\n"
        "  rules:\n"
        "    - {label: Other, pattern: '#G20'}\n"
        "    - {label: Person, pattern: '(?i)antony (?P<span>blinken)'}\n",
    )
    code, out, err = run(capsys, "suggest", str(imported), "--as", "ana", "--json")
    assert code == 0, err
    found = {(s["text"], s["label"], s["source"]) for s in json.loads(out)[0]["suggestions"]}
    assert {
        ("Astana", "Location", "gazetteer"),
        ("Tashkent", "Location", "gazetteer"),
        ("#G20", "Other", "rule"),
        ("Blinken", "Person", "rule"),
    } <= found
    quote = next(s for s in json.loads(out)[0]["suggestions"] if s["source"] == "quote")
    assert "speaker" not in quote
    code, out, _ = run(capsys, "suggest", str(imported), "--label", "Location", "--json")
    assert {s["label"] for s in json.loads(out)[0]["suggestions"]} == {"Location"}
    # Saving project.yaml (as the window's schema editor does) keeps the section.
    assert "places.txt" in render_project_yaml(load_project(imported))


def test_accept_stores_the_suggestions_as_spans(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "suggest", str(imported), "--accept", "--as", "ana")
    assert code == 0, err
    assert "Stored 2 spans and 1 relations in 1 documents as ana" in out
    code, out, _ = run(capsys, "docs", str(imported), "--json")
    assert json.loads(out)[0]["spans"] == {"ana": 2}
    # Now the dictionary knows Blinken: his other mentions are suggested.
    code, out, _ = run(capsys, "suggest", str(imported), "--as", "ana", "--json")
    found = json.loads(out)[0]["suggestions"]
    assert found and {(s["text"], s["source"]) for s in found} == {("Blinken", "dictionary")}
    code, out, _ = run(capsys, "suggest", str(imported), "--as", "bo", "--json")
    assert [s["source"] for s in json.loads(out)[0]["suggestions"]] == ["quote"]


def test_suggest_usage_errors(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "suggest", str(imported), "--accept")
    assert code == 2 and "--accept needs --as NAME" in err
    code, _, err = run(capsys, "suggest", str(imported), "--doc", "99")
    assert code == 2 and "no document with id 99" in err
    code, _, err = run(capsys, "suggest", str(imported), "--label", "Nope")
    assert code == 2 and "unknown label 'Nope'" in err


def test_search_command(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", str(imported), "tokayev")
    assert code == 0, err
    assert out.startswith("     1  ") and "Kassym-Jomart [Tokayev]" in out
    assert "1 documents match 'tokayev'" in out
    code, out, _ = run(capsys, "search", str(imported), '"central asian"', "--json")
    data = json.loads(out)
    text = SAMPLE.read_text(encoding="utf-8")
    assert data["total"] == 1
    start, end = data["hits"][0]["matches"][0]
    assert text[start:end] == "Central Asian"
    code, out, _ = run(capsys, "search", str(imported), "nothing-like-it")
    assert code == 0 and "0 documents match" in out
    code, _, err = run(capsys, "search", str(imported), "  *  ")
    assert code == 2 and err == "annotator: query: nothing to search for in '  *  '\n"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("section", "line", "message"),
    [
        ("assist:\n  colour: red\n", 1, "assist.colour: unknown key"),
        ("assist:\n  dictionary_from: all\n", 1, "expected one of mine, everyone, off"),
        ("assist:\n  rules:\n    - {label: Other, pattern: '(unclosed'}\n", 2,
         "assist.rules.0.pattern: not a valid regular expression"),
        ("assist:\n  rules:\n    - {label: Other, pattern: 'a*'}\n", 2, "matches empty text"),
        ("assist:\n  rules:\n    - {label: Nobody, pattern: 'x'}\n", 2,
         "assist.rules.0.label: unknown label 'Nobody'"),
        ("assist:\n  gazetteers:\n    - {label: Location, file: missing.txt}\n", 2,
         "assist.gazetteers.0.file: no such file"),
        ("assist:\n  quotes:\n    min_words: zero\n", 2, "assist.quotes.min_words: expected"),
        ("assist:\n  quotes:\n    relation: said_by\n", 2, "unknown relation type 'said_by'"),
        ("assist:\n  spacy:\n    model: en_core_web_sm\n    labels: {PERSON: Human}\n", 3,
         "assist.spacy.labels.PERSON: unknown label 'Human'"),
        ("assist:\n  spacy: {labels: {PERSON: Person}}\n", 1, "assist.spacy.model"),
        ("assist:\n  spacy:\n    model: ./ner\n    labels: {PERSON: Person}\n", 2,
         "assist.spacy.model: no saved spaCy pipeline (config.cfg) in "),
    ],
)  # fmt: skip
def test_assist_section_problems_name_the_line(
    project_dir: Path, section: str, line: int, message: str
) -> None:
    first = with_assist(project_dir, section)
    with pytest.raises(ProjectProblem) as problem:
        load_project(project_dir)
    text = str(problem.value)
    assert message in text
    assert text.startswith(f"{project_dir / 'project.yaml'}:{first + line}: ")
    assert "\n" not in text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_spacy_model_that_is_not_installed_gives_no_model_suggestions(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "import", str(project_dir), str(SAMPLE))[0] == 0
    with_assist(
        project_dir, "assist:\n  spacy:\n    model: xx_no_such_model\n    labels: {PER: Person}\n"
    )
    code, out, err = run(capsys, "suggest", str(project_dir), "--json")
    assert code == 0, err
    assert {s["source"] for s in json.loads(out)[0]["suggestions"]} == {"quote"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_saved_spacy_pipeline_in_the_project_suggests_entities(
    imported: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The way users point project.yaml at their own model: a pipeline saved with
    nlp.to_disk(), here a real spaCy tokenizer and entity ruler."""
    import spacy  # a dev dependency

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([
        {"label": "PERSON", "pattern": "Blinken"},
        {"label": "GPE", "pattern": [{"LOWER": "astana"}]},
        {"label": "NORP", "pattern": "Central Asian"},
    ])  # fmt: skip
    (imported / "models").mkdir()
    nlp.to_disk(imported / "models" / "ner")
    with_assist(
        imported,
        "assist:\n  dictionary_from: 'off'\n  spacy:\n    model: models/ner\n"
        "    labels: {PERSON: Person, GPE: Location}\n",
    )
    monkeypatch.chdir(imported.parent)  # relative to the project, not the working folder
    code, out, err = run(capsys, "suggest", str(imported), "--json")
    assert code == 0, err
    found = [s for s in json.loads(out)[0]["suggestions"] if s["source"] == "model"]
    text = SAMPLE.read_text(encoding="utf-8")
    assert {(s["text"], s["label"]) for s in found} == {
        ("Blinken", "Person"),
        ("Astana", "Location"),
    }
    assert all(text[s["start"] : s["end"]] == s["text"] for s in found)
    assert sum(s["text"] == "Astana" for s in found) == text.count("Astana")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_gazetteers_are_read_again_when_they_change(project_dir: Path) -> None:
    places = project_dir / "places.txt"
    places.write_text("\ufeffAstana\n", encoding="utf-8")  # a BOM is not part of the name
    with_assist(project_dir, "assist:\n  gazetteers:\n    - {label: Location, file: places.txt}\n")
    settings = load_project(project_dir).assist
    assert [t.text for t in settings.suggest_config().terms] == ["Astana"]
    places.write_text("Astana\nTashkent\n", encoding="utf-8")
    os.utime(places, (1, 1))
    assert [t.text for t in settings.suggest_config().terms] == ["Astana", "Tashkent"]
    places.unlink()
    with pytest.raises(ProjectProblem, match="cannot read the gazetteer"):
        settings.suggest_config()
