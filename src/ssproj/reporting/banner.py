"""The banner of a result that rests on inputs marked ``assumed``: its text, and a table that shows it.

A projection of a scenario with a scheme records, in its Dataset's
attributes, which of the inputs set by the assumption set or the scenario
are marked ``assumed`` (:func:`assumed_inputs`, attributes
``assumed_inputs`` and ``inputs_given``). That much costs nothing and is
always known; which of them move the headline result most costs two
projections per declared plausible range and is measured by the analysis
layer (:func:`ssproj.analysis.assumptions.rests_on`), which stores the
whole banner in the attribute ``assumption_banner``. Until then a result
shows :func:`short_banner`: how many inputs are assumed and how to name
those that drive the result.

:class:`SummaryFrame` is the DataFrame that
:meth:`ssproj.Projection.summary` returns: a plain DataFrame whose display
(``repr``, ``print``, a notebook's HTML) starts with the banner in
``DataFrame.attrs['assumption_banner']``.
"""
from __future__ import annotations

import html

import pandas as pd

__all__ = ["BANNER_SHEET", "SummaryFrame", "assumed_inputs", "assumed_inputs_line", "banner_html", "input_label",
           "short_banner", "with_banner"]

#: Name of the workbook sheet that holds the banner, first in the workbook.
BANNER_SHEET = "assumed inputs"


def input_label(kind: str, name: str, entity: str = "") -> str:
    """How an input is named in a banner: ``name[entity]`` for a parameter, ``channel <channel>.<quantity>``
    for a quantity of a strategy's channel, ``table <name>`` for a table."""
    if kind == "channel":
        return f"channel {name}"
    if kind == "table":
        return f"table {name}"
    return f"{name}[{entity}]" if entity else str(name)


def assumed_inputs(table: pd.DataFrame) -> tuple[list[str], int]:
    """The inputs marked ``assumed`` among those the assumption set or the scenario sets.

    Parameters
    ----------
    table : DataFrame
        :func:`ssproj.reporting.assumptions.assumption_table` of a scenario.

    Returns
    -------
    (list of str, int)
        The labels (:func:`input_label`) of the assumed inputs, in the
        table's order, and how many inputs the assumption set or the
        scenario sets (those at ssproj's generic defaults are left out of
        both, as in ``ssproj assumptions``).
    """
    given = table[table["origin"] != "defaults"]
    assumed = given[given["confidence"] == "assumed"]
    labels = [input_label(r.kind, r.name, r.entity) for r in assumed.itertuples()]
    return labels, len(given)


def assumed_inputs_line(n_assumed: int, n_given: int) -> str:
    """The first line of every banner: how many inputs of the scenario are assumed."""
    return (f"ASSUMED INPUTS: {n_assumed} of the {n_given} inputs of this scenario are assumed, not taken from the "
            f"fund's data or another source ('ssproj assumptions' lists them).")


def short_banner(n_assumed: int, n_given: int) -> str:
    """The banner of a result whose drivers have not been measured: the count of assumed inputs and
    where to see which of them drive the headline most. Empty if none is assumed."""
    if n_assumed == 0:
        return ""
    return "\n".join([assumed_inputs_line(n_assumed, n_given),
                      "Which of them move the headline result most is not measured for this result: "
                      "ssproj.rests_on(result) names them (two projections per plausible range declared in the "
                      "assumption set; 'ssproj run' does it)."])


def banner_html(text: str) -> str:
    """`text` (lines) as an HTML block for a notebook: one paragraph per line, escaped; empty for no text."""
    if not text:
        return ""
    lines = "".join(f'<p style="margin:0.15em 0">{html.escape(line)}</p>' for line in text.splitlines())
    return ('<div class="ssproj-banner" role="note" style="border-left:4px solid #D55E00;background:#fff4ec;'
            f'color:#1a1a1a;padding:0.3em 0.8em;margin:0.4em 0">{lines}</div>')


class SummaryFrame(pd.DataFrame):
    """A DataFrame displayed with the banner of its ``attrs['assumption_banner']`` first.

    Only its display differs from a DataFrame's (``repr``, ``print``, the
    HTML of a notebook); every other method is the DataFrame's. What is
    derived from it (a selection, a copy, arithmetic) is a SummaryFrame
    too, and keeps the ``attrs`` as pandas does, so a selection of a
    result's summary still says what it rests on. ``pandas.DataFrame(frame)``
    gives the plain DataFrame (e.g. for ``pandas.testing.assert_frame_equal``
    with a plain DataFrame first, which requires the second to be of its
    type).
    """

    @property
    def _constructor(self):
        return SummaryFrame

    def _banner(self) -> str:
        text = self.attrs.get("assumption_banner", "")
        return text if isinstance(text, str) else ""

    def __repr__(self) -> str:
        text = super().__repr__()
        banner = self._banner()
        return f"{banner}\n\n{text}" if banner else text

    def _repr_html_(self) -> str | None:
        text = super()._repr_html_()
        banner = self._banner()
        return banner_html(banner) + text if banner and text is not None else text


def with_banner(frame: pd.DataFrame, banner: str) -> SummaryFrame:
    """`frame` as a :class:`SummaryFrame` with ``attrs['assumption_banner'] = banner`` (its other attrs kept)."""
    out = SummaryFrame(frame)
    out.attrs = {**frame.attrs, "assumption_banner": banner}
    return out
