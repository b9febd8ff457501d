from annotator.cli.app import run

run()
