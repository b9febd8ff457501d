"""Annotator: mark claims, quotes and entities in news articles."""

__version__ = "0.1.0"
