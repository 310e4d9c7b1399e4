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

from ssproj._version import __version__
from ssproj.demography.cohort import AGES, SEXES, project_population, scenario_demographic_inputs
from ssproj.io.atomic import atomic_path, write_text_atomic

__all__ = ["project", "Projection", "SUMMARY_COLUMNS"]

#: Columns of :meth:`Projection.summary` with their units.
SUMMARY_COLUMNS = {
    "total_population": "persons at 1 July",
    "population_0_14": "persons at 1 July",
    "population_15_64": "persons at 1 July",
    "population_65_plus": "persons at 1 July",
    "old_age_dependency_ratio": "persons 65+ per person 15-64",
    "births": "persons per calendar year",
    "deaths": "persons per calendar year",
    "net_migration": "persons per calendar year",
    "life_expectancy_male": "years at birth",
    "life_expectancy_female": "years at birth",
}

#: Scheme columns of :meth:`Projection.summary` (present when the scenario
#: declares insured groups; NaN before the first scheme year), with units.
SCHEME_SUMMARY_COLUMNS = {
    "labour_force": "persons at 1 July",
    "insured": "persons at 31 December",
    "contributors": "persons (contributor-years)",
    "pensioners": "persons at 31 December",
    "system_dependency_ratio": "pensioners per contributor",
    "contribution_income": "currency/year",
    "investment_income": "currency/year",
    "benefit_outgo": "currency/year",
    "admin_cost": "currency/year",
    "total_income": "currency/year",
    "total_outgo": "currency/year",
    "reserve_end": "currency at 31 December",
    "payg_cost_rate": "share of insured earnings",
    "average_contribution_rate": "share of insured earnings",
    "reserve_ratio": "years of outgo (reserve at 31 Dec / outgo of the year)",
    "share_of_earnings_above_ceiling": "share of members' earnings",
    "coverage_ratio": "contributors per person in the labour force",
    "old_age_coverage_ratio": "old-age pensioners per person above the lowest pensionable age",
    "replacement_rate_new_pensions": "new old-age pension / average insured earnings of contributors",
    "outgo_share_of_gdp": "share of GDP",
    "reserve_share_of_gdp": "share of GDP",
}

#: Strategy columns of :meth:`Projection.summary` (present when the scenario
#: has a coverage-expansion strategy), with units.
STRATEGY_SUMMARY_COLUMNS = {
    "strategy_recruits": "persons/year (registered by the strategy's channels)",
    "strategy_cost_fund": "currency/year (channel costs paid by the fund, in admin_cost)",
    "strategy_cost_state": "currency/year (channel costs and subsidies paid by the state)",
}


def _attrs(long_name, units, **extra):
    return {"long_name": long_name, "units": units, **extra}


class Projection:
    """The result of :func:`project`.

    Attributes
    ----------
    dataset : xarray.Dataset
        Every projected stock, flow and rate, with units in each variable's
        ``attrs`` and the provenance (scenario, assumption sources, ssproj
        version, seed) in ``dataset.attrs``. Dimensions: ``year`` (calendar
        year; stocks at 1 July), ``sex`` (``male``, ``female``), ``age``
        (0..100, 100 = 100+). Variables:

        - ``population`` (year, sex, age): persons at 1 July. [persons]
        - ``births`` (year, sex): live births in the calendar year. [persons/year]
        - ``deaths`` (year, sex, age): deaths in the calendar year, m(x) P(x). [persons/year]
        - ``net_migration`` (year, sex, age): immigrants minus emigrants. [persons/year]
        - ``mortality_rate`` (year, sex, age): central death rate m(x). [1/year]
        - ``fertility_rate`` (year, age): births per woman per year. [1/year]
        - ``sex_ratio_at_birth`` (year): males per female born. [1]
        - ``life_expectancy_at_birth`` (year, sex): period e(0). [years]
        - ``population_floor_adjustment`` (year): persons added during the
          year ending 1 July of ``year`` to keep stocks non-negative when
          emigrants outnumber residents of an age (0 in a sound
          scenario; a warning is issued otherwise). [persons]
    scenario : ssproj.scenario.Scenario
        The validated scenario that produced it.
    """

    def __init__(self, dataset: xr.Dataset, scenario=None):
        self.dataset = dataset
        self.scenario = scenario

    def __repr__(self):
        years = self.dataset["year"].values
        return (f"<ssproj.Projection {self.dataset.attrs.get('scenario_name', '?')!r} "
                f"{years[0]}-{years[-1]}, variables: {', '.join(self.dataset.data_vars)}>")

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

    def summary(self) -> pd.DataFrame:
        """Key figures by year.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``year``; columns and units in
            :data:`ssproj.projection.SUMMARY_COLUMNS` (also in
            ``DataFrame.attrs['units']``).
        """
        ds = self.dataset
        pop = ds["population"]
        by_age = pop.sum("sex")
        young = by_age.sel(age=slice(0, 14)).sum("age")
        working = by_age.sel(age=slice(15, 64)).sum("age")
        old = by_age.sel(age=slice(65, None)).sum("age")
        e0 = ds["life_expectancy_at_birth"]
        df = pd.DataFrame(
            {
                "total_population": by_age.sum("age").values,
                "population_0_14": young.values,
                "population_15_64": working.values,
                "population_65_plus": old.values,
                "old_age_dependency_ratio": (old / working).values,
                "births": ds["births"].sum("sex").values,
                "deaths": ds["deaths"].sum(("sex", "age")).values,
                "net_migration": ds["net_migration"].sum(("sex", "age")).values,
                "life_expectancy_male": e0.sel(sex="male").values,
                "life_expectancy_female": e0.sel(sex="female").values,
            },
            index=pd.Index(ds["year"].values, name="year"),
        )
        units = dict(SUMMARY_COLUMNS)
        if "actives" in ds:
            scheme = _scheme_summary(ds)
            df = df.join(scheme)
            units.update(SCHEME_SUMMARY_COLUMNS)
            if "channel_recruits" in ds:
                units.update(STRATEGY_SUMMARY_COLUMNS)
            for col in scheme.columns:
                units.setdefault(col, _group_unit(col))
        df.attrs["units"] = units
        return df

    def indicators(self, horizons=(25, 50, 75), milestones=(2030, 2040, 2050, 2075, 2100)) -> pd.Series:
        """Long-range financial indicators of the scheme (all funds together).

        Parameters
        ----------
        horizons : sequence of int
            Valuation periods, in years from the first scheme year, for the
            general average premium and the summarized rates (shortened to
            the projection if longer).
        milestones : sequence of int
            Years at which reserve ratios are reported (those projected).

        Returns
        -------
        pandas.Series
            ``depletion_year`` (first year the combined reserve at 31
            December is <= 0; NaN if never), ``gap_<n>`` general average
            premium over n years with a zero closing reserve [share of
            insured earnings], ``summarized_income_rate_<n>``,
            ``summarized_cost_rate_<n>``, ``actuarial_balance_<n>`` (SSA
            definitions, target reserve 1 year of cost) [share of insured
            earnings], ``reserve_ratio_<year>`` (ILO: reserve at 31 Dec /
            outgo of the year) [years].

        Raises
        ------
        ValueError
            If the projection has no scheme.
        """
        import warnings

        from ssproj.finance import indicators as ind

        ds = self.dataset
        if "actives" not in ds:
            raise ValueError("this projection has no scheme: its assumption set declares no insured groups")
        s = self.summary().dropna(subset=["total_outgo"])
        years = s.index.to_numpy()
        earnings = ds["insured_earnings"].sum("group").sel(year=years).to_numpy()
        interest = ds["investment_return"].sel(year=years).to_numpy()
        opening = float(ds["opening_reserve"].sum())
        outgo = s["total_outgo"].to_numpy()
        income = s["contribution_income"].to_numpy()
        out = {}
        dep = ind.depletion_year(years, s["reserve_end"].to_numpy())
        out["depletion_year"] = float(dep) if dep is not None else float("nan")
        for n in horizons:
            h = min(int(n), len(years))
            out[f"gap_{n}"] = ind.general_average_premium(outgo, earnings, interest, opening, horizon=h)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # cost after the horizon: last year's is used
                sr = ind.summarized_rates(income, outgo, earnings, interest, start_reserve=opening, horizon=h)
            out[f"summarized_income_rate_{n}"] = float(sr["income_rate"])
            out[f"summarized_cost_rate_{n}"] = float(sr["cost_rate"])
            out[f"actuarial_balance_{n}"] = float(sr["actuarial_balance"])
        for y in milestones:
            if y in s.index:
                out[f"reserve_ratio_{y}"] = float(s.loc[y, "reserve_ratio"])
        return pd.Series(out, name=self.dataset.attrs.get("scenario_name", ""))

    @classmethod
    def from_netcdf(cls, path) -> "Projection":
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
        out["population"] = pop.add_suffix(" [persons at 1 July]")
        if "actives" in ds:
            years = ds["year"].values[ds["actives"].notnull().any(("group", "sex", "age")).values]
            insured = (ds["actives"] + ds["inactives"]).sum(("sex", "age")).sel(year=years).to_pandas()
            out["insured"] = insured.add_suffix(" [persons at 31 December]")
            out["contributors"] = ds["contributors"].sum(("sex", "age")).sel(year=years).to_pandas().add_suffix(
                " [contributor-years]")
            pens = ds["pensioners"].sum(("sex", "age")).sel(year=years)
            out["pensioners_by_type"] = pens.sum("group").to_pandas().add_suffix(" [persons at 31 December]")
            contrib = ds["contributions"].sel(year=years).sum("group").to_pandas()
            out["contributions"] = contrib.add_suffix(" [currency/year]")
            fin = {}
            for var, label, unit in (("contribution_income_by_fund", "contributions", "currency/year"),
                                     ("fund_investment_income", "investment income", "currency/year"),
                                     ("outgo_by_fund", "outgo", "currency/year"),
                                     ("fund_reserve_end", "reserve at 31 December", "currency")):
                frame = ds[var].sel(year=years).to_pandas()
                for f in frame.columns:
                    fin[f"{f}: {label} [{unit}]"] = frame[f]
            out["finance"] = pd.DataFrame(fin)
        for frame in out.values():
            frame.index.name = "year"
        return out

    def to_excel(self, path) -> Path:
        """Write :meth:`tables` to an Excel workbook (a sheet per table) atomically."""
        with atomic_path(path, suffix=".xlsx") as tmp:
            # xlsxwriter writes about twice as fast as openpyxl (which reads them back)
            with pd.ExcelWriter(tmp, engine="xlsxwriter") as writer:
                for name, frame in self.tables().items():
                    frame.to_excel(writer, sheet_name=name[:31])
                prov = pd.DataFrame(sorted((k, json.dumps(v, default=str) if not isinstance(v, str) else v)
                                           for k, v in self.provenance.items()), columns=["key", "value"])
                prov.to_excel(writer, sheet_name="provenance", index=False)
        return Path(path)

    def to_html(self, path) -> Path:
        """Write the self-contained HTML report (charts, tables with units, provenance) atomically.

        See :func:`ssproj.reporting.html.write_html`.
        """
        from ssproj.reporting.html import write_html

        return write_html(self, path)

    def to_netcdf(self, path) -> Path:
        """Write the Dataset to netCDF-4 atomically and return the path."""
        with atomic_path(path, suffix=".nc") as tmp:
            self.dataset.to_netcdf(tmp, engine="netcdf4")
        return Path(path)

    def write(self, out_dir) -> dict:
        """Write the result files into ``out_dir``, each atomically.

        Files: ``results.nc`` (the Dataset), ``summary.csv`` (the summary,
        units in the header), ``population.csv`` (population by year, sex
        and age, long format), ``results.xlsx`` (a sheet per table of
        :meth:`tables`, units in the headers), ``provenance.json``.

        Returns
        -------
        dict
            File role -> path written.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = {"netcdf": self.to_netcdf(out / "results.nc")}
        summary = self.summary()
        header = summary.rename(columns={c: f"{c} [{u}]" for c, u in summary.attrs["units"].items()})
        written["summary"] = write_text_atomic(out / "summary.csv", header.to_csv(float_format="%.10g"))
        pop = self.population.to_dataframe().reset_index()
        pop = pop.rename(columns={"population": "persons"})
        written["population"] = write_text_atomic(out / "population.csv", pop.to_csv(index=False, float_format="%.10g"))
        written["excel"] = self.to_excel(out / "results.xlsx")
        written["provenance"] = write_text_atomic(
            out / "provenance.json", json.dumps(self.provenance, indent=2, sort_keys=True) + "\n"
        )
        return written


def _group_unit(col: str) -> str:
    if col.startswith("insured_"):
        return "persons at 31 December"
    if col.startswith("contributors_"):
        return "persons (contributor-years)"
    if col.startswith("pensioners_"):
        return "persons at 31 December"
    return ""


def _scheme_summary(ds: xr.Dataset) -> pd.DataFrame:
    """Scheme key figures by scheme year (see SCHEME_SUMMARY_COLUMNS)."""
    years = ds["year"].values[ds["actives"].notnull().any(("group", "sex", "age")).values]
    ds = ds.sel(year=years)
    sel = dict(year=years)
    insured = (ds["actives"] + ds["inactives"]).sum(("sex", "age"))
    contributors = ds["contributors"].sum(("sex", "age"))
    pensioners = ds["pensioners"].sum(("sex", "age"))
    contributions = ds["contributions"].sum(("payer", "group"))
    investment = ds["fund_investment_income"].sum("fund")
    benefits = ds["benefit_outgo_by_type"].sum(("group", "benefit")) + ds["lump_sums"].sum("group")
    if "branch_outgo" in ds:
        benefits = benefits + ds["branch_outgo"].sum("branch")
    admin = ds["admin_cost"].sum("fund")
    outgo = ds["fund_total_outgo"].sum("fund")
    reserve = ds["fund_reserve_end"].sum("fund")
    earnings = ds["insured_earnings"].sum("group")
    member_earnings = (ds["average_earnings"] * ds["actives"]).sum(("group", "sex", "age"))
    above = (ds["share_above_ceiling"] * ds["average_earnings"] * ds["actives"]).sum(("group", "sex", "age"))
    cols = {
        "labour_force": ds["labour_force"].sel(**sel).sum(("sex", "age")),
        "insured": insured.sum("group"),
        "contributors": contributors.sum("group"),
        "pensioners": pensioners.sum(("group", "benefit")),
        "contribution_income": contributions,
        "investment_income": investment,
        "benefit_outgo": benefits,
        "admin_cost": admin,
        "total_income": contributions + investment,
        "total_outgo": outgo,
        "reserve_end": reserve,
        "payg_cost_rate": outgo / earnings,
        "average_contribution_rate": contributions / earnings,
        "reserve_ratio": reserve / outgo,
        "share_of_earnings_above_ceiling": above / member_earnings,
    }
    cols["system_dependency_ratio"] = cols["pensioners"] / cols["contributors"]
    cols["coverage_ratio"] = cols["contributors"] / cols["labour_force"]
    lowest = ds["pensionable_age"].min("group")  # (year, sex)
    above = (ds["population"].where(ds["age"] >= lowest)).sum(("sex", "age"))
    cols["old_age_coverage_ratio"] = pensioners.sel(benefit="old_age").sum("group") / above
    new_old_age = ds["new_pensions"].sel(benefit="old_age").sum("group")
    avg_new = ds["new_pension_amount"].sel(benefit="old_age").sum("group") / new_old_age
    avg_earn = earnings / contributors.sum("group")
    cols["replacement_rate_new_pensions"] = avg_new / avg_earn
    cols["outgo_share_of_gdp"] = outgo / ds["gdp"]
    cols["reserve_share_of_gdp"] = reserve / ds["gdp"]
    df = pd.DataFrame({k: np.asarray(v.values, dtype=float) for k, v in cols.items()},
                      index=pd.Index(years, name="year"))
    df = df[[c for c in SCHEME_SUMMARY_COLUMNS if c in df.columns]]
    if "channel_recruits" in ds:
        df["strategy_recruits"] = ds["channel_recruits"].sum("channel").values
        df["strategy_cost_fund"] = ds["channel_cost"].sel(cost_payer="fund").sum("channel").values
        df["strategy_cost_state"] = ds["channel_cost"].sel(cost_payer="state").sum("channel").values
    for g in ds["group"].values:
        df[f"insured_{g}"] = insured.sel(group=g).values
        df[f"contributors_{g}"] = contributors.sel(group=g).values
    for b in ds["benefit"].values:
        df[f"pensioners_{b}"] = pensioners.sum("group").sel(benefit=b).values
    return df


def _provenance(scenario) -> dict:
    prov = dict(getattr(scenario, "provenance", {}) or {})
    prov.setdefault("ssproj_version", __version__)
    prov.setdefault("seed", getattr(scenario, "seed", 0))
    prov.setdefault("scenario_name", getattr(scenario, "name", None))
    return prov


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
    years = np.asarray(scenario.years, dtype=np.int64)
    inputs = scenario_demographic_inputs(scenario)
    out = project_population(inputs)
    floor = np.concatenate([[0.0], out["interval_floored"]])
    if floor.sum() > 0:
        worst = int(years[np.argmax(floor)])
        warnings.warn(
            f"net emigration exceeded the population of some ages: {floor.sum():,.0f} persons in all were "
            f"added to keep stocks non-negative (most in the year to 1 July {worst}); see "
            "dataset['population_floor_adjustment']",
            stacklevel=2,
        )
    coords = {"year": years, "sex": list(SEXES), "age": AGES}
    ysa = ("year", "sex", "age")
    ds = xr.Dataset(
        {
            "population": (ysa, out["population"], _attrs("Population at 1 July", "persons")),
            "births": (("year", "sex"), out["births"], _attrs("Live births in the calendar year", "persons/year")),
            "deaths": (ysa, out["deaths"], _attrs("Deaths in the calendar year, m(x) x P(x)", "persons/year")),
            "net_migration": (ysa, out["net_migration"], _attrs("Net migrants in the calendar year", "persons/year")),
            "mortality_rate": (ysa, inputs.mx, _attrs("Central death rate m(x)", "1/year")),
            "fertility_rate": (("year", "age"), inputs.asfr,
                               _attrs("Age-specific fertility rate", "births per woman per year")),
            "sex_ratio_at_birth": (("year",), inputs.srb, _attrs("Sex ratio at birth", "males per female")),
            "life_expectancy_at_birth": (("year", "sex"), out["e0"],
                                         _attrs("Period life expectancy at birth", "years")),
            "population_floor_adjustment": (("year",), floor, _attrs(
                "Persons added in the year to 1 July to keep stocks non-negative", "persons")),
        },
        coords=coords,
    )
    if getattr(scenario, "groups", ()):
        from ssproj.scheme.plan import project_scheme

        if getattr(scenario, "strategy", None) is not None:
            from ssproj.scheme.strategies import project_strategy_scheme

            scheme = project_strategy_scheme(scenario, ds)
        else:
            scheme = project_scheme(scenario, ds)
        ds = xr.merge([ds, scheme], join="outer", compat="no_conflicts", combine_attrs="drop_conflicts")
    ds["year"].attrs = _attrs("Calendar year: population at 1 July; members, pensioners and reserves at "
                              "31 December; flows over the year", "year")
    ds["age"].attrs = _attrs("Age in completed years (100 = 100 and over)", "years")
    prov = _provenance(scenario)
    ds.attrs = {
        "title": f"ssproj projection: {getattr(scenario, 'name', '')}",
        "scenario_name": str(getattr(scenario, "name", "")),
        "ssproj_version": __version__,
        "seed": int(getattr(scenario, "seed", 0)),
        "provenance": json.dumps(prov, sort_keys=True, default=str),
        "Conventions": "CF-1.10",
        "currency": str(getattr(getattr(scenario, "assumptions", None), "currency", "") or ""),
    }
    if hasattr(scenario, "to_dict"):
        ds.attrs["scenario"] = json.dumps(scenario.to_dict(), sort_keys=True, default=str)
    return Projection(ds, scenario)
