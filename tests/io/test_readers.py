from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.io.errors import InputProblem
from annotator.io.readers import FoundFile, find_files, read_file

FIXTURES = Path(__file__).parent.parent / "fixtures"


def read(path: Path) -> list:  # type: ignore[type-arg]
    return read_file(FoundFile(path, path.name)).drafts


def test_plain_text_title_is_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"\r\n  Headline here  \r\nBody text.\r\n")
    (draft,) = read(path)
    assert draft.title == "Headline here"
    assert draft.text == "\n  Headline here  \nBody text.\n"
    assert draft.source == "a.txt"


def test_markdown_front_matter_becomes_metadata(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(
        "---\ntitle: The title\ndate: 2023-02-28\nurl: https://x.org/a\nauthor: Ann\n---\n"
        "# Heading\n\nText with *emphasis* 😀.\n",
        encoding="utf-8",
    )
    (draft,) = read(path)
    assert draft.title == "The title"
    assert draft.date == "2023-02-28"
    assert draft.url == "https://x.org/a"
    assert draft.meta == {"format": "markdown", "author": "Ann"}
    assert draft.text == "# Heading\n\nText with *emphasis* 😀.\n"


def test_markdown_without_front_matter_takes_the_first_heading(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("Intro line\n\n## The real heading ##\nbody\n", encoding="utf-8")
    (draft,) = read(path)
    assert draft.title == "The real heading"


def test_html_gives_the_article_not_the_page() -> None:
    (draft,) = read(FIXTURES / "articles" / "astana.html")
    assert draft.title == "Blinken holds talks with Central Asian nations"
    assert draft.url == "https://daily.example.org/world/blinken-astana"
    assert draft.date.startswith("2023-02-28")
    assert "Blinken said in Astana 🇰🇿" in draft.text
    assert "Tashkent, Uzbekistan" in draft.text
    for boilerplate in ("Log in", "Subscribe now", "All rights reserved", "INJECTED", "Privacy"):
        assert boilerplate not in draft.text
    assert draft.meta["format"] == "html"


def test_html_without_an_article_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text(
        "<html><head><title>x</title></head><body><script>var a;</script></body></html>"
    )
    with pytest.raises(InputProblem, match=r"empty.html: no article text"):
        read(path)


def test_jsonl_keeps_metadata_and_reports_broken_lines(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    lines = [
        orjson.dumps({"text": "First 🇰🇿\r\narticle", "title": "One", "id": 7, "tags": ["a"]}),
        b"{not json",
        orjson.dumps({"title": "no text"}),
        b"",
        orjson.dumps({"text": 42}),
        orjson.dumps(["a list"]),
        orjson.dumps({"text": "Second", "url": "https://x.org"}),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = read_file(FoundFile(path, "docs.jsonl"))
    assert [d.text for d in result.drafts] == ["First 🇰🇿\narticle", "Second"]
    assert result.drafts[0].meta == {"id": 7, "tags": ["a"]}
    assert result.drafts[1].url == "https://x.org"
    problems = [(p.line, p.message) for p in result.problems]
    assert [line for line, _ in problems] == [2, 3, 5, 6]
    assert "invalid JSON" in problems[0][1]
    assert "'text' field is missing" in problems[1][1]
    assert str(result.problems[0]).startswith(f"{path}:2: ")


def test_find_files_walks_folders_and_names_what_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_text("a")
    (tmp_path / "in" / "sub" / "b.md").write_text("b")
    (tmp_path / "in" / "sub" / "c.pdf").write_bytes(b"%PDF")
    (tmp_path / "in" / ".hidden.txt").write_text("h")
    (tmp_path / "lone.docx").write_bytes(b"PK")
    found, problems, skipped = find_files(
        [tmp_path / "in", tmp_path / "lone.docx", tmp_path / "missing"]
    )
    assert [f.source for f in found] == ["in/a.txt", "in/sub/b.md"]
    assert skipped == [tmp_path / "in" / "sub" / "c.pdf"]
    assert [p.message.split(" (")[0] for p in problems] == [
        "unsupported file type",
        "no such file or folder",
    ]
