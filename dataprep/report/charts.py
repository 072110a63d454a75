"""Charts for report.html: matplotlib figures as inline SVG, byte-identical from one run to the next.

matplotlib stamps SVG with a date, random clip-path ids and links to W3C DTDs by default. Fixing the hash
salt and dropping the metadata makes the output repeatable; the XML prologue and namespace attributes go
because inline SVG in HTML needs neither, and every id gets a per-chart prefix so several charts can share a
page. Text stays text (`svg.fonttype: none`): smaller, searchable, and no font is embedded or fetched.

A chart is a function of its inputs alone, so within `kept()` each one drawn is kept by its inputs: the
build draws report.html's charts while great-expectations validates (they do not depend on its outcome) and
the page written afterwards takes them from there (~65 ms a chart, 0.2 s of a small build's page).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

_STYLE = {"svg.fonttype": "none", "font.size": 10, "legend.fontsize": 9, "axes.spines.top": False,
          "axes.spines.right": False}
# 4.2 in = 403 CSS px: drawn near its own size on a phone (text stays ~12 px at 420 px wide) and at most
# 560 px on a desktop (report.html's CSS), so labels are never shrunk into illegibility nor blown up.
_WIDTH = 4.2
_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
_OTHER_COLOUR = "#bab0ac"
_MAX_LANGUAGES = len(_COLOURS)
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_IDS = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')
_SIZE = re.compile(r'<svg width="[^"]*" height="[^"]*"')
_kept: list[dict[str, str]] = []  # the charts drawn within `kept()`, by their inputs


@contextmanager
def kept() -> Iterator[None]:
    """Within: a chart asked for again with the same inputs is the SVG already drawn, not drawn again."""
    _kept.append({})
    try:
        yield
    finally:
        _kept.pop()


def _reused(draw: Callable[..., str], *args: Any) -> str:
    """`draw(*args)`, or within `kept()` the SVG it gave for the same inputs."""
    if not _kept:
        return draw(*args)
    key = json.dumps([draw.__name__, *args], sort_keys=True, default=list)
    if key not in _kept[-1]:
        _kept[-1][key] = draw(*args)
    return _kept[-1][key]


def token_histogram(name: str, edges: Sequence[int], counts: Sequence[int], limit: Mapping[str, Any] | None) -> str:
    """Records per token-length bin of one split on a log axis, with the model's per-record limit drawn in."""
    return _reused(_token_histogram, name, edges, counts, limit)


def _token_histogram(name: str, edges: Sequence[int], counts: Sequence[int], limit: Mapping[str, Any] | None) -> str:
    from matplotlib.ticker import MaxNLocator

    with _figure(name, 2.4) as chart:
        axes = chart.axes
        axes.stairs(counts, edges, fill=True, color=_COLOURS[0], alpha=0.85)
        axes.set_xscale("log")
        axes.xaxis.set_major_formatter(_plain_log_labels())
        axes.xaxis.set_minor_formatter(_plain_log_labels())
        axes.set_xlim(edges[0], edges[-1] * 1.2)  # room to the right of the last bin and of the limit
        axes.set_xlabel("tokens per record (log scale)")
        axes.set_ylabel("records")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # records are counted, never fractional
        if limit:
            axes.axvline(limit["usable"], color="#c0392b", linewidth=1.5, label=f"usable limit {limit['usable']:,}")
            if limit["quota"] != limit["usable"]:
                axes.axvline(limit["quota"], color="#c0392b", linewidth=1, linestyle="--",
                             label=f"{limit['key']} {limit['quota']:,}")
            axes.legend(loc="upper right", frameon=False)
    return chart.svg


def _plain_log_labels() -> Any:
    """A log axis's labels as plain numbers (`1,000`, not 10³): matplotlib's default writes each as mathtext,
    and parsing those was a third of a histogram's drawing (#17); a plain count reads as the ledger's do."""
    from matplotlib.ticker import LogFormatter

    class Plain(LogFormatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return f"{x:,.0f}" if x >= 1 and super().__call__(x, pos) else ""

    return Plain()


def language_mix(name: str, by_split: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """One horizontal bar per split, split into its most common languages (the rest as `other`)."""
    return _reused(_language_mix, name, by_split)


def _language_mix(name: str, by_split: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    totals: dict[str, int] = {}
    for mix in by_split.values():
        for entry in mix:
            totals[entry["lang"]] = totals.get(entry["lang"], 0) + entry["records"]
    top = sorted(totals, key=lambda code: (-totals[code], code))[:_MAX_LANGUAGES]
    splits = list(by_split)
    with _figure(name, 1.1 + 0.45 * len(splits)) as chart:
        axes = chart.axes
        left = [0.0] * len(splits)
        for code, colour in [*zip(top, _COLOURS, strict=False), ("other", _OTHER_COLOUR)]:
            shares = [_share(by_split[s], code, top) for s in splits]
            if any(shares):
                axes.barh(splits, shares, left=left, color=colour, label=code)
                left = [a + b for a, b in zip(left, shares, strict=True)]
        axes.set_xlim(0, 100)
        axes.set_xlabel("% of the split's records")
        axes.invert_yaxis()
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=5, frameon=False)  # 5 fit in 4.2 in
    return chart.svg


def _share(mix: Sequence[Mapping[str, Any]], code: str, top: Sequence[str]) -> float:
    total = sum(e["records"] for e in mix) or 1
    if code == "other":
        return 100 * sum(e["records"] for e in mix if e["lang"] not in top) / total
    return 100 * sum(e["records"] for e in mix if e["lang"] == code) / total


@dataclass
class _Chart:
    axes: Any
    svg: str = ""


@contextmanager
def _figure(name: str, height: float) -> Iterator[_Chart]:
    """Axes to draw on; on exit the figure is rendered into `svg` with the report's fixed style."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({**_STYLE, "svg.hashsalt": name}):
        figure = Figure(figsize=(_WIDTH, height), layout="constrained")
        chart = _Chart(figure.subplots())
        yield chart
        chart.svg = _svg(figure, name)


def _svg(figure: Any, name: str) -> str:
    """The figure as an inline <svg> element with ids unique to `name` and nothing that varies per run."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = _NAMESPACES.sub("", _PROLOGUE.sub("", buffer.getvalue(), count=1))
    svg = _IDS.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", svg)
    return _SIZE.sub(f'<svg class="chart" role="img" aria-label="{name}"', svg, count=1).strip()
