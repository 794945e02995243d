"""``python -m gradlab`` and the ``gradlab`` command."""
import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="gradlab",
        description="Learn how PyTorch's autograd works. With no command, runs a short tour.",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("tour", help="print the guided tour of autograd (the default)")
    from . import lessons

    lessons.add_arguments(commands.add_parser(
        "lessons", help="copy the lessons to ./gradlab-lessons and open them in JupyterLab",
        description="Copy the lessons into a working folder (only the missing ones: your own "
                    "copies are never overwritten) and start JupyterLab there.",
    ))
    arguments = parser.parse_args(argv)
    if arguments.command in (None, "tour"):
        from .tour import main as tour

        tour()
    elif arguments.command == "lessons":
        return lessons.main(arguments)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
