"""The "fit to width" switch of the widgets' pictures: the whole graph scaled into the output, or full size.

A wide graph drawn at full size scrolls inside the output area: the student
sees part of it and the legend is cut at the right edge. Scaled to the
output's width it is seen whole, but a very wide graph scaled down becomes
too small to read. So the widgets fit the picture by default only when it
stays readable: the SVG's text is 12 px, and a picture up to
``READABLE_WIDTH`` px wide, fitted into a notebook's output (about 900 px),
keeps it at 8 px or more. The "fit to width" toggle switches either way.

Fitting is done by the browser: the SVG keeps its ``viewBox`` and gets
``width="100%"`` (never wider than its own size: a small graph is not
blown up) and an automatic height. Nothing is redrawn; the static fallback
(saved notebooks, nbval) is the picture at full size, unchanged.
"""
import re

READABLE_WIDTH = 1400  # px: the widest picture fitted by default (its text stays >= 8 px in ~900 px)

_SVG_SIZE = re.compile(r'<svg([^>]*?) width="([0-9.]+)" height="([0-9.]+)"')


def readable_when_fitted(width):
    """Whether a picture ``width`` px wide is still readable scaled to a notebook's width."""
    return width <= READABLE_WIDTH


def fit_picture(html, fit):
    """``html`` with its (first) SVG scaled to the width available when ``fit``, else unchanged."""
    if not fit:
        return html
    return _SVG_SIZE.sub(lambda m: f'<svg{m.group(1)} width="100%" '
                                   f'style="max-width:{m.group(2)}px;height:auto"', html, count=1)
