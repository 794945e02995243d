"""Switches a teacher sets for a class: today, hiding ``solution()``.

Solutions are hidden when any of these says so (so a student's own setting
cannot show what the class's setting hides):

- the environment variable ``GRADLAB_HIDE_SOLUTIONS`` is ``1``, ``true``, ``yes`` or ``on``;
- a config file has ``hide_solutions = true`` in its ``[exercises]`` section. The
  files read are ``$GRADLAB_CONFIG`` (a path), ``<sys.prefix>/etc/gradlab/gradlab.ini``
  (the Python environment the class runs in), ``/etc/gradlab/gradlab.ini`` and
  ``$XDG_CONFIG_HOME/gradlab/gradlab.ini`` (default ``~/.config/gradlab/gradlab.ini``).

This keeps solutions from being one call away during a graded class; it is
not a lock — the solutions ship inside the package's source.
"""
import configparser
import os
import pathlib
import sys

__all__ = ["HIDDEN_MESSAGE", "config_files", "solutions_hidden"]

HIDDEN_MESSAGE = ("Solutions are hidden for this class (your teacher switched them off). "
                  "The hints are still there: exercises.{name}.hint()")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def config_files():
    """The config files gradlab reads, in order (whether they exist or not)."""
    files = []
    if os.environ.get("GRADLAB_CONFIG"):
        files.append(pathlib.Path(os.environ["GRADLAB_CONFIG"]).expanduser())
    files.append(pathlib.Path(sys.prefix) / "etc" / "gradlab" / "gradlab.ini")
    files.append(pathlib.Path("/etc/gradlab/gradlab.ini"))
    config_home = os.environ.get("XDG_CONFIG_HOME") or pathlib.Path.home() / ".config"
    files.append(pathlib.Path(config_home) / "gradlab" / "gradlab.ini")
    return files


def _switched_on(value, where):
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{where} must be true or false, not {value!r}")


def solutions_hidden():
    """True when the environment or a config file hides ``solution()``.

    A value that is neither true nor false (``GRADLAB_HIDE_SOLUTIONS=maybe``) hides
    them too, with a warning: a typo must not show a graded class the answers.
    """
    if "GRADLAB_HIDE_SOLUTIONS" in os.environ:
        try:
            if _switched_on(os.environ["GRADLAB_HIDE_SOLUTIONS"], "GRADLAB_HIDE_SOLUTIONS"):
                return True
        except ValueError as error:
            _warn(error)
            return True
    for path in config_files():
        parser = configparser.ConfigParser()
        try:
            if not parser.read(path, encoding="utf-8"):
                continue
            if parser.has_option("exercises", "hide_solutions") and _switched_on(
                    parser.get("exercises", "hide_solutions"), f"hide_solutions in {path}"):
                return True
        except (configparser.Error, ValueError, OSError, UnicodeDecodeError) as error:
            _warn(f"{path}: {error}".splitlines()[0] if not isinstance(error, ValueError) else error)
            return True
    return False


def _warn(message):
    import warnings
    warnings.warn(f"gradlab: {message}; solutions are hidden until it is fixed.", stacklevel=3)
