"""The lessons' figures, one function per figure, each returning the matplotlib figure (made
with pyplot, so a notebook shows it under the cell), and the drawing helpers the apps share.

Colours come from :mod:`marginlab.course.style`. The numbers come from the scenarios
(:mod:`marginlab.course.scenarios`) or the simulation layer; nothing here computes a margin.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter

from .scenarios.crashes import historical_twins
from .style import COLORS, LINESTYLES


# --- helpers for the apps ----------------------------------------------------------------------
def usd_axis(ax, axis: str = "y") -> None:
    """Thousands separators on a USDT axis."""
    fmt = FuncFormatter(lambda v, _: f"{v:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def spread(targets, gap: float, lo: float = -np.inf, hi: float = np.inf) -> np.ndarray:
    """Positions for labels that belong at ``targets`` (one axis, data units): in the same
    order, at least ``gap`` apart, each group of crowded labels centred on its targets' mean,
    and inside [``lo``, ``hi``] as long as they fit there. Labels that are already apart stay
    on their targets."""
    targets = np.asarray(targets, dtype=float)
    order = np.argsort(targets, kind="stable")
    groups = [[i] for i in order]  # runs of labels that move together, bottom to top

    def place(group):  # centred on the mean target, ``gap`` apart, then kept inside the range
        k = len(group)
        start = targets[group].mean() - gap * (k - 1) / 2
        start = min(max(start, lo), hi - gap * (k - 1)) if (k - 1) * gap <= hi - lo else start
        return start + gap * np.arange(k)

    merged = True
    while merged:
        merged = False
        for j in range(len(groups) - 1):
            if place(groups[j])[-1] + gap > place(groups[j + 1])[0] + 1e-12:
                groups[j:j + 2] = [groups[j] + groups[j + 1]]
                merged = True
                break
    out = np.empty(len(targets))
    for group in groups:
        out[group] = place(group)
    return out


def label_bar(text, width: float, label: str, right: float, room: float = 0.55) -> None:
    """Write ``label`` just after the end of a horizontal bar ``width`` long, or inside its end
    in white when the bar reaches past ``room`` of the axes (``right``: their right end), where
    the label would run off the picture."""
    inside = width > room * right
    pad = 0.012 * right
    text.set_text(label)
    text.set_x(width - pad if inside else width + pad)
    text.set_horizontalalignment("right" if inside else "left")
    text.set_color("white" if inside else "black")


def set_band(collection, x, lower, upper) -> None:
    """Move a ``fill_between`` polygon to the band between ``lower`` and ``upper`` over ``x``
    (an app updates its bands in place instead of drawing new ones)."""
    verts = np.column_stack([np.concatenate([x, x[::-1]]),
                             np.concatenate([upper, lower[::-1]])])
    collection.set_verts([verts])


# --- lesson 0 ----------------------------------------------------------------------------------
def equity_against_eth_price(eth_path, equity: dict, liquidations):
    """Each twin's equity (``{"cross": [...], "isolated": [...]}``) along the falling ETH marks
    ``eth_path``, with a cross at every ETH liquidation (``liquidations``: the exchange's
    liquidation events as a frame)."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for name, values in equity.items():
        style = {"lw": 4, "alpha": 0.85} if name == "cross" else {"lw": 2, "ls": "--"}
        ax.plot(eth_path, values, color=COLORS[name], label=f"{name} account", **style)
    for _, row in liquidations[liquidations.symbol == "ETH-PERP"].iterrows():
        y = np.interp(-row.price, -eth_path, equity[row.trader])
        ax.scatter([row.price], [y], marker="X", s=140, color=COLORS[row.trader], zorder=3)
        ax.annotate(f"{row.trader} liquidated at {row.price:,.0f}", (row.price, y),
                    xytext=(8, 10), textcoords="offset points", color=COLORS[row.trader])
    ax.invert_xaxis()
    ax.set_xlabel("ETH mark price (USDT) - falling to the right")
    ax.set_ylabel("account equity (USDT)")
    ax.set_ylim(-30, 1080)
    ax.set_title("Same trades, same crash: cross drains the pool, isolated loses one ring")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    return fig


# --- lesson 8 ----------------------------------------------------------------------------------
def historical_twins_equity(name: str, *, leverages=(3, 5)):
    """One panel per leverage: each twin's equity through the stored crash ``name``
    (:func:`~marginlab.course.scenarios.historical_twins`), with ETH's price dotted."""
    fig, axes = plt.subplots(1, len(leverages), figsize=(11, 3.8), sharey=True)
    for ax, lev in zip(np.atleast_1d(axes), leverages, strict=True):
        twins = historical_twins(name, leverage=lev, keep_equity=True)
        sc, run = twins.prices, twins.run
        for mode in ("cross", "isolated"):
            ax.plot(sc["time"], run.equity[mode][0], color=COLORS[mode], lw=2,
                    ls=LINESTYLES[mode], label=mode)
        ax.set_title(f"{lev}x: equity of each twin (USDT)")
        ax.tick_params(axis="x", labelrotation=30)
        twin = ax.twinx()
        twin.plot(sc["time"], sc["ETH-PERP"], color=COLORS["price"], lw=1, ls=":", label="ETH")
        twin.set_ylabel("ETH (USDT)")
    np.atleast_1d(axes)[0].legend(loc="lower left")
    fig.tight_layout()
    return fig


def insurance_fund_over_time(runs: dict, *, xlabel: str = "step",
                             title: str = "The insurance fund"):
    """The insurance fund step by step in market runs (``{label: run}``, each a
    :func:`~marginlab.simulation.market.simulate_market` result), solid then dashed."""
    fig, ax = plt.subplots(figsize=(9, 3.4))
    for (label, run), style in zip(runs.items(), ("-", "--", ":", "-."), strict=False):
        t = run.timeline
        ax.plot(t["step"], t["insurance fund"], style, color=COLORS["cross"], label=label)
    ax.set(xlabel=xlabel, ylabel="insurance fund (USDT)", title=title)
    ax.legend()
    return fig


# --- lesson 9 ----------------------------------------------------------------------------------
def paths_against_price(paths, level: float, *, title: str = ""):
    """Price paths (one per row), those that reach ``level`` or below in red and thicker, the
    others in thin blue, and ``level`` as a dashed line (a long's liquidation price)."""
    hit = (paths <= level).any(axis=1)
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.plot(paths[~hit].T, color=COLORS["isolated"], alpha=0.35, lw=0.7)
    ax.plot(paths[hit].T, color=COLORS["cross"], alpha=0.8, lw=1.6)
    ax.axhline(level, color=COLORS["liquidation"], ls="--", lw=1.5)
    ax.set(xlabel="hour", ylabel="ETH (USDT)", title=title)
    return fig


# --- lesson 11 ---------------------------------------------------------------------------------
def mark_against_index(result: dict):
    """The index and the mark hour by hour (a :func:`~marginlab.course.scenarios.
    basis_liquidation` result), the long's liquidation price dashed, and the hour the mark
    liquidated it marked with a cross."""
    frame = result["frame"]
    fig, ax = plt.subplots(figsize=(9, 3.8))
    ax.plot(frame.index, frame["index"], color=COLORS["price"], lw=2, label="index (spot)")
    ax.plot(frame.index, frame["mark"], color=COLORS["liquidation"], lw=2, ls="-.",
            label="mark")
    ax.axhline(result["liquidation price"], color=COLORS["cross"], ls="--", lw=1.5,
               label=f"liquidation price {result['liquidation price']:,.2f}")
    if result["liquidated at"] is not None:
        step = result["liquidated at"]
        ax.plot([step], [frame.loc[step, "mark"]], "X", ms=12, color=COLORS["cross"],
                label=f"liquidated at hour {step}")
    ax.set(xlabel="hour", ylabel="ETH (USDT)",
           title=f"{result['leverage']}x isolated long: the mark, not the index, liquidates it")
    usd_axis(ax)
    ax.legend(loc="lower left", fontsize=10)
    return fig
