"""``import torch`` that gives gradlab: put this folder first on PYTHONPATH.

Importing this package swaps itself for gradlab in ``sys.modules`` and installs a finder
that answers ``torch.X.Y`` with the already-imported ``gradlab.X.Y`` module (the same
object, so ``torch.nn.Module is gradlab.nn.Module``). A submodule gradlab lacks fails
with PyTorch's message for a missing module: ``No module named 'torch.X'``.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys


class _GradlabAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``torch.*`` names and loads them as the matching ``gradlab.*`` modules."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("torch.") or importlib.util.find_spec(self._target(fullname)) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    @staticmethod
    def _target(fullname):
        return "gradlab" + fullname[len("torch"):]

    def create_module(self, spec):
        module = importlib.import_module(self._target(spec.name))
        self._original_spec = module.__spec__
        return module

    def exec_module(self, module):
        # the import system stamped the alias's spec on gradlab's module: give it back
        module.__spec__ = self._original_spec


sys.meta_path.insert(0, _GradlabAlias())
sys.modules["torch"] = importlib.import_module("gradlab")
