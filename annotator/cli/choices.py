"""Values the commands' arguments offer, written out here so that declaring the
arguments (``annotator import --help``) loads none of the code behind them: the
formats and offset units live beside the database code (issue 14).

tests/cli/test_startup.py checks that each is what the application package
uses (:mod:`annotator.app.transfer`, :mod:`annotator.app.project`).
"""

from __future__ import annotations

IMPORT_FORMATS = ("native", "doccano", "prodigy", "brat")
"""Labeled data `annotator import --format` reads."""
EXPORT_FORMATS = ("native", "doccano", "prodigy", "brat", "conll", "csv")
"""Datasets `annotator export --format` writes."""
CODEPOINT = "codepoint"
OFFSET_UNITS = (CODEPOINT, "utf16")
"""How offsets are counted: Unicode code points (the default) or UTF-16 code units."""
ARTICLE_SUFFIXES = (".htm", ".html", ".jsonl", ".markdown", ".md", ".ndjson", ".text", ".txt",
                    ".xhtml")  # fmt: skip
"""The file name endings `annotator import` reads as articles, sorted."""


def builtin_schema_names() -> list[str]:
    """The schemas `annotator new --schema NAME` knows (resources/schemas/NAME.yaml)."""
    from annotator.paths import SCHEMAS_DIR

    return sorted(p.stem for p in SCHEMAS_DIR.glob("*.yaml"))
