from annotator.cli.app import run

if __name__ == "__main__":  # the suggestion worker process imports this module again
    run()
