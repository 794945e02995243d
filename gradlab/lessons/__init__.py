"""The lessons a student works through: the catalogue, the student's working copy, JupyterLab.

``gradlab lessons`` (gradlab/cli.py) is these three put together:

- ``catalogue``: the numbered lesson notebooks shipped with gradlab, their
  titles, and finding one by a name such as "03";
- ``working_copy``: copying them into the student's folder without ever
  losing work (only missing lessons are copied; a reset moves the student's
  copy to ``NAME.backup-<n>.ipynb``; nothing is written through a symbolic
  link; a folder that cannot be used is one sentence saying why);
- ``jupyterlab``: starting JupyterLab there, and stopping it with us.
"""
from .catalogue import (BINDER_REPOSITORY, BINDER_URL, Lesson, available_lessons, find_lesson,
                        lessons_folder, notebook_title)
from .jupyterlab import (STOP_SIGNALS, jupyterlab_command, jupyterlab_installed, run_jupyterlab,
                         running_as_root)
from .working_copy import (DEFAULT_WORKING_FOLDER, Copied, FolderError, Skipped, copy_lessons, prepare_folder,
                           reset_lesson)
