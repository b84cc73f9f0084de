"""What the lessons and exercises use: scenarios, exercise checks, plots, widgets and the command
line. Built on :mod:`marginlab.engine` and :mod:`marginlab.simulation`; nothing below imports it.

==========================  ===========================================================
``course.scenarios``        the lessons' and apps' scenarios: accounts, replays, numbers
``course.practice``         the exercises' scenarios
``course.check``            the exercises' checks (``marginlab.check``)
``course.style``            the course's colours and figure settings (plain data)
``course.plots``            the lessons' figures and the apps' drawing helpers (matplotlib)
``course.widgets``          the "try it" apps and quizzes (ipywidgets + matplotlib)
``course.cli``              the ``marginlab`` command
==========================  ===========================================================

``scenarios``, ``practice`` and ``check`` need neither ipywidgets nor matplotlib nor IPython
(an import-linter contract in pyproject.toml forbids it); ``plots`` needs matplotlib and
``widgets`` both.
"""
