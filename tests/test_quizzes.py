"""The lessons' check-yourself questions (marginlab/course/quizzes): every module builds its quiz,
the right answers pass, every wrong option gets a hint, and the numeric answers are the ones
worked out here by hand from "equity = maintenance margin"."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import marginlab.course.quizzes as quizzes
from marginlab.course.widgets.quiz import Choice, Number

MODULES = sorted(m.name for m in pkgutil.iter_modules(quizzes.__path__)
                 if m.name.startswith("lesson_"))


def quiz_of(name):
    return importlib.import_module(f"marginlab.course.quizzes.{name}").check_yourself()


def test_there_are_quizzes():
    assert MODULES


@pytest.mark.parametrize("name", MODULES)
def test_right_answers_pass_and_wrong_ones_get_feedback(name):
    quiz = quiz_of(name)
    assert quiz.questions
    for i, q in enumerate(quiz.questions):
        if isinstance(q, Choice):
            assert 0 <= q.answer < len(q.options)
            assert quiz.answer(i, q.answer) is True
            for k in range(len(q.options)):
                if k != q.answer:
                    assert quiz.answer(i, k) is False
                    assert quiz.feedback[i].value  # something to read, not silence
        else:
            assert isinstance(q, Number)
            assert quiz.answer(i, str(q.answer)) is True
            assert quiz.answer(i, str(q.answer * 1.5 + 10)) is False


def test_the_answer_key_is_not_always_the_first_option():
    firsts = [q.answer == 0 for name in MODULES for q in quiz_of(name).questions
              if isinstance(q, Choice)]
    assert sum(firsts) < len(firsts) / 2


def test_lesson_1_asks_a_liquidation_price_the_lesson_does_not_print():
    # 0.5 ETH long at 2,400, 80 USDT margin, MMR 0.5 %: 80 + 0.5 (P - 2,400) = 0.0025 P
    expected = (0.5 * 2400 - 80) / (0.5 * (1 - 0.005))
    (number,) = [q for q in quiz_of("lesson_01").questions if isinstance(q, Number)]
    assert number.answer == pytest.approx(expected, abs=1e-6)
    assert round(expected, 2) == 2251.26


def test_lesson_2_asks_a_liquidation_price_the_lesson_does_not_print():
    # 2 ETH long at 2,000, margin 400 + 150: 550 + 2 (P - 2,000) = 0.005 * 2 P
    expected = (2 * 2000 - 550) / (2 * (1 - 0.005))
    (number,) = [q for q in quiz_of("lesson_02").questions if isinstance(q, Number)]
    assert number.answer == pytest.approx(expected, abs=1e-6)


def test_lesson_10_asks_about_a_deeper_fall_the_lesson_does_not_print():
    # case (b)'s account with ETH down 20 % instead of 18 %: Binance's to-compliance steps leave
    # it at its limit and the fall liquidates it again and again; the teaching model closes once
    from marginlab.course.quizzes import lesson_10
    from marginlab.course.scenarios import rescue_case, unwind_crash

    crash = {**rescue_case(), "crash_pct": lesson_10.DEEPER_CRASH}
    assert crash["crash_pct"] != rescue_case()["crash_pct"]  # not case (b)'s printed table
    binance = unwind_crash("Binance", **crash).row
    teaching = unwind_crash("All at once (teaching model)", **crash).row
    assert binance["liquidation steps"] > 1 and teaching["liquidation steps"] == 1
    assert teaching["final equity"] > binance["final equity"]
    question = quiz_of("lesson_10").questions[2]
    assert isinstance(question, Choice) and "teaching model" in question.options[question.answer]
