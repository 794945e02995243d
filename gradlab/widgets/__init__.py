"""gradlab.widgets: ipywidgets 8 views of autograd for Jupyter.

- ``BackpropStepper(loss)``: step through the real backward pass node by node
  (``stepper.py``);
- ``GraphView(tensor_or_graph)``: the graph with a node inspector (``graph_view.py``);
- ``DerivativePlot(f, x_range)``: f, f′ from autograd and the tangent at x
  (``derivative_plot.py``, uses matplotlib; the kinks and jumps it marks are
  found by ``special_points.py``, NumPy and gradlab only).

Each name is imported on first use, so ``import gradlab.widgets`` loads neither
ipywidgets nor matplotlib, and ``import gradlab`` does not import this package.
Every widget also renders without a kernel (``_fallback.static_bundle``), has a
"fit to width" switch for its picture where it draws a graph (``_picture.py``), and
``close()`` that closes every part of it and lets go of what it drew from; callbacks
hold the widget weakly, so a closed widget is freed (``_lifetime.py``).
"""
import importlib

_MODULES = {
    "BackpropStepper": ".stepper",
    "GraphView": ".graph_view",
    "DerivativePlot": ".derivative_plot",
}

__all__ = sorted(_MODULES)


def __getattr__(name):
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'gradlab.widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(_MODULES))
