"""``python -m gradlab``: the ``gradlab`` command (see gradlab/cli.py)."""
from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
