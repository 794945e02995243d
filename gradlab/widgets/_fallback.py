"""The static fallback every gradlab widget adds to its display bundle.

A saved notebook keeps a widget's output as
``application/vnd.jupyter.widget-view+json`` plus ``text/plain``. Without the
kernel (nbconvert, GitHub, nbval, a notebook reopened later) the widget
itself cannot be drawn, so the front end falls back to the richest other
entry. Each widget therefore returns ipywidgets' own bundle with a
``text/html`` picture and a meaningful ``text/plain`` added::

    def _repr_mimebundle_(self, **kwargs):
        return static_bundle(super()._repr_mimebundle_(**kwargs), self._static_html(),
                             self._static_text())

JupyterLab still shows the live widget; the other readers see the fallback.
nbval compares ``text/html`` and ``text/plain`` exactly, so both must be
deterministic: no ``id()``, no memory address, nothing random.
"""
import re

from ..viz.safe_text import clean

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def static_bundle(widget_bundle, html, text):
    """ipywidgets' bundle (a dict, or None) plus ``text/html`` = ``html`` and ``text/plain`` = ``text``.

    ``widget_bundle`` is what ``super()._repr_mimebundle_(**kwargs)`` returned;
    it is not changed. Refuses text holding a memory address (``0x7f3a...``),
    which would make every saved notebook differ from the next run.
    """
    for name, value in (("html", html), ("text", text)):
        found = _ADDRESS.search(value)
        if found:
            raise ValueError(f"static_bundle: the {name} fallback holds a memory address "
                             f"({found.group()}); it must be the same on every run")
    bundle = dict(widget_bundle or {})
    bundle["text/html"] = clean(html)  # valid UTF-8 whatever names the student used
    bundle["text/plain"] = clean(text)
    return bundle
