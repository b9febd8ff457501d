"""`annotator assign`, `comments`, `progress` and `adjudicate` on a real project."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.cli.app import main
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentDraft
from annotator.io.project import load_project, save_project
from annotator.store import repository

TEXTS = [
    "Alice met Bob in Paris on Monday.",
    "The minister said taxes would not rise.",
    "Nobody agreed on this one.",
    "A fourth article.",
]


def word(text: str, w: str) -> tuple[int, int]:
    start = text.index(w)
    return start, start + len(w)


@pytest.fixture
def project(project_dir: Path) -> Path:
    """Four documents; alice, bob and carol annotate, rita reviews."""
    config = load_project(project_dir)
    config.annotators = ["alice", "bob", "carol"]
    config.reviewers = ["rita"]
    save_project(config)
    db = load_project(project_dir).open_database()
    try:
        with db.session() as session:
            ids = [
                i
                for i in repository.insert_documents(session, [DocumentDraft(t) for t in TEXTS])
                if i is not None
            ]
            t1 = TEXTS[0]
            for who, label, w in [
                ("alice", "Person", "Alice"),
                ("alice", "Person", "Bob"),
                ("alice", "Location", "Paris"),
                ("bob", "Person", "Alice"),
                ("bob", "Location", "Bob"),
                ("bob", "Location", "Paris"),
            ]:
                repository.add_span(session, ids[0], who, label, *word(t1, w))
            repository.set_status(session, ids[0], "alice", DocStatus.DONE)
    finally:
        db.close()
    return project_dir


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, fragment: str) -> None:
    assert code == 2, err
    assert fragment in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def gold(project: Path, doc: int = 1) -> list[tuple[int, int, str]]:
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            return [
                (s.start, s.end, s.label)
                for s in repository.list_spans(session, doc, [GOLD_ANNOTATOR])
            ]
    finally:
        db.close()


def test_assign_round_robin_and_by_hand(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "assign", str(project), "--round-robin", "2", "--json")
    assert code == 0, err
    data = orjson.loads(out)
    assert data["new"] == {"alice": [1, 2, 4], "bob": [1, 3, 4], "carol": [2, 3]}
    assert data["assignments"] == {
        "1": ["alice", "bob"],
        "2": ["alice", "carol"],
        "3": ["bob", "carol"],
        "4": ["alice", "bob"],
    }
    code, out, _ = run(capsys, "assign", str(project), "--round-robin", "2")
    assert code == 0 and out.startswith("0 new assignments")
    code, out, _ = run(capsys, "assign", str(project), "--doc", "2", "3", "--to", "rita")
    assert (code, out) == (0, "Assigned 2 documents to rita\n")
    code, out, _ = run(capsys, "assign", str(project), "--doc", "2", "--doc", "1", "--to", "rita")
    assert (code, out) == (0, "Assigned 1 document to rita (1 already were)\n")
    code, out, _ = run(capsys, "assign", str(project), "--round-robin", "1", "--annotator", "alice")
    assert code == 0 and "alice +1" in out  # document 3 had none of them


def test_assign_mistakes_are_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = str(project)
    cases = [
        (("--doc", "99", "--to", "alice"), "no document with id 99"),
        (("--doc", "1"), "--doc needs --to NAME"),
        (("--doc", "1", "--to", "mallory"), "'mallory' is not one of the project's"),
        (("--round-robin", "4"), "only 3 named"),
        (("--round-robin", "2", "--to", "bob"), "--to goes with --doc"),
        (("--doc", "1", "--to", "bob", "--annotator", "x"), "--annotator goes with"),
        (("--round-robin", "1", "--annotator", "gold"), "not one of the project's"),
    ]
    for args, fragment in cases:
        code, _, err = run(capsys, "assign", p, *args)
        one_line_error(code, err, fragment)
    with pytest.raises(SystemExit) as exc:
        main(["assign", p])
    assert exc.value.code == 2
    capsys.readouterr()


def test_round_robin_needs_annotators(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "assign", str(project_dir), "--round-robin", "1")
    one_line_error(code, err, "--round-robin needs annotators")
    # Without a list in project.yaml, anyone may be named.
    code, _, err = run(
        capsys, "assign", str(project_dir), "--round-robin", "1", "--annotator", "zoe"
    )
    assert code == 0, err


def test_comments(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = str(project)
    code, out, _ = run(capsys, "comments", p, "--doc", "1")
    assert (code, out) == (0, "No comments on document 1\n")
    code, out, err = run(capsys, "comments", p, "--doc", "1", "--add", "Who is Bob?", "--as", "bob")
    assert (code, out) == (0, "Added comment 1 on document 1\n"), err
    code, out, _ = run(
        capsys, "comments", p, "--doc", "1", "--add", "Check it", "--as", "alice", "--span", "2"
    )
    assert (code, out) == (0, "Added comment 2 on span 2 of document 1\n")
    code, out, _ = run(
        capsys, "comments", p, "--doc", "1", "--add", "Done", "--as", "rita", "--reply-to", "2"
    )
    assert (code, out) == (0, "Added reply 3 on span 2 of document 1\n")
    code, out, _ = run(capsys, "comments", p, "--doc", "1")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "On the document:"
    assert lines[1].startswith("  #1 bob, ") and lines[1].endswith(": Who is Bob?")
    assert lines[2] == "On span 2 'Bob':"
    assert lines[3].startswith("  #2 alice, ") and lines[4].startswith("    #3 rita, ")
    code, out, _ = run(capsys, "comments", p, "--doc", "1", "--json")
    data = orjson.loads(out)
    assert [t["id"] for t in data] == [1, 2] and data[1]["replies"][0]["author"] == "rita"
    # A later thread on the document is listed under the document's one heading.
    assert run(capsys, "comments", p, "--doc", "1", "--add", "And?", "--as", "carol")[0] == 0
    code, out, _ = run(capsys, "comments", p, "--doc", "1")
    headings = [line for line in out.splitlines() if not line.startswith(" ")]
    assert headings == ["On the document:", "On span 2 'Bob':"]
    assert out.splitlines()[2].startswith("  #4 carol, ")
    for args, fragment in [
        (("--doc", "9"), "no document with id 9"),
        (("--doc", "1", "--add", "x"), "--add needs --as NAME"),
        (("--doc", "1", "--span", "2"), "--span goes with --add"),
        (("--doc", "1", "--add", "x", "--as", "bob", "--span", "99"), "no span with id 99"),
        (("--doc", "1", "--add", " ", "--as", "bob"), "needs some text"),
        (("--doc", "1", "--add", "x", "--as", "nobody"), "not one of the project's"),
        (("--doc", "2", "--add", "x", "--as", "bob", "--reply-to", "1"), "is on document 1"),
    ]:
        code, _, err = run(capsys, "comments", p, *args)
        one_line_error(code, err, fragment)


def test_a_reviewer_project_yaml_no_longer_names_keeps_the_database_s_role(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The database's roles hold (roles, adjudicate): commenting and being
    assigned work too, where project.yaml's list alone refused rita."""
    p = str(project)
    assert run(capsys, "roles", p)[0] == 0  # the roles are seeded from project.yaml
    config = load_project(project)
    config.reviewers = []
    save_project(config)
    code, out, err = run(capsys, "comments", p, "--doc", "1", "--add", "why?", "--as", "rita")
    assert (code, out) == (0, "Added comment 1 on document 1\n"), err
    code, _, err = run(capsys, "assign", p, "--doc", "1", "--to", "rita")
    assert code == 0, err
    # progress lists project.yaml's people first, in its order, then the others
    # by name: aaron's imported layer, and the database's reviewer.
    db = load_project(project).open_database()
    with db.session() as session:
        repository.add_span(session, 2, "aaron", "Person", 0, 4)
    db.close()
    code, out, _ = run(capsys, "progress", p)
    table = out.split("\n\n")[1].splitlines()  # after "Progress over N documents"
    assert [line.split()[0] for line in table[2:]] == ["alice", "bob", "carol", "aaron", "rita"]
    code, _, err = run(capsys, "comments", p, "--doc", "1", "--add", "x", "--as", "nobody")
    # (the first line says project.yaml and the database name different reviewers)
    one_line_error(code, err.splitlines(keepends=True)[-1], "not one of the project's")
    assert "(alice, bob, carol, rita)" in err  # rita among those the project knows


def test_progress(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "assign", str(project), "--doc", "1", "2", "--to", "alice")[0] == 0
    code, out, _ = run(capsys, "progress", str(project), "--json")
    data = orjson.loads(out)
    assert code == 0 and data["documents"] == 4
    rows = {a["name"]: a for a in data["annotators"]}
    assert list(rows) == ["alice", "bob", "carol", "rita"]
    assert rows["alice"] == {
        "name": "alice",
        "role": "annotator",
        "assigned": 2,
        "assigned_done": 1,
        "done": 1,
        "in_progress": 0,
        "spans": 3,
    }
    assert rows["rita"]["role"] == "reviewer"
    assert data["spans_by_label"]["bob"] == {"Location": 2, "Person": 1}
    code, out, _ = run(capsys, "progress", str(project))
    assert code == 0 and out.startswith("Progress over 4 documents")
    assert "#####" in out and "Location  1      2" in out


def test_adjudicate_accept_agreed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = str(project)
    args = ("adjudicate", p, "--doc", "1", "--accept-agreed", "alice", "bob")
    code, out, err = run(capsys, *args, "--as", "rita")
    assert code == 0, err
    assert out == (
        "Accepted 2 of 2 spans alice and bob agree on into gold for document 1; "
        "1 disagreement left to decide\n"
    )
    assert gold(project) == [(0, 5, "Person"), (17, 22, "Location")]
    code, out, _ = run(capsys, *args, "--as", "rita")
    assert code == 0 and "Accepted 0 of 2 spans" in out and "(2 already were)" in out
    code, _, err = run(capsys, *args, "--as", "alice")
    one_line_error(code, err, "alice may not change the gold layer")
    code, out, _ = run(capsys, "adjudicate", p, "--doc", "2", "--accept-agreed", "alice", "bob",
                       "--as", "rita")  # fmt: skip
    assert code == 0 and "agree on no span" in out
    for extra, fragment in [
        (("--doc", "9", "--accept-agreed", "alice", "bob"), "no document with id 9"),
        (("--doc", "1", "--accept-agreed", "alice", "alice"), "two different annotators"),
        (("--doc", "1", "--accept-agreed", "alice", "zed"), "no annotator named 'zed'"),
    ]:
        code, _, err = run(capsys, "adjudicate", p, *extra, "--as", "rita")
        one_line_error(code, err, fragment)
    assert gold(project) == [(0, 5, "Person"), (17, 22, "Location")]
