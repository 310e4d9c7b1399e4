"""The explorer's web app (Panel on Bokeh): levers on the left, headline figures and charts on the right.

:func:`app` builds the app of a scenario (an :class:`ExplorerApp`, shown by
a Jupyter notebook as it is); :func:`serve` starts the local server of
``ssproj explore``. The app shows an :class:`ssproj.explore.session.Explorer`:
each lever moved is applied as a validated scenario change and the
scenario projected again; an invalid value shows the validation message
and leaves the figures as they were. Panel and Bokeh serve their own
JavaScript and CSS from the local server: the page loads nothing from
other hosts.

Panel and Bokeh are imported by the functions that use them, not with
the module: ``ssproj.cli`` imports this module, and every other command
would otherwise pay the import of Panel (about a second).
"""
from __future__ import annotations

import html
import math
import re
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

from ssproj.explore.levers import KEEP, Lever, LeverChanges, levers_for
from ssproj.explore.session import HEADLINE, SERIES, Explorer, Update, format_figure
from ssproj.projection import Projection
from ssproj.reporting.banner import banner_html
from ssproj.scenario.model import Scenario
from ssproj.scenario.yamlio import dump_yaml

__all__ = ["ExplorerApp", "app", "changes_markdown", "css_class", "free_port", "serve"]

#: Families of levers, in the order of their cards, with their titles.
FAMILIES = {
    "reform": "Reform year",
    "contributions": "Contribution rates",
    "pensionable age": "Pensionable age",
    "ceiling": "Contribution ceiling",
    "indexation": "Indexation of pensions",
    "state subsidy": "State subsidy of contributions",
    "financing": "Deficit financing",
    "strategy": "Coverage strategy",
}
#: Colours of the charts (Okabe-Ito, as the reports): the figures now, and the reference (dashed).
COLOURS = {"reserve_share_of_gdp": "#0072B2", "income_share_of_gdp": "#0072B2", "outgo_share_of_gdp": "#D55E00",
           "state_transfer_share_of_gdp": "#009E73", "contributors": "#0072B2", "reference": "#7f7f7f"}
#: Names of the Bokeh data sources (the browser test reads them): the figures now and the reference.
SOURCE_NAMES = {"now": "ssproj-explore-now", "reference": "ssproj-explore-reference"}


class ExplorerApp:
    """The explorer's Panel app of one scenario.

    Made by :func:`app`. In a notebook, the object displays as the app
    (loading Panel's JavaScript, inlined, if ``panel.extension()`` has not
    been called); :attr:`layout` is its Panel layout.

    Parameters
    ----------
    explorer : Explorer
        The state it shows (its levers, reference and last update).
    options : mapping of str to Scenario or Explorer, optional
        Other scenarios to start from (e.g. the shipped financing options),
        by name: a card "Start from" chooses among the scenario of
        `explorer` and these; the levers are then those of the scenario
        chosen (at rest the first time, as last left after), and the
        reference stays that of `explorer`.

    Attributes
    ----------
    explorer : Explorer
        The explorer of the scenario started from.
    widgets : dict
        Lever key -> its Panel widget.
    layout : panel.layout.Row
    """

    def __init__(self, explorer: Explorer, options: Mapping[str, Scenario | Explorer] | None = None):
        import panel as pn
        from bokeh.models import ColumnDataSource

        self.explorer = explorer
        self.widgets: dict[str, Any] = {}
        self._updates = 0  # updates shown (data-update of the status line: the browser test waits for it)
        self._setting = False  # True while the app sets widgets itself: their callbacks then do nothing
        # the scenarios to start from: an Explorer each, made when first chosen
        self._first = explorer
        self._starts: dict[str, Scenario | Explorer] = {explorer.scenario.name: explorer}
        self._starts.update({k: v for k, v in (options or {}).items() if k != explorer.scenario.name})
        self._sources = {"now": ColumnDataSource(_columns(explorer.last), name=SOURCE_NAMES["now"]),
                         "reference": ColumnDataSource(_columns_of(explorer.reference.series),
                                                       name=SOURCE_NAMES["reference"])}
        self._status = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["ssproj-status"])
        self._error = pn.pane.Alert("", alert_type="danger", visible=False, sizing_mode="stretch_width")
        self._notes = pn.pane.Alert("", alert_type="warning", visible=False, sizing_mode="stretch_width")
        self._headline = pn.pane.HTML("", sizing_mode="stretch_width")
        self._changes = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._banner = pn.pane.HTML("", sizing_mode="stretch_width")
        self._header = pn.pane.HTML("", sizing_mode="stretch_width")
        self._start = None
        if len(self._starts) > 1:
            self._start = pn.widgets.Select(label="Start from", options=list(self._starts),
                                            value=explorer.scenario.name, sizing_mode="stretch_width",
                                            css_classes=[css_class("start")])
            self._start.param.watch(self._start_chosen, "value")
        self._cards = pn.Column(sizing_mode="stretch_width")
        reset = pn.widgets.Button(label="Reset every lever", sizing_mode="stretch_width")
        reset.on_click(self._reset_clicked)
        self._figures = [self._figure(keys, title, unit) for keys, title, unit in (
            (("reserve_share_of_gdp",), "Reserve of the pension fund", "% of GDP"),
            (("income_share_of_gdp", "outgo_share_of_gdp", "state_transfer_share_of_gdp"),
             "Income and expenditure of the pension fund", "% of GDP"),
            (("contributors",), "Contributors", "contributor-years"),
        )]
        start = [pn.Card(self._start, title="Scenario", sizing_mode="stretch_width")] if self._start else []
        controls = pn.Column(*start, self._cards, reset, width=380)
        main = pn.Column(self._header, self._banner, self._status, self._error, self._notes, self._headline,
                         *[pn.pane.Bokeh(f, sizing_mode="stretch_width") for f in self._figures],
                         pn.Card(self._changes, title="Scenario changes made by the levers", collapsed=True,
                                 sizing_mode="stretch_width"),
                         sizing_mode="stretch_width")
        self.layout = pn.Row(controls, main, sizing_mode="stretch_width")
        self._build(explorer)

    def _build(self, explorer: Explorer) -> None:
        """Show `explorer`: its levers in the cards, its scenario in the header, its last update."""
        import panel as pn

        self.explorer = explorer
        self.widgets = {}
        cards = []
        for family, title in FAMILIES.items():
            levers = [lv for lv in explorer.levers if lv.family == family]
            if levers:
                cards.append(pn.Card(*[self._widget(lv) for lv in levers], title=title,
                                     collapsed=family not in ("reform", "contributions", "pensionable age"),
                                     sizing_mode="stretch_width"))
        sc = explorer.scenario
        reference = explorer.reference.projection.dataset.attrs.get("scenario_name", "")
        with pn.io.hold():
            self._cards.objects = cards
            self._header.object = (
                f"<h2 style='margin:0.2em 0'>ssproj explorer: {html.escape(sc.name)}</h2>"
                f"<p style='margin:0.2em 0'>{html.escape(sc.description)}</p>"
                f"<p style='margin:0.2em 0;color:#555'>Dashed lines: the reference, {html.escape(str(reference))}. "
                f"Each lever is applied as a change of the scenario from the reform year on, validated as a "
                f"scenario file is.</p>")
            self._banner.object = banner_html(explorer.last.figures.banner)
        self._show(explorer.last)

    def start_from(self, name: str) -> Update:
        """Start from another scenario of ``options`` (by name): its levers, at rest; the same reference."""
        if name not in self._starts:
            raise KeyError(f"{name!r} is not a scenario to start from; expected one of {', '.join(self._starts)}")
        chosen = self._starts[name]
        if not isinstance(chosen, Explorer):
            chosen = self._starts[name] = Explorer(chosen, self._first.reference.projection)
        if self._start is not None and self._start.value != name:
            self._setting = True
            try:
                self._start.value = name
            finally:
                self._setting = False
        self._build(chosen)
        return chosen.last

    def _start_chosen(self, event) -> None:
        if not self._setting:
            self.start_from(event.new)

    # -- controls -------------------------------------------------------------------
    def _widget(self, lever: Lever):
        import panel as pn

        common = dict(label=lever.label, sizing_mode="stretch_width", css_classes=[css_class(lever.key)])
        watched = "value"
        w: Any
        # the slider's range holds the value at rest (a scenario may set a value beyond the usual range)
        if lever.kind == "number":
            w = pn.widgets.EditableFloatSlider(value=float(lever.initial), start=min(lever.start or 0.0, lever.initial),
                                               end=max(lever.end or 0.0, lever.initial), step=lever.step, **common)
            watched = "value_throttled"  # once a drag ends, not at every pixel
        elif lever.kind == "integer":
            w = pn.widgets.EditableIntSlider(value=int(lever.initial), start=min(int(lever.start or 0), lever.initial),
                                             end=max(int(lever.end or 0), lever.initial), step=int(lever.step or 1),
                                             **common)
            watched = "value_throttled"
        elif lever.kind == "choice":
            w = pn.widgets.Select(value=lever.initial, options={label: v for v, label in lever.choices.items()},
                                  **common)
        else:
            w = pn.widgets.Checkbox(value=bool(lever.initial), **common)
        w.param.watch(self._callback(lever.key), watched)
        self.widgets[lever.key] = w
        if not lever.help:
            return w
        return pn.Row(w, pn.widgets.TooltipIcon(value=lever.help, margin=(25, 0, 0, 0)), sizing_mode="stretch_width")

    def _callback(self, key: str) -> Callable:
        def moved(event) -> None:
            if not self._setting:
                self.set(key, event.new)
        return moved

    def set(self, key: str, value: Any) -> Update:
        """Move the lever `key` to `value` (its widget shows it) and show the result.

        As a move in the browser does: the widget's value changes, the
        scenario is changed and projected, the figures and charts update.
        """
        widget = self.widgets[key]
        if widget.value != value:
            self._setting = True
            try:
                widget.value = value
            finally:
                self._setting = False
        update = self.explorer.set(key, value)
        self._show(update)
        return update

    def _reset_clicked(self, _event) -> None:
        self.reset()

    def reset(self) -> Update:
        """Every lever back at rest (the scenario as given)."""
        self._setting = True
        try:
            for lever in self.explorer.levers:
                self.widgets[lever.key].value = lever.initial
        finally:
            self._setting = False
        update = self.explorer.reset()
        self._show(update)
        return update

    # -- output ---------------------------------------------------------------------
    def _figure(self, keys, title: str, unit: str):
        from bokeh.models import HoverTool, NumeralTickFormatter
        from bokeh.models.annotations import Legend, LegendItem
        from bokeh.plotting import figure

        fig = figure(title=title, height=260, sizing_mode="stretch_width", x_axis_label="year",
                     y_axis_label=unit, toolbar_location="above", tools="pan,box_zoom,reset,save")
        items = []
        for key in keys:
            label = SERIES[key][0]
            now: Any = fig.line("year", key, source=self._sources["now"], line_width=2.5, color=COLOURS[key])
            ref: Any = fig.line("year", key, source=self._sources["reference"], line_width=1.5, line_dash="dashed",
                           color=COLOURS["reference"] if len(keys) == 1 else COLOURS[key], alpha=0.7)
            items += [LegendItem(label=label, renderers=[now]),
                      LegendItem(label=f"{label}, reference", renderers=[ref])]
            fmt = "{0,0}" if unit == "contributor-years" else "{0.00}"
            fig.add_tools(HoverTool(renderers=[now], tooltips=[("year", "@year"), (label, f"@{key}{fmt}")]))
        fig.add_layout(Legend(items=items, location="top_left", click_policy="hide"), "right")
        if unit == "contributor-years":
            fig.yaxis.formatter = NumeralTickFormatter(format="0,0")
        return fig

    def _show(self, update: Update) -> None:
        import panel as pn

        with pn.io.hold():  # one message to the browser: the figures, charts and status change together
            self._sources["now"].data = _columns(update)
            self._headline.object = self._headline_html(update)
            self._error.visible = not update.ok
            self._error.object = (f"Not applied: the values shown are not valid; the figures are those of the last "
                                  f"valid values.\n\n```\n{update.message}\n```") if not update.ok else ""
            self._notes.visible = bool(update.notes)
            self._notes.object = "\n\n".join(update.notes)
            self._changes.object = changes_markdown(update.changes)
            if "strategy" in self.widgets:  # the channel scales act only with the strategy on
                on = bool(self.explorer.value("strategy"))
                for key, w in self.widgets.items():
                    if key.startswith("channel_scale["):
                        w.disabled = not on
            self._updates += 1
            if not update.ok:
                text = ""
            elif update.changes.empty:
                text = "Every lever at rest: the scenario as given."
            else:
                text = f"Scenario changed, validated and projected in {update.seconds:.2f} s."
            self._status.object = (f"<span class='ssproj-seconds' data-update='{self._updates}' "
                                   f"data-seconds='{update.seconds:.4f}'>{text}</span>")

    def _headline_html(self, update: Update) -> str:
        figs, ref = update.figures, self.explorer.reference
        rows = []
        for key in HEADLINE:
            now, before = figs.headline[key], ref.headline[key]
            diff = now - before
            percent = HEADLINE[key][1].startswith("%")
            shown = "" if math.isnan(diff) or abs(diff) < (0.005 if percent else 0.5) else (
                f"{diff:+.2f} points" if percent else f"{diff:+,.0f}")  # (no "-0.00 points")
            rows.append(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(figs.labels[key])}</th>"
                        f"<td class='ssproj-value' data-key='{key}' style='font-size:1.4em;font-weight:bold;"
                        f"padding-right:1em'>{format_figure(key, now)}</td>"
                        f"<td style='color:#555;padding-right:1em'>{html.escape(HEADLINE[key][1])}</td>"
                        f"<td style='color:#555'>reference {format_figure(key, before)} {shown}</td></tr>")
        return f"<table class='ssproj-headline'>{''.join(rows)}</table>"

    # -- display --------------------------------------------------------------------
    def __panel__(self):
        return self.layout

    def _repr_mimebundle_(self, include=None, exclude=None):
        import panel as pn

        # a notebook that has not loaded Panel's JavaScript yet: load it, inlined (from the installed package, not
        # from a CDN: the notebook works offline)
        if not getattr(pn.extension, "_loaded", True):
            pn.extension(inline=True)
        return self.layout._repr_mimebundle_(include, exclude)

    def servable(self, title: str | None = None):
        """Mark the app to be served by ``panel serve`` (returns the layout)."""
        return self.layout.servable(title=title or f"ssproj explorer: {self.explorer.scenario.name}")


def css_class(key: str) -> str:
    """The CSS class of a lever's widget: ``ssproj-lever-<key>``, brackets as dashes (for tests and styles)."""
    return "ssproj-lever-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")


def changes_markdown(changes: LeverChanges) -> str:
    """What the levers change, as a scenario file extending the scenario would say it (Markdown)."""
    if changes.empty:
        return "Nothing changed: the scenario as given."
    data: dict[str, Any] = {}
    if changes.parameters:
        data["changes"] = changes.parameters
    if not (isinstance(changes.strategy, str) and changes.strategy == KEEP):
        data["strategy"] = changes.strategy
    return ("In a scenario file extending this one (a strategy given replaces the scenario's whole; null: "
            "none):\n\n```yaml\n" + dump_yaml(data) + "```")


def _columns_of(series) -> dict:
    return {"year": series.index.to_numpy(), **{c: series[c].to_numpy() for c in series.columns}}


def _columns(update: Update) -> dict:
    return _columns_of(update.figures.series)


def app(scenario: Scenario, reference: Scenario | Projection | None = None,
        options: Mapping[str, Scenario] | list[Scenario] | None = None) -> ExplorerApp:
    """The explorer of a scenario as a Panel app.

    Parameters
    ----------
    scenario : Scenario
        The scenario at rest (with insured groups).
    reference : Scenario or Projection, optional
        The reference line of the charts (default the scenario at rest).
    options : list of Scenario or mapping of str to Scenario, optional
        Other scenarios to start from (e.g. the shipped financing
        options), chosen in the app (by name); each is projected when first
        chosen.

    Returns
    -------
    ExplorerApp
        Displayed by a notebook as it is (after ``panel.extension()``);
        ``.set(key, value)`` moves a lever from Python, ``.explorer`` holds
        the figures.

    Examples
    --------
    >>> import panel as pn, ssproj, ssproj.explore     # doctest: +SKIP
    >>> pn.extension()
    >>> ex = ssproj.explore.app(ssproj.load_scenario("scenarios/lao_baseline.yaml"))
    >>> ex                                              # the app, in the notebook
    >>> ex.set("contribution_rate_employer[private]", 7.0).figures.headline["gap"]
    """
    return ExplorerApp(Explorer(scenario, reference), _named(options))


def _named(options: Mapping[str, Scenario] | list[Scenario] | None) -> dict[str, Scenario]:
    """Scenarios by name (a list: by their own names, which must differ)."""
    if options is None:
        return {}
    if isinstance(options, Mapping):
        return dict(options)
    named = {sc.name: sc for sc in options}
    if len(named) < len(options):
        raise ValueError(f"options: two scenarios have the same name ({', '.join(sc.name for sc in options)})")
    return named


def free_port(address: str = "localhost") -> int:
    """A port free on `address` now (the system's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def serve(scenario: Scenario, *, port: int = 5006, address: str = "localhost",
          reference: Scenario | Projection | None = None, options: list[Scenario] | None = None,
          show: bool = False, log: Callable[[str], None] = print) -> None:
    """Start the explorer's local web server and serve until interrupted.

    Projects the scenario (and the reference) first, then warms up: the
    first projection compiles the Numba kernels (a minute or more, once:
    they are cached on disk), and a projection with each lever family
    moved fills the caches, so that the first moves in the browser are as
    quick as the others. Each browser tab gets its own levers.

    Parameters
    ----------
    scenario : Scenario
    port : int
        Port of the server (0: any free port).
    address : str
        Address it listens on (default localhost only).
    reference : Scenario or Projection, optional
    options : list of Scenario, optional
        Other scenarios to start from, chosen in the app (projected at
        start).
    show : bool
        Open the page in the default browser.
    log : callable
        Where progress lines go (default print).
    """
    import panel as pn

    levers_for(scenario)  # a scenario without a scheme: refused before any work
    named = _named(options)
    t0 = time.perf_counter()
    log(f"ssproj explore: projecting scenario {scenario.name!r} (the first projection compiles the kernels: "
        f"up to a few minutes the first time, then cached)...")
    explorer = Explorer(scenario, reference)
    log(f"projected in {time.perf_counter() - t0:.1f} s; warming up (one projection per kind of lever)...")
    seconds = explorer.warm_up()
    log(f"warm: a lever move takes about {seconds:.2f} s")
    starts = {name: Explorer(sc, explorer.reference.projection) for name, sc in named.items()}
    if starts:
        log(f"projected the {len(starts)} other scenarios to start from: {', '.join(starts)}")

    def session() -> Any:
        return ExplorerApp(explorer.fresh(), {name: ex.fresh() for name, ex in starts.items()}).layout

    if port == 0:
        port = free_port(address)
    server = pn.serve({"/": session}, port=port, address=address, show=show, start=False,
                      title=f"ssproj explorer: {scenario.name}",
                      websocket_origin=[f"{h}:{port}" for h in dict.fromkeys((address, "localhost", "127.0.0.1"))],
                      threaded=False)
    log(f"ssproj explore: serving http://{address}:{server.port}/ (Ctrl+C stops)")
    try:
        server.start()
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
