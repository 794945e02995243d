"""``python -m gradlab`` and the ``gradlab`` command."""
import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="gradlab",
        description="Learn how PyTorch's autograd works. With no command, runs a short tour.",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("tour", help="print the guided tour of autograd (the default)")
    arguments = parser.parse_args(argv)
    if arguments.command in (None, "tour"):
        from .tour import main as tour

        tour()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
