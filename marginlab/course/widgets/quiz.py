""""Check yourself" questions with instant feedback.

    Quiz([
        Choice("Which account survives ETH at 1,700?", ["cross", "isolated"], answer=0,
               why="The whole pool backs the cross long."),
        Number("Liquidation price of the isolated long?", answer=float(lp), tolerance=0.5,
               unit="USDT", hint="Solve equity = maintenance margin for the price."),
    ])

Numbers in questions and answers are computed by the lesson with ``marginlab``; nothing is
typed by hand. Each question can also be answered in code (``quiz.answer(0, 1)``), which is how
the tests check that right answers pass and wrong ones get the hint.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import ipywidgets as widgets
from IPython.display import display

from ..answers import NotANumber, read_number

RIGHT = "#1e8449"
WRONG = "#b03a2e"


@dataclass
class Choice:
    prompt: str
    options: list[str]
    answer: int
    why: str = ""
    hints: dict[int, str] = field(default_factory=dict)

    def verdict(self, picked) -> tuple[bool | None, str]:
        if picked is None:
            return None, ""
        if picked == self.answer:
            return True, f"Right. {self.why}".strip()
        hint = self.hints.get(picked, "Think again about what backs each position.")
        return False, f"Not quite. {hint}"


@dataclass
class Number:
    prompt: str
    answer: float
    tolerance: float
    unit: str = ""
    hint: str = ""
    why: str = ""

    def verdict(self, value) -> tuple[bool | None, str]:
        if value is None:
            return None, ""
        value = read_number(value)
        if isinstance(value, NotANumber):
            return False, ("Please enter a finite number." if value.why else
                           "Please enter a number.")
        if abs(value - self.answer) <= self.tolerance:
            return True, (f"Right: {self.answer:,.2f} {self.unit}. {self.why}").strip()
        if self.answer and value and (value > 0) != (self.answer > 0):
            return False, f"Check the sign. {self.hint}".strip()
        if self.answer and value and not 0.2 < abs(value / self.answer) < 5:
            return False, f"Check the size (the units?). {self.hint}".strip()
        way = "high" if value > self.answer else "low"
        return False, f"A bit {way}. {self.hint}".strip()


class Quiz:
    """A column of questions; each shows its verdict as soon as it is answered."""

    def __init__(self, questions, title: str = "Check yourself"):
        self.questions = list(questions)
        self.title = title
        self.verdicts: list[bool | None] = [None] * len(self.questions)
        self.feedback = [widgets.HTML() for _ in self.questions]
        self.inputs = [self._input(i, q) for i, q in enumerate(self.questions)]

    def _input(self, i, q):
        if isinstance(q, Choice):
            w = widgets.RadioButtons(options=[(o, k) for k, o in enumerate(q.options)],
                                     value=None, layout=widgets.Layout(width="auto"))
        else:
            w = widgets.Text(placeholder=f"your answer{f' in {q.unit}' if q.unit else ''}",
                             continuous_update=False)
        w.observe(lambda change, i=i: self.answer(i, change["new"]), names="value")
        return w

    def answer(self, i: int, value) -> bool | None:
        """Record an answer to question ``i`` and show the verdict; returns True/False/None."""
        q = self.questions[i]
        if isinstance(q, Number) and isinstance(value, str):
            value = value.replace(",", "").strip() or None
        ok, text = q.verdict(value)
        self.verdicts[i] = ok
        color = RIGHT if ok else WRONG
        mark = "✔" if ok else "✘"
        self.feedback[i].value = (f"<span style='color:{color}'>{mark} {html.escape(text)}</span>"
                                  if ok is not None else "")
        return ok

    @property
    def score(self) -> str:
        right = sum(1 for v in self.verdicts if v)
        return f"{right} of {len(self.questions)} right"

    def widget(self) -> widgets.Widget:
        rows = [widgets.HTML(f"<h3>{html.escape(self.title)}</h3>")]
        for k, (q, w, fb) in enumerate(zip(self.questions, self.inputs, self.feedback,
                                           strict=True), start=1):
            rows += [widgets.HTML(f"<b>{k}.</b> {html.escape(q.prompt)}"), w, fb]
        return widgets.VBox(rows)

    def _repr_html_(self) -> str:
        """The questions as static text, for readers without a kernel."""
        items = []
        for q in self.questions:
            if isinstance(q, Choice):
                opts = "<ul>" + "".join(f"<li>{html.escape(o)}</li>" for o in q.options) + "</ul>"
            else:
                opts = f" <i>(a number{', in ' + q.unit if q.unit else ''})</i>"
            items.append(f"<li>{html.escape(q.prompt)}{opts}</li>")
        return f"<h3>{html.escape(self.title)}</h3><ol>{''.join(items)}</ol>"

    def _ipython_display_(self):
        bundle = self.widget()._repr_mimebundle_()
        bundle["text/html"] = self._repr_html_()
        bundle["text/plain"] = f"{self.title}: {len(self.questions)} questions"
        display(bundle, raw=True)
