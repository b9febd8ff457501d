"""No document points at a file (or a heading) that is not in the repository.

Every Markdown file is scanned for links ``[text](path)`` and images, whose
targets are resolved against the file's folder, with ``#anchor`` checked
against the GitHub-style slugs of the target's headings, and for inline code
that names a repository path (```annotator/store/repository.py```,
```scripts/pg-test-server```, ```docs/design.md```), resolved against the
repository root. Python, TOML and the shell scripts at the top are scanned for
the design document and ``docs/`` pages they cite (Markdown too, in its
prose), with the section named after them (``(docs/design.md, "Storage")``) checked against its headings.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SKIPPED_DIRS = {".venv", "venv", "build", "dist", "node_modules", ".git"}
"""Folders never scanned (besides other hidden folders and *.egg-info)."""

REPO_TOP = (
    "annotator",
    "benchmarks",
    "docs",
    "packaging",
    "projects",
    "resources",
    "scripts",
    "tests",
    ".ci",
)
"""Inline code that starts with one of these folders is taken for a repository path."""

FENCE = re.compile(r"^ {0,3}(```|~~~)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"", re.IGNORECASE)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
CODE_PATH = re.compile(r"^(?:" + "|".join(re.escape(top) for top in REPO_TOP) + r")/[\w./*-]*$")
CITED_DOC = re.compile(
    r"(?P<path>(?:[\w.-]+/)*(?:DESIGN|design)\.md|docs/[\w./-]+\.md)"
    r"(?:#(?P<anchor>[\w-]+)|,\s*[\"'](?P<section>[^\"']+)[\"'])?"
)
README_SECTION = re.compile(r"\bREADME(?:\.md)?,\s*[\"'](?P<section>[^\"']+)[\"']")


def walk(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files with these suffixes under root, skipped folders left out."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIPPED_DIRS
            and not d.endswith(".egg-info")
            and (not d.startswith(".") or d in {".ci", ".github"})
        )
        found += [Path(folder, f) for f in sorted(files) if f.endswith(suffixes)]
    return found


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    lines, fenced = [], None
    for number, line in enumerate(text.splitlines(), 1):
        fence = FENCE.match(line)
        if fence and (fenced is None or fence.group(1) == fenced):
            fenced = fence.group(1) if fenced is None else None
            continue
        if fenced is None:
            lines.append((number, line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links: their text
    text = text.replace("`", "").replace("**", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def headings(text: str) -> list[str]:
    """The heading texts of a Markdown text, in order."""
    return [m.group(2) for _, line in prose_lines(text) if (m := HEADING.match(line))]


def anchors(path: Path) -> set[str]:
    """Every anchor a Markdown file defines: heading slugs (numbered when repeated) and <a id>."""
    text = path.read_text(encoding="utf-8")
    found: set[str] = set()
    seen: dict[str, int] = {}
    for heading in headings(text):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    found.update(HTML_ANCHOR.findall(text))
    return found


def check_target(source: Path, target: Path, anchor: str, root: Path) -> str | None:
    """Why a reference from source to target#anchor is broken, or None."""
    if not target.resolve().is_relative_to(root.resolve()):
        return f"{target} is outside the repository"
    if not target.exists():
        return f"{os.path.relpath(target, source.parent)} does not exist"
    is_page = target.suffix == ".md" and target.is_file()
    if anchor and is_page and anchor not in anchors(target):
        return f"{target.name} has no heading with the anchor #{anchor}"
    return None


def markdown_problems(root: Path) -> list[str]:
    """Every broken link or file path in the Markdown files under root."""
    problems = []
    for md in walk(root, (".md",)):
        name = md.relative_to(root).as_posix()
        for number, line in prose_lines(md.read_text(encoding="utf-8")):
            for match in LINK.finditer(line):
                target = match.group(1).strip("<>")
                if SCHEME.match(target):  # http, https, mailto, ...
                    continue
                path, _, anchor = target.partition("#")
                resolved = md.parent / path if path else md
                why = check_target(md, resolved, anchor, root)
                if why:
                    problems.append(f"{name}:{number}: link ({target}): {why}")
            for match in INLINE_CODE.finditer(line):
                words = match.group(2).strip().split()
                if not words:
                    continue
                word = words[0].split("::")[0].rstrip(":,")
                if not CODE_PATH.match(word):
                    continue
                if "*" in word:
                    if not list(root.glob(word)):
                        problems.append(f"{name}:{number}: `{word}` matches no file")
                elif not (root / word).exists():
                    problems.append(f"{name}:{number}: `{word}` does not exist")
    return problems


def has_section(page: Path, section: str) -> bool:
    """Whether a Markdown page has a heading that starts with this text."""
    titles = headings(page.read_text(encoding="utf-8"))
    return any(title.replace("`", "").startswith(section) for title in titles)


def code_problems(root: Path) -> list[str]:
    """Design documents, docs/ pages and README sections cited in code that are not there."""
    files = walk(root, (".py", ".toml", ".cfg", ".md"))
    files += [root / f for f in ("run", "run-tests", "Makefile") if (root / f).is_file()]
    problems = []
    for file in files:
        if file.resolve() == Path(__file__).resolve():
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        name = file.relative_to(root).as_posix()
        for match in CITED_DOC.finditer(text):
            if file.suffix == ".md" and not match.group("path").lower().endswith("design.md"):
                continue  # links and code paths: markdown_problems
            number = text.count("\n", 0, match.start()) + 1
            cited = root / match.group("path")
            if not cited.is_file():
                problems.append(
                    f"{name}:{number}: cites {match.group('path')}, not in the repository"
                )
                continue
            if match.group("anchor"):
                why = check_target(file, cited, match.group("anchor"), root)
                if why:
                    problems.append(f"{name}:{number}: {why}")
            section = match.group("section")
            if section and not has_section(cited, section):
                problems.append(
                    f'{name}:{number}: {match.group("path")} has no section "{section}"'
                )
        if file.suffix == ".md":
            continue
        for match in README_SECTION.finditer(text):
            number = text.count("\n", 0, match.start()) + 1
            readme = root / "README.md"
            if not readme.is_file() or not has_section(readme, match.group("section")):
                problems.append(
                    f'{name}:{number}: README.md has no section "{match.group("section")}"'
                )
    return problems


def test_markdown_links_and_paths_resolve() -> None:
    assert markdown_problems(ROOT) == []


def test_code_cites_only_documents_that_exist() -> None:
    assert code_problems(ROOT) == []


def test_a_missing_target_is_found(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "tool").write_text("")
    (tmp_path / "docs" / "page.md").write_text(
        "# A page\n\n## The `assist:` section, again\n\nSee [top](../README.md#usage).\n"
    )
    (tmp_path / "README.md").write_text(
        "# Readme\n\n## Usage\n\n"
        "[fine](docs/page.md#the-assist-section-again) [self](#usage) "
        "[web](https://example.org/missing) [mail](mailto:a@b.c) `scripts/tool`\n"
        "![shot](docs/screenshots/missing.png) [gone](docs/gone.md)\n"
        "[bad anchor](docs/page.md#nothing) [bad self](#nowhere)\n"
        "Run `scripts/missing --flag` and `tests/x.py::test_y`.\n"
        "```sh\n[in a fence](nothing.md) `scripts/in-fence`\n```\n"
    )
    (tmp_path / "annotator").mkdir()
    (tmp_path / "annotator" / "mod.py").write_text(
        '"""Layers (DESIGN.md, "Layers"); see docs/design.md, "Nothing" and docs/page.md, "A page"."""\n'
        "# (README, 'Usage') (README, \"Gone\")\n"
    )
    assert markdown_problems(tmp_path) == [
        "README.md:6: link (docs/screenshots/missing.png): docs/screenshots/missing.png does not exist",
        "README.md:6: link (docs/gone.md): docs/gone.md does not exist",
        "README.md:7: link (docs/page.md#nothing): page.md has no heading with the anchor #nothing",
        "README.md:7: link (#nowhere): README.md has no heading with the anchor #nowhere",
        "README.md:8: `scripts/missing` does not exist",
        "README.md:8: `tests/x.py` does not exist",
    ]
    assert code_problems(tmp_path) == [
        "annotator/mod.py:1: cites DESIGN.md, not in the repository",
        "annotator/mod.py:1: cites docs/design.md, not in the repository",
        'annotator/mod.py:2: README.md has no section "Gone"',
    ]
    (tmp_path / "docs" / "design.md").write_text("# Design\n\n## Layers\n")
    assert code_problems(tmp_path) == [
        "annotator/mod.py:1: cites DESIGN.md, not in the repository",
        'annotator/mod.py:1: docs/design.md has no section "Nothing"',
        'annotator/mod.py:2: README.md has no section "Gone"',
    ]
