"""Labeled dataset formats: native JSONL, doccano, prodigy, brat, CoNLL and CSV.

:mod:`annotator.io.formats.api` is the entry point (``run_export``,
``run_import``); each format lives in its own module.
"""
