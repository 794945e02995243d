"""Self-paced exercises for the lessons: ``from gradlab.exercises import lesson01``.

Each ``lessonNN`` module holds that lesson's exercises, built on ``core``
(``Exercise``, ``correct``/``wrong`` and the ``expect_*`` checkers). Lesson
modules are plain submodules, imported only when a lesson asks for them.
"""
