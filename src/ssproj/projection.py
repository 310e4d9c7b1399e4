"""Run a scenario through the projection stages: :func:`project` and :class:`Projection`.

Stages (DESIGN §1): demography now; labour force, scheme engine, finance
and indicators are added as further stages over the same Dataset.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ssproj import variables as _variables
from ssproj.finance import indicators as ind
from ssproj.finance.summary import (
    SCHEME_SUMMARY_COLUMNS,
    STRATEGY_SUMMARY_COLUMNS,
    SUMMARY_COLUMNS,
    fund_index,
    summary_frame,
)
from ssproj.io.atomic import atomic_path, write_text_atomic
from ssproj.io.excel import write_workbook
from ssproj.io.netcdf import write_netcdf
from ssproj.io.outdir import inputs_sha256, result_folder
from ssproj.plan import compile_scenario, run_plan
from ssproj.reporting.html import write_html

__all__ = ["SCHEME_SUMMARY_COLUMNS", "STRATEGY_SUMMARY_COLUMNS", "SUMMARY_COLUMNS", "Projection", "project"]


class Projection:
    """The result of :func:`project`.

    Attributes
    ----------
    dataset : xarray.Dataset
        Every projected stock, flow and rate, with units in each variable's
        ``attrs`` and the provenance (scenario, assumption sources, ssproj
        version, seed) in ``dataset.attrs``. Dimensions: ``year`` (calendar
        year; stocks at 1 July), ``sex`` (``male``, ``female``), ``age``
        (0..100, 100 = 100+), and with a scheme ``group``, ``benefit``,
        ``fund`` and others (see :mod:`ssproj.variables`). Variables (name,
        dimensions, definition, [unit]), from the registry of output
        variables (``src/ssproj/variables.yaml``):

@DATASET_VARIABLES@
    scenario : ssproj.scenario.Scenario
        The validated scenario that produced it.

    Notes
    -----
    Columns of :meth:`summary`, by year (name, definition, [unit]);
    ``<group>`` stands for each insured group, ``<benefit>`` for each type
    of pension:

@SUMMARY_COLUMNS@

    Keys of :meth:`indicators` (``<n>``: a valuation period in years,
    ``<year>``: a milestone year):

@INDICATORS@
    """

    def __init__(self, dataset: xr.Dataset, scenario=None):
        self.dataset = dataset
        self.scenario = scenario
        self._summary: tuple | None = None  # (dataset, summary) computed once for that dataset

    def __repr__(self):
        years = self.dataset["year"].values
        return (f"<ssproj.Projection {self.dataset.attrs.get('scenario_name', '?')!r} "
                f"{years[0]}-{years[-1]}, variables: {', '.join(str(v) for v in self.dataset.data_vars)}>")

    @property
    def population(self) -> xr.DataArray:
        """Population by year, sex and single age at 1 July. [persons]"""
        return self.dataset["population"]

    @property
    def years(self) -> np.ndarray:
        """Projection years. [calendar year]"""
        return self.dataset["year"].values

    @property
    def provenance(self) -> dict:
        """Scenario, assumption sources, ssproj version and seed of this result."""
        return json.loads(self.dataset.attrs["provenance"])

    @property
    def funds(self) -> list[str]:
        """The funds of the scheme, the headline fund first (empty without a scheme)."""
        ds = self.dataset
        if "fund" not in ds.coords:
            return []
        funds = [str(f) for f in ds["fund"].values]
        head = ds.attrs.get("headline_fund", funds[0])
        return [head] + [f for f in funds if f != head]

    def summary(self, fund: str | None = None) -> pd.DataFrame:
        """Key figures by year.

        Parameters
        ----------
        fund : str, optional
            Whose income, outgo and reserve the finance columns show: a
            fund's name, ``"all"`` for all funds together; default the
            headline fund (parameter ``headline_fund``, by default the
            long-term fund). The other columns do not depend on it.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``year``; columns and units in
            :data:`ssproj.finance.summary.SUMMARY_COLUMNS` (also in
            ``DataFrame.attrs['units']``); ``DataFrame.attrs['fund']`` names
            the fund of the finance columns.
        """
        ds = self.dataset
        key = fund if fund is not None else ds.attrs.get("headline_fund")
        if self._summary is None or self._summary[0] is not ds:
            self._summary = (ds, {})
        cache = self._summary[1]
        if key not in cache:
            frame = summary_frame(ds, fund)
            frame.attrs["fund"] = key if "actives" in ds else None
            cache[key] = frame
        df = cache[key].copy()
        df.attrs = {k: dict(v) if isinstance(v, dict) else v for k, v in cache[key].attrs.items()}
        return df

    def indicators(self, horizons=(25, 50, 75), milestones=(2030, 2040, 2050, 2075, 2100),
                   fund: str | None = None) -> pd.Series:
        """Long-range financial indicators of one fund (default the headline fund) or of all funds.

        Parameters
        ----------
        horizons : sequence of int
            Valuation periods, in years from the first scheme year, for the
            general average premium, the summarized rates and the present
            values (shortened to the projection if longer).
        milestones : sequence of int
            Years at which reserve ratios and the share of benefits payable
            are reported (those projected).
        fund : str, optional
            A fund's name, ``"all"`` for all funds together; default the
            headline fund.

        Returns
        -------
        pandas.Series
            Keys and units in the registry (:mod:`ssproj.variables`, kind
            ``indicator``): ``depletion_year`` (first year the reserve at
            31 December under the scheduled flows is <= 0; NaN if never),
            ``first_deficit_year``, ``gap_<n>``,
            ``summarized_income_rate_<n>``, ``summarized_cost_rate_<n>``,
            ``actuarial_balance_<n>``, ``pv_shortfall_<n>`` and its shares
            of the present values of GDP and of insured earnings,
            ``pv_state_transfers_<n>`` and its share of the present value
            of GDP, ``reserve_ratio_<year>``,
            ``share_of_benefits_payable_<year>``. ``Series.attrs['fund']``
            names the fund. Administrative costs proportional to
            contributions are a charge on the contributions, not a cost
            to be financed (methods: docs/methods/finance-indicators.md).

        Raises
        ------
        ValueError
            If the projection has no scheme, or ``fund`` is not one of its funds.
        """
        ds = self.dataset
        if "actives" not in ds:
            raise ValueError("this projection has no scheme: its assumption set declares no insured groups")
        s = self.summary(fund).dropna(subset=["total_outgo"])
        fi = fund_index(ds, fund)
        years = s.index.to_numpy()
        sel = {"year": years}

        def fund_values(name):
            arr = ds[name].sel(sel).transpose("year", "fund").to_numpy()
            return arr.sum(axis=1) if fi is None else arr[:, fi]

        earnings = ds["insured_earnings"].sum("group").sel(sel).to_numpy()
        interest = ds["investment_return"].sel(sel).to_numpy()
        a = ds["admin_cost_rate"].sel(sel).to_numpy()
        gdp = ds["gdp"].sel(sel).to_numpy()
        reserves = ds["opening_reserve"].to_numpy()
        opening = float(reserves.sum() if fi is None else reserves[fi])
        contrib = s["contribution_income"].to_numpy()
        # administrative costs proportional to contributions are netted from them: the cost to be financed is the
        # benefits and the other administrative costs, the payroll that finances it is net of that charge
        cost = fund_values("outgo_by_fund") - a * contrib
        net_income = (1.0 - a) * contrib
        net_payroll = (1.0 - a) * earnings
        out = {}
        dep = ind.depletion_year(years, fund_values("fund_reserve_end_scheduled"))
        out["depletion_year"] = float(dep) if dep is not None else float("nan")
        deficit = cost > net_income
        out["first_deficit_year"] = float(years[np.argmax(deficit)]) if deficit.any() else float("nan")
        transfers = s["state_transfer"].to_numpy()
        for n in horizons:
            h = min(int(n), len(years))
            out[f"gap_{n}"] = ind.general_average_premium(cost, net_payroll, interest, opening, horizon=h)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # cost after the horizon: last year's is used
                sr = ind.summarized_rates(net_income, cost, net_payroll, interest, start_reserve=opening, horizon=h)
            out[f"summarized_income_rate_{n}"] = float(sr["income_rate"])
            out[f"summarized_cost_rate_{n}"] = float(sr["cost_rate"])
            out[f"actuarial_balance_{n}"] = float(sr["actuarial_balance"])
            short = ind.open_group_shortfall(cost, net_income, interest, opening, horizon=h)
            pv_gdp = ind.present_value(gdp, interest, horizon=h)
            out[f"pv_shortfall_{n}"] = short
            out[f"pv_shortfall_{n}_share_of_gdp"] = short / pv_gdp
            out[f"pv_shortfall_{n}_share_of_earnings"] = short / ind.present_value(earnings, interest, horizon=h)
            pv_transfers = ind.present_value(transfers, interest, horizon=h)
            out[f"pv_state_transfers_{n}"] = pv_transfers
            out[f"pv_state_transfers_{n}_share_of_gdp"] = pv_transfers / pv_gdp
        for y in milestones:
            if y in s.index:
                out[f"reserve_ratio_{y}"] = float(s.loc[y, "reserve_ratio"])
        for y in milestones:
            if y in s.index:
                out[f"share_of_benefits_payable_{y}"] = float(s.loc[y, "share_of_benefits_payable"])
        series = pd.Series(out, name=self.dataset.attrs.get("scenario_name", ""))
        series.attrs["fund"] = s.attrs.get("fund")
        return series

    @classmethod
    def from_netcdf(cls, path) -> Projection:
        """Open a result written by :meth:`to_netcdf` or ``ssproj run`` (loaded into memory)."""
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return cls(ds.load())

    def tables(self) -> dict:
        """The result as named tables (DataFrames), as written to the Excel workbook.

        Returns
        -------
        dict of str to DataFrame
            ``summary`` (by year), ``population`` (by year and age, both
            sexes), and when the scenario has a scheme: ``insured`` and
            ``contributors`` by year and group, ``pensioners_by_type``,
            ``contributions`` by payer, ``finance`` by fund. Column headers carry units in brackets.
        """
        ds = self.dataset
        summary = self.summary()
        units = summary.attrs["units"]
        out = {"summary": summary.rename(columns={c: f"{c} [{u}]" if u else c for c, u in units.items()})}
        pop = ds["population"].sum("sex").to_pandas()
        pop.columns = [f"age {a}" + ("+" if a == ds["age"].values[-1] else "") for a in pop.columns]
        out["population"] = pop.add_suffix(f" [{_variables.label('total_population')}]")
        if "actives" in ds:
            years = ds["year"].values[ds["actives"].notnull().any(("group", "sex", "age")).values]
            insured = (ds["actives"] + ds["inactives"]).sum(("sex", "age")).sel(year=years).to_pandas()
            out["insured"] = insured.add_suffix(f" [{_variables.label('insured')}]")
            out["contributors"] = ds["contributors"].sum(("sex", "age")).sel(year=years).to_pandas().add_suffix(
                f" [{_variables.label('contributors')}]")
            pens = ds["pensioners"].sum(("sex", "age")).sel(year=years)
            out["pensioners_by_type"] = pens.sum("group").to_pandas().add_suffix(
                f" [{_variables.label('pensioners')}]")
            contrib = ds["contributions"].sel(year=years).sum("group").to_pandas()
            out["contributions"] = contrib.add_suffix(f" [{_variables.label('contributions')}]")
            fin = {}
            for var, label in (("contribution_income_by_fund", "contributions"),
                               ("fund_investment_income", "investment income"),
                               ("outgo_by_fund", "outgo"),
                               ("fund_reserve_end", "reserve at 31 December")):
                unit = _variables.label(var)
                frame = ds[var].sel(year=years).to_pandas()
                for f in frame.columns:
                    fin[f"{f}: {label} [{unit}]"] = frame[f]
            out["finance"] = pd.DataFrame(fin)
        for frame in out.values():
            frame.index.name = "year"
        return out

    def to_excel(self, path) -> Path:
        """Write :meth:`tables` to an Excel workbook (a sheet per table) atomically."""
        prov = pd.DataFrame(sorted((k, json.dumps(v, default=str) if not isinstance(v, str) else v)
                                   for k, v in self.provenance.items()), columns=["key", "value"])
        sheets = {name[:31]: (frame, True) for name, frame in self.tables().items()}
        sheets["provenance"] = (prov, False)
        with atomic_path(path, suffix=".xlsx") as tmp:
            write_workbook(tmp, sheets)  # fixed document properties: identical runs, identical bytes
        return Path(path)

    def to_html(self, path) -> Path:
        """Write the self-contained HTML report (charts, tables with units, provenance) atomically.

        See :func:`ssproj.reporting.html.write_html`.
        """
        return write_html(self, path)

    def to_netcdf(self, path) -> Path:
        """Write the Dataset to netCDF-4 atomically and return the path.

        Written with :func:`ssproj.io.netcdf.write_netcdf` (what
        :meth:`xarray.Dataset.to_netcdf` writes, read back identical by
        :func:`xarray.open_dataset`, without its Dask scheduler lookup).
        """
        with atomic_path(path, suffix=".nc") as tmp:
            write_netcdf(self.dataset, tmp)
        return Path(path)

    def write(self, out_dir) -> dict:
        """Write the result files into ``out_dir`` as a unit (:func:`ssproj.io.outdir.result_folder`).

        Files: ``results.nc`` (the Dataset), ``summary.csv`` (the summary,
        units in the header), ``population.csv`` (population by year, sex
        and age, long format), ``results.xlsx`` (a sheet per table of
        :meth:`tables`, units in the headers), ``provenance.json``, and
        ``manifest.json`` (every file with its size and sha256), written last.
        They are written into a hidden sibling folder that then replaces
        ``out_dir`` in one rename: an error leaves the previous result there
        unchanged. A second run into the same folder at the same time is
        refused (``out_dir.lock``).

        Returns
        -------
        dict
            File role -> path (where the file is once the folder is complete).
        """
        prov = self.provenance
        with result_folder(out_dir, kind="projection", scenario=self.dataset.attrs.get("scenario_name"),
                           inputs_sha256=inputs_sha256(prov)) as stage:
            out = stage.path
            written = {"netcdf": self.to_netcdf(out / "results.nc")}
            summary = self.summary()
            header = summary.rename(columns={c: f"{c} [{u}]" for c, u in summary.attrs["units"].items()})
            written["summary"] = write_text_atomic(out / "summary.csv", header.to_csv(float_format="%.10g"))
            pop = self.population.to_dataframe().reset_index()
            pop = pop.rename(columns={"population": "persons"})
            written["population"] = write_text_atomic(out / "population.csv",
                                                      pop.to_csv(index=False, float_format="%.10g"))
            written["excel"] = self.to_excel(out / "results.xlsx")
            written["provenance"] = write_text_atomic(
                out / "provenance.json", json.dumps(prov, indent=2, sort_keys=True) + "\n"
            )
        return {role: stage.final(path) for role, path in written.items()}


# The lists of variables in Projection's docstring come from the registry (no docstrings under -OO).
if Projection.__doc__:
    Projection.__doc__ = (Projection.__doc__
                              .replace("@DATASET_VARIABLES@", _variables.docstring_list(["dataset"], indent=" " * 8))
                          .replace("@SUMMARY_COLUMNS@", _variables.docstring_list(["summary"], indent=" " * 4))
                          .replace("@INDICATORS@", _variables.docstring_list(["indicator"], indent=" " * 4)))


def project(scenario) -> Projection:
    """Project a validated scenario.

    Parameters
    ----------
    scenario : ssproj.scenario.Scenario
        From :func:`ssproj.load_scenario`.

    Returns
    -------
    Projection

    Examples
    --------
    >>> import ssproj                                         # doctest: +SKIP
    >>> res = ssproj.project(ssproj.load_scenario("scenarios/lao_baseline.yaml"))
    >>> res.summary().loc[2050, "total_population"]
    """
    return Projection(run_plan(compile_scenario(scenario)), scenario)
