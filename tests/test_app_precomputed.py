"""Answers worked out ahead (marginlab.course.scenarios.precomputed): the stored tables are the
engine's answers, every setting of the sliders is in them, and a table that disagrees with a
fresh computation is never shown."""

import gzip
import itertools
import json
import warnings

import pytest
from apphelpers import control_values

from marginlab.course.scenarios import crashes, likelihood, precomputed
from marginlab.course.scenarios.precomputed import Precomputed, same
from marginlab.course.widgets import CascadeApp, OddsApp

# lesson 9's snapshot, the corners of the grid, and every horizon at the app's defaults
ODDS_SAMPLE = [(50, 7, 30), (40, 1, 20), (150, 30, 100), (150, 1, 20), (40, 30, 100),
               *((80, d, 50) for d in likelihood.HORIZONS)]
CASCADE_SAMPLE = [(-5.0, 30), (-15.0, 30), (-30.0, 10), (-2.0, 150), (-30.0, 150), (-2.0, 10),
                  (-8.0, 150), (-25.0, 10), (-17.0, 70)]


@pytest.mark.parametrize("table, sample", [(likelihood.stored_odds, ODDS_SAMPLE),
                                           (crashes.stored_cascades, CASCADE_SAMPLE)],
                         ids=["odds", "cascade"])
def test_the_stored_answers_are_a_fresh_computation(table, sample):
    for key in sample:
        fresh, stored = table.compute(*key), table.stored(*key)
        assert stored is not None, f"{key} is not in {table.path.name}"
        assert same(stored, fresh), (f"{table.path.name} is stale at {key}: rebuild it with "
                                     f"{precomputed.REBUILD}")


@pytest.mark.parametrize("cls, table, names", [
    (OddsApp, likelihood.stored_odds, ("vol", "days", "committed")),
    (CascadeApp, crashes.stored_cascades, ("shock", "depth")),
], ids=["odds", "cascade"])
def test_every_setting_of_the_sliders_is_in_the_table(cls, table, names):
    app = cls()
    values = [control_values(app.controls[n], points=1000) for n in names]
    keys = {precomputed.key_text(tuple(k)) for k in itertools.product(*values)}
    assert keys == set(table.table())  # and nothing else is stored
    assert len(keys) == len(list(table.grid()))


def test_odds_at_reads_the_run_as_the_lesson_describes():
    """The app's numbers against the Monte Carlo run's own tables, read independently."""
    st = likelihood.odds_at(leverage=20, vol=80, days=7, committed=50)
    run = likelihood.odds(80, 7, 50)
    for mode in ("cross", "isolated"):
        row = run.summary[(run.summary["mode"] == mode) & (run.summary["leverage"] == 20)]
        assert st[f"{mode} liquidated %"] == pytest.approx(100 * row["p liquidation"].item())
        assert st[f"{mode} ci"] == pytest.approx((100 * row["ci low"].item(),
                                                  100 * row["ci high"].item()))
        assert st[f"{mode} loss p95 %"] == pytest.approx(row["loss p95 %"].item())
        loss = run.losses[(run.losses["mode"] == mode) & (run.losses["leverage"] == 20)]["loss %"]
        in_first_bin = (loss < 5).sum()  # losses below 5 % (gains count as no loss)
        assert st[f"{mode} histogram %"][0] == pytest.approx(100 * in_first_bin / len(loss))


class Counter:
    """A scenario that counts its calls: x -> {"x": x, "twice": 2.0 * x}."""

    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return {"x": x, "twice": 2.0 * x}


def make(tmp_path, monkeypatch, answers=None):
    monkeypatch.setattr(precomputed, "DATA", tmp_path)
    scenario = Counter()
    table = Precomputed("test-table", scenario, lambda: ((x,) for x in range(5)))
    monkeypatch.delitem(precomputed.TABLES, "test-table")
    if answers is not None:
        with gzip.open(table.path, "wt") as f:
            json.dump({"answers": answers}, f)
    return table, scenario


def test_a_confirmed_table_answers_without_computing(tmp_path, monkeypatch):
    table, scenario = make(tmp_path, monkeypatch)
    table.build()
    assert scenario.calls == 5
    table, scenario = make(tmp_path, monkeypatch)  # a new kernel reads the file
    assert table(1) == {"x": 1, "twice": 2.0} and scenario.calls == 1  # checked afresh
    assert table.trusted is True
    assert table(3) == {"x": 3, "twice": 6.0} and scenario.calls == 1  # from the table
    assert table(7) == {"x": 7, "twice": 14.0} and scenario.calls == 2  # off the grid


def test_a_stale_table_is_never_shown(tmp_path, monkeypatch):
    wrong = {f"[{x}]": {"x": x, "twice": 2.0 * x + 0.01} for x in range(5)}
    table, scenario = make(tmp_path, monkeypatch, wrong)
    with pytest.warns(RuntimeWarning, match="differ from the engine's.*Rebuild"):
        assert table(1) == {"x": 1, "twice": 2.0}
    assert table.trusted is False
    for x in range(5):
        assert table(x) == {"x": x, "twice": 2.0 * x}
    assert scenario.calls == 6


def test_a_first_answer_off_the_grid_leaves_the_check_to_the_next(tmp_path, monkeypatch):
    table, scenario = make(tmp_path, monkeypatch)
    table.build()
    table, scenario = make(tmp_path, monkeypatch)
    assert table(9)["twice"] == 18.0 and table.trusted is None  # not in the table: no verdict
    assert table(2)["twice"] == 4.0 and table.trusted is True  # checked here
    assert table(3)["twice"] == 6.0 and scenario.calls == 2


def test_no_table_means_fresh_answers_and_no_warning(tmp_path, monkeypatch):
    table, scenario = make(tmp_path, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [table(x)["twice"] for x in (0, 1, 2)] == [0.0, 2.0, 4.0]
    assert scenario.calls == 3


def test_same_tolerates_last_bit_differences_only():
    assert same({"a": [1, 2.0]}, {"a": [1, 2.0 * (1 + 1e-12)]})
    assert not same({"a": [1, 2.0]}, {"a": [1, 2.0 * (1 + 1e-6)]})
    assert not same([1, 2], [1, 3]) and not same([1], [1, 1]) and not same({"a": 1}, {"b": 1})
    assert not same(True, 1) and not same("x", "y") and same(None, None)
    assert not same(0.0, None) and same(3, 3.0)
