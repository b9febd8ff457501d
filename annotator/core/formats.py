"""The names of the dataset formats, offset units and article file types.

Written once, here, so that the command line can offer them as choices
without loading the code behind them (``annotator import --help`` loads no
database code), and the readers and format modules use the same values.
"""

from __future__ import annotations

IMPORT_FORMATS = ("native", "doccano", "prodigy", "brat", "xmi", "webanno-tsv", "labelstudio")
"""Labeled data `annotator import --format` reads."""
EXPORT_FORMATS = ("native", "doccano", "prodigy", "brat", "xmi", "webanno-tsv", "conll", "csv",
                  "labelstudio", "spacy", "parquet", "quotes")  # fmt: skip
"""Datasets `annotator export --format` writes."""
FOLDER_FORMATS = ("brat", "xmi", "webanno-tsv")
"""Formats read and written as a folder (or a .zip of one): never through
standard input or output."""
UTF16_FORMATS = ("native", "doccano", "prodigy", "csv", "labelstudio")
"""The formats whose files may count offsets in UTF-16 code units."""

SPACY_ALIGNMENTS = ("strict", "contract", "expand")
"""How a spaCy export treats a span whose ends fall inside tokens: left out and
counted, shrunk to the tokens inside it, or grown to the tokens around it."""
PARQUET_ROWS = ("document", "span")
"""A Parquet export's rows: one per document and annotator, or one per span."""

CODEPOINT = "codepoint"
UTF16 = "utf16"
OFFSET_UNITS = (CODEPOINT, UTF16)
"""How offsets are counted: Unicode code points (the default) or UTF-16 code units."""

ARTICLE_SUFFIXES = (".htm", ".html", ".jsonl", ".jsonl.gz", ".markdown", ".md", ".ndjson",
                    ".ndjson.gz", ".text", ".txt", ".xhtml")  # fmt: skip
"""The file name endings `annotator import` reads as articles, sorted."""
