"""What the lessons and exercises use: scenarios, exercise checks, widgets and the command line.
Built on :mod:`marginlab.engine` and :mod:`marginlab.simulation`; nothing below imports it.

``marginlab.course.check`` and ``marginlab.course.practice`` need neither ipywidgets nor
matplotlib; ``marginlab.course.widgets`` needs both.
"""
