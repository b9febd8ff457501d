"""Reading and writing files: project.yaml, article importers, dataset exporters."""
