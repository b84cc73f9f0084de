"""Each lesson's "Check yourself" questions, kept out of the lesson's cells.

A learner reading a lesson must not see a quiz's answer key above the quiz. So the questions
live here, one module per lesson (``lesson_10.py`` for lesson 10), each with a function
``check_yourself()`` that computes every number from :mod:`marginlab.course.scenarios` and
returns a :class:`~marginlab.course.widgets.quiz.Quiz`. A lesson cell is then one line::

    from marginlab.course.quizzes import lesson_10
    lesson_10.check_yourself()
"""
