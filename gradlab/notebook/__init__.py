"""gradlab in Jupyter: the ``%%autograd`` / ``%grad_fn`` magics (``magics.py``).

Nothing here is imported by ``import gradlab``: ``%load_ext gradlab`` imports
the magics, and they import IPython, so the engine stays free of it.
"""
