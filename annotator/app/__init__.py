"""The application layer: one workspace the windows, the command line and the
tests drive (docs/design.md, "Application package"). Free of Qt."""
