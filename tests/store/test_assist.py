"""Suggestions over the database: list, reject, accept (one or all), annotate all
matches, each edit one undoable command; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from annotator.core.find import FindOptions
from annotator.core.model import DocumentDraft
from annotator.core.suggest import SuggestConfig
from annotator.io.project import load_project
from annotator.store import assist, repository
from annotator.store.models import RejectedSuggestion

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLE = (FIXTURES / "blinken-central-asia.txt").read_text(encoding="utf-8")
OTHER = "Blinken met Tokayev in Astana. “We share the same goals here,” Tokayev said."


@pytest.fixture
def setup(project_dir: Path, project_db: Any) -> tuple[Any, Any, int, int]:
    project = load_project(project_dir)
    with project_db.session() as session:
        a, b = repository.insert_documents(
            session, [DocumentDraft(SAMPLE, title="Sample"), DocumentDraft(OTHER, title="Other")]
        )
    assert a is not None and b is not None
    return project, project_db, a, b


def suggestions(db: Any, project: Any, doc: int, who: str = "ana", **kw: Any) -> list[Any]:
    config = kw.pop("config", SuggestConfig())
    with db.reader() as session:
        return assist.list_suggestions(session, doc, who, project.schema, config)


def add(db: Any, doc: int, who: str, label: str, needle: str, text: str) -> Any:
    start = text.index(needle)
    with db.session() as session:
        return repository.add_span(session, doc, who, label, start, start + len(needle))


def spans(db: Any, doc: int, who: str = "ana") -> list[tuple[str, str]]:
    with db.reader() as session:
        return [(s.label, s.text) for s in repository.list_spans(session, doc, [who])]


def relations(db: Any, doc: int) -> list[Any]:
    with db.reader() as session:
        return repository.list_relations(session, doc)


def test_dictionary_is_mine_or_everyones(setup: Any) -> None:
    project, db, a, b = setup
    add(db, b, "bo", "Person", "Tokayev", OTHER)
    add(db, b, "ana", "Location", "Astana", OTHER)
    mine = [(s.text, s.label) for s in suggestions(db, project, a) if s.source == "dictionary"]
    assert set(mine) == {("Astana", "Location")}
    everyone = SuggestConfig(dictionary_from="everyone")
    theirs = [
        (s.text, s.label)
        for s in suggestions(db, project, a, config=everyone)
        if s.source == "dictionary"
    ]
    assert set(theirs) == {("Astana", "Location"), ("Tokayev", "Person")}
    off = SuggestConfig(dictionary_from="off")
    assert not [s for s in suggestions(db, project, a, config=off) if s.source == "dictionary"]


def test_existing_spans_are_not_suggested_and_rejections_do_not_come_back(setup: Any) -> None:
    project, db, _, b = setup
    add(db, b, "ana", "Person", "Tokayev", OTHER)  # the first Tokayev
    found = suggestions(db, project, b)
    texts = [(s.label, s.text) for s in found]
    assert texts.count(("Person", "Tokayev")) == 1  # the second one only
    quote = next(s for s in found if s.source == "quote")
    store = assist.AssistEditStore(db)
    command = assist.reject_command(b, "ana", [quote])
    command.do(store)
    assert quote.key not in {s.key for s in suggestions(db, project, b)}
    with db.reader() as session:
        assert session.scalar(select(func.count(RejectedSuggestion.id))) == 1
        assert assist.rejected_keys(session, b, "ana") == {quote.key}
        assert assist.rejected_keys(session, b, "bo") == set()
    # Someone else still gets it; undo brings it back for ana.
    assert quote.key in {s.key for s in suggestions(db, project, b, who="bo")}
    command.undo(store)
    assert quote.key in {s.key for s in suggestions(db, project, b)}
    command.do(store)
    command.do(store)  # rejecting twice is not an error
    assert quote.key not in {s.key for s in suggestions(db, project, b)}


def test_accept_one_makes_my_span_and_undo_takes_it_back(setup: Any) -> None:
    project, db, _, b = setup
    add(db, b, "ana", "Person", "Tokayev", OTHER)  # the first; the second is suggested
    store = assist.AssistEditStore(db)
    suggestion = next(s for s in suggestions(db, project, b) if s.text == "Tokayev")
    with db.reader() as session:
        command = assist.accept_command(session, b, "ana", [suggestion], project.schema)
    changes = command.do(store)
    assert [(s.label, s.text, s.annotator) for s in changes.added_spans.values()] == [
        ("Person", "Tokayev", "ana")
    ]
    span_id = next(iter(changes.added_spans))
    assert spans(db, b).count(("Person", "Tokayev")) == 2
    assert suggestion.key not in {s.key for s in suggestions(db, project, b)}
    command.undo(store)
    assert spans(db, b).count(("Person", "Tokayev")) == 1
    assert suggestion.key in {s.key for s in suggestions(db, project, b)}
    redo = command.do(store)
    assert list(redo.added_spans) == [span_id]  # the same id again


def test_accept_all_is_one_command_with_speakers_linked(setup: Any) -> None:
    project, db, a, b = setup
    add(db, b, "ana", "Person", "Blinken", OTHER)
    store = assist.AssistEditStore(db)
    found = suggestions(db, project, a)
    quotes = [s for s in found if s.source == "quote"]
    assert len(quotes) == 1 and quotes[0].speaker is not None
    before = len(spans(db, a))
    with db.reader() as session:
        command = assist.accept_command(session, a, "ana", found, project.schema)
    assert command.text == f"Accept {len(found)} suggestions"
    changes = command.do(store)
    after = spans(db, a)
    # Every suggestion became a span; the speaker "Blinken" was already one of them.
    assert len(after) == before + len(found)
    rels = relations(db, a)
    assert len(rels) == 1 and rels[0].type == "speaker" and rels[0].annotator == "ana"
    with db.reader() as session:
        source = repository.get_span(session, rels[0].source_id)
        target = repository.get_span(session, rels[0].target_id)
    assert (source.label, target.label, target.text) == ("Quote", "Person", "Blinken")
    assert target.start == quotes[0].speaker.start
    assert len(changes.added_relations) == 1
    assert suggestions(db, project, a) == []
    command.undo(store)
    assert len(spans(db, a)) == before and relations(db, a) == []
    command.do(store)
    assert [r.id for r in relations(db, a)] == [rels[0].id]
    assert len(spans(db, a)) == before + len(found)


def test_a_speaker_i_annotated_is_linked_not_duplicated(setup: Any) -> None:
    project, db, _, b = setup
    store = assist.AssistEditStore(db)
    quote = next(s for s in suggestions(db, project, b) if s.source == "quote")
    assert quote.speaker is not None and quote.speaker.text == "Tokayev"
    add(db, b, "ana", "Person", "Tokayev", OTHER)  # the first: not the speaker
    start = OTHER.rindex("Tokayev")
    with db.session() as session:
        speaker = repository.add_span(session, b, "ana", "Person", start, start + 7)
    with db.reader() as session:
        command = assist.accept_command(session, b, "ana", [quote], project.schema)
    changes = command.do(store)
    assert len(changes.added_spans) == 1  # the quote only
    assert [(r.source_id, r.target_id) for r in relations(db, b)] == [
        (next(iter(changes.added_spans)), speaker.id)
    ]
    command.undo(store)
    assert relations(db, b) == []
    assert spans(db, b) == [("Person", "Tokayev"), ("Person", "Tokayev")]


def test_speaker_without_a_span_becomes_one(setup: Any) -> None:
    project, db, _, b = setup
    store = assist.AssistEditStore(db)
    quote = next(s for s in suggestions(db, project, b) if s.source == "quote")
    with db.reader() as session:
        command = assist.accept_command(session, b, "ana", [quote], project.schema)
    changes = command.do(store)
    assert sorted((s.label, s.text) for s in changes.added_spans.values()) == [
        ("Person", "Tokayev"),
        ("Quote", "We share the same goals here"),
    ]
    command.undo(store)
    assert spans(db, b) == []


def test_annotate_all_matches_in_a_document_and_the_project(setup: Any) -> None:
    _, db, a, b = setup
    add(db, a, "ana", "Person", "Blinken", SAMPLE)
    store = assist.AssistEditStore(db)
    whole = FindOptions(whole_word=True, case_sensitive=True)
    with db.reader() as session:
        here = assist.plan_annotate_all(session, "Blinken", "Person", "ana", whole, document_id=a)
        everywhere = assist.plan_annotate_all(session, "Blinken", "Person", "ana", whole)
        loose = assist.plan_annotate_all(session, "blink", "Person", "ana")  # substring, any case
    assert here.count == SAMPLE.count("Blinken") - 2  # one annotated, one in @SecBlinken
    assert here.skipped == 1
    assert everywhere.count == here.count + 1 and everywhere.documents == 2
    assert loose.count == SAMPLE.count("Blinken") + 1  # "Blink" of each, and @SecBlinken
    command = everywhere.command()
    assert command.text == f"Annotate {everywhere.count} matches “Blinken” as Person"
    changes = command.do(store)
    assert len(changes.added_spans) == everywhere.count
    assert {s.text for s in changes.added_spans.values()} == {"Blinken"}
    with db.reader() as session:
        again = assist.plan_annotate_all(session, "Blinken", "Person", "ana", whole)
    assert again.count == 0
    command.undo(store)
    assert spans(db, b) == []
    assert len(spans(db, a)) == 1
    redo = command.do(store)
    assert sorted(redo.added_spans) == sorted(changes.added_spans)


def test_annotate_all_with_a_regex(setup: Any) -> None:
    _, db, a, _ = setup
    with db.reader() as session:
        plan = assist.plan_annotate_all(
            session, r"\b[A-Z][a-z]+stan\b", "Location", "ana", FindOptions(regex=True)
        )
    texts = {SAMPLE[s:e] for doc, s, e in plan.matches if doc == a}
    assert texts == {"Kazakhstan", "Uzbekistan", "Kyrgyzstan", "Tajikistan", "Turkmenistan"}


def test_the_assistant_facade_for_the_window(setup: Any) -> None:
    project, db, a, b = setup
    from annotator.app.assist import Assistant
    from annotator.app.workspace import Workspace

    workspace = Workspace(assist.AssistEditStore(db), db=db, project=project)
    helper = Assistant(workspace, "ana", project.assist.suggest_config())
    assert helper.store is not None
    assert not helper.model_available
    shown = helper.suggestions(b)
    assert [s.source for s in shown] == ["quote"]
    reject = helper.reject_command(b, shown)
    reject.do(helper.store)
    assert helper.suggestions(b) == []
    reject.undo(helper.store)
    accept = helper.accept_command(b, helper.suggestions(b))
    changes = accept.do(helper.store)
    assert len(changes.added_spans) == 2 and len(changes.added_relations) == 1
    # Tokayev is in the dictionary now (the accepted speaker): his first mention is suggested.
    assert [(s.text, s.source) for s in helper.suggestions(b)] == [("Tokayev", "dictionary")]
    # And in the other document too: the dictionary is the whole project's.
    assert [s.text for s in helper.suggestions(a) if s.source == "dictionary"] == ["Tokayev"]
    plan = helper.plan_annotate_all("Tokayev", "Person", FindOptions(whole_word=True))
    assert plan.count == 1 + SAMPLE.count("Tokayev") and plan.skipped == 1
    accept.undo(helper.store)
    assert spans(db, b) == []


def test_plan_annotate_all_plans_with_the_one_core_step(
    setup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database side only gathers documents and spans: the plan is core's."""
    from annotator.core import assist_commands

    _, db, a, _ = setup
    add(db, a, "ana", "Person", "Blinken", SAMPLE)
    calls: list[tuple[str, str, str]] = []
    real = assist_commands.plan_matches

    def spy(query: str, label: str, annotator: str, documents: Any, options: Any = None) -> Any:
        calls.append((query, label, annotator))
        return real(query, label, annotator, documents, options)

    monkeypatch.setattr(assist_commands, "plan_matches", spy)
    whole = FindOptions(whole_word=True, case_sensitive=True)
    with db.reader() as session:
        plan = assist.plan_annotate_all(session, "Blinken", "Person", "ana", whole, document_id=a)
    assert calls == [("Blinken", "Person", "ana")]
    assert plan.skipped == 1 and plan.count == SAMPLE.count("Blinken") - 2
