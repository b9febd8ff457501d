"""Labeled dataset formats: native JSONL, doccano, prodigy, brat, INCEpTION's UIMA
CAS XMI and WebAnno TSV, CoNLL, CSV, and the others :mod:`annotator.core.formats` names.

:mod:`annotator.io.formats.api` is the entry point (``run_export``,
``run_import``); each format lives in its own module.
"""
