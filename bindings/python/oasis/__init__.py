"""Oasis from Python: the engine behind ``oasis`` (APL, 2SFCA family, ARS-style zoning, grant
calculators, siting, scenario runs) with numpy arrays, pandas DataFrames and geopandas
GeoDataFrames. INSEE codes are always text (``"01001"``, ``"2A004"``). See docs/python.md.

Units: travel costs in minutes, distances in metres (Lambert-93, EPSG:2154), populations in
inhabitants, the APL in consultations per year per standardised inhabitant, money in euros.

Errors raise :class:`OasisError` with ``.code`` (the CLI's exit code, e.g. 30), ``.name``
(``"E-CODE-MALFORMED"``), ``.message``, ``.file``, ``.record`` and ``.fix``. Long computations
accept ``progress=callable(fraction, stage)``; returning ``False`` cancels them (``OasisError``
with code 75, ``E-CANCELLED``); they release the GIL while they run.
"""
from __future__ import annotations

import json
import math
import os
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from . import _oasis
from ._oasis import OasisError, Od, Territory

__version__ = _oasis.__version__
__all__ = [
    "OasisError", "Territory", "Od", "errors", "load_territory", "load_supply", "travel", "od_from_dataframe",
    "access", "zone", "site", "grants", "run", "sweep", "territory_frame", "od_frame", "Planner",
]

Progress = Callable[[float, str], Any]

try:  # optional: DataFrames when pandas is there, GeoDataFrames when geopandas is
    import pandas as _pd
except ImportError:  # pragma: no cover - exercised only without pandas
    _pd = None


def _fail(code: int, message: str, fix: str = ""):
    """An error found on the Python side, as the engine's: an OasisError with .code, .name, .fix."""
    return _oasis.error(code, message, fix=fix)


# The error codes raised from Python (docs/errors.md).
_USAGE, _FIELD_MISSING, _VALUE_INVALID, _CODE_UNKNOWN = 2, 41, 40, 32


def _need_pandas(what: str):
    if _pd is None:
        raise _fail(_USAGE, f"{what} needs pandas", "install it (Debian: apt install python3-pandas)")
    return _pd


def _as_od(od, what: str) -> Od:
    """An :class:`Od`, or a long pandas DataFrame ``from_id, to_id, cost`` made into one."""
    if isinstance(od, Od):
        return od
    if _pd is not None and isinstance(od, _pd.DataFrame):
        return od_from_dataframe(od)
    raise _fail(_USAGE, f"{what}: the travel table is a {type(od).__name__}",
                "pass an Od (oasis.travel) or a pandas DataFrame with columns from_id, to_id and minutes / cost / time")


def errors() -> list[tuple[int, str, str]]:
    """Every error code as (exit code, name, meaning): the table of docs/errors.md."""
    return _oasis.errors()


def load_territory(data: str = "", *, regions: Sequence[str] = (), departements: Sequence[str] = (), cog: str = "",
                   communes: str | None = None, apl: str | None = None, use_apl: bool = True, threads: int = 0,
                   progress: Progress | None = None) -> Territory:
    """Loads communes from the data directory, as ``oasis info`` does.

    ``data``: the data directory ("" = ``$OASIS_DATA`` or the build's default ``../shared/geodata``);
    ``regions`` / ``departements``: COG codes (text) to select; ``apl``: the DREES APL file
    (default: the one of the data directory; ``use_apl=False`` skips it). Returns a
    :class:`Territory` (``.codes``, ``.population`` in inhabitants, ``.x``/``.y`` in metres,
    Lambert-93, ``.column("population_std")``...); :func:`territory_frame` turns it into a
    (Geo)DataFrame.
    """
    return _oasis.load_territory(data, cog, list(regions), list(departements), communes, apl, use_apl, threads, progress)


def territory_frame(territory: Territory, geometry: bool = False):
    """The territory as a DataFrame indexed by ``code_insee`` (text), with its numeric columns;
    ``geometry=True`` gives a geopandas GeoDataFrame in EPSG:2154 (boundaries)."""
    pd = _need_pandas("territory_frame")
    df = pd.DataFrame({
        "code_insee": territory.codes, "name": territory.names, "departement": territory.departement,
        "region": territory.region, "epci": territory.epci, "population": territory.population,
        "x_l93": territory.x, "y_l93": territory.y,
    })
    for name in territory.column_names():
        df[name] = territory.column(name)
    df = df.set_index("code_insee")
    if not geometry:
        return df
    import geopandas as gpd
    from shapely import wkt as _wkt
    return gpd.GeoDataFrame(df, geometry=[_wkt.loads(w) for w in territory.wkt()], crs="EPSG:2154")


def load_supply(territory: Territory, path: str = "", *, format: str = "auto", column: str = "") -> np.ndarray:
    """Supply per commune of the territory (same order as ``territory.codes``), read as ``oasis
    access`` reads ``--supply``: counts (code + count column), an RPPS extraction or points.
    Default: the RPPS 2026 GP counts of the data directory (GP headcount)."""
    return _oasis.load_supply(territory, path, format, column)


_TRAVEL = _oasis.travel_defaults()  # the engine's one declaration of these defaults


def travel(territory: Territory, *, model: str = _TRAVEL["model"], cutoff_min: float = _TRAVEL["cutoff_min"],
           intra_min: float = _TRAVEL["intra_min"], detour: float = _TRAVEL["detour"], speed_kmh: float = _TRAVEL["speed_kmh"],
           urban_speed_kmh: float = _TRAVEL["urban_speed_kmh"], urban_density: float = _TRAVEL["urban_density"],
           osm: str = "", table: str = "", threads: int = 0, progress: Progress | None = None) -> Od:
    """Commune-to-commune travel times in minutes (``oasis travel``): ``model`` = crowfly,
    commune-graph, osm (``osm=FILE.osm.pbf``) or table (``table=FILE``); pairs slower than
    ``cutoff_min`` minutes are absent. Origins and destinations are the territory's communes.
    ``detour`` = 0 takes the model's default (1.3 crowfly, 1.2 commune-graph)."""
    return _oasis.travel(territory, model, cutoff_min, intra_min, detour, speed_kmh, urban_speed_kmh, urban_density, osm, table,
                         threads, progress)


def od_frame(od: Od):
    """An OD table as a long DataFrame ``from_id, to_id, minutes`` (ids as text)."""
    pd = _need_pandas("od_frame")
    o, d, m = od.arrays()
    from_ids = np.asarray(od.from_ids, dtype=object)
    to_ids = np.asarray(od.to_ids, dtype=object)
    return pd.DataFrame({"from_id": from_ids[o], "to_id": to_ids[d], "minutes": m})


def od_from_dataframe(df, *, from_col: str = "from_id", to_col: str = "to_id", cost_col: str | None = None,
                      from_ids: Sequence[str] | None = None, to_ids: Sequence[str] | None = None,
                      max_cost: float = math.inf) -> Od:
    """A long-format OD (pandas: one row per pair, ``from_id, to_id, cost``) as an :class:`Od`.

    ``from_ids`` / ``to_ids`` fix the order of origins and destinations (rows naming other ids are
    dropped); by default the sorted distinct ids of each column. ``cost_col``: the first of
    minutes, cost, time. Costs must be non-negative numbers; a pair twice is an error."""
    _need_pandas("od_from_dataframe")
    if cost_col is None:
        cost_col = next((c for c in ("minutes", "cost", "time") if c in df.columns), None)
        if cost_col is None:
            raise _fail(_FIELD_MISSING, f"the OD has no cost column (minutes, cost or time); columns: {list(df.columns)}",
                        "name the cost column cost_col=, or call it minutes, cost or time")
    for c in (from_col, to_col):
        if c not in df.columns:
            raise _fail(_FIELD_MISSING, f"the OD has no column {c!r}; columns: {list(df.columns)}",
                        "name the columns from_col= / to_col=, or call them from_id and to_id")
    f = df[from_col].astype(str)
    t = df[to_col].astype(str)
    fi = sorted(set(f)) if from_ids is None else [str(x) for x in from_ids]
    ti = sorted(set(t)) if to_ids is None else [str(x) for x in to_ids]
    fpos = {k: i for i, k in enumerate(fi)}
    tpos = {k: i for i, k in enumerate(ti)}
    o = f.map(fpos)
    d = t.map(tpos)
    keep = o.notna() & d.notna()
    cost = np.asarray(df[cost_col], dtype=float)[keep.to_numpy()]
    return _oasis.od_from_arrays(fi, ti, o[keep].astype(np.int64).to_numpy(), d[keep].astype(np.int64).to_numpy(), cost, max_cost)


def _aligned(values, ids: Sequence[str], what: str) -> np.ndarray:
    """A Series / dict keyed by id, or an array already in the order of ``ids``."""
    if isinstance(values, Mapping) or (_pd is not None and isinstance(values, _pd.Series)):
        get = values.get
        out = np.array([get(i, 0.0) for i in ids], dtype=float)
        return out
    arr = np.asarray(values, dtype=float)
    if arr.shape != (len(ids),):
        raise _fail(_VALUE_INVALID, f"{what}: {arr.shape[0] if arr.ndim else 0} values for {len(ids)} ids",
                    "pass one value per id, in the order of the ids, or a Series / dict keyed by id")
    return arr


def access(od: Od, supply, demand, *, method: str = "2sfca", decay: str = "", max_cost: float = math.inf, n: int = 1,
           supply_demand=None, sa_alpha: float | None = None, sa_output: str | None = None, frame: bool = True):
    """Accessibility of each origin (``oasis access`` in matrix mode).

    ``supply`` (per destination) and ``demand`` (per origin): pandas Series or dicts keyed by id,
    or arrays in the order of ``od.to_ids`` / ``od.from_ids``. ``method``: apl, fca-ratio, 2sfca,
    e2sfca, g2sfca, bfca, 3sfca, gravity, cumulative, cost-to-closest, spatial-availability;
    ``decay``: a spec such as ``step:10:1,15:0.666667,20:0.333333`` (default: the method's);
    ``max_cost`` in minutes; ``sa_alpha``, ``sa_output`` (``"total"`` or ``"per-capita"``):
    spatial-availability, as ``access.sa_alpha`` / ``access.sa_output`` (None = their defaults).
    ``od``: an :class:`Od` or a long pandas DataFrame ``from_id, to_id, cost`` (or ``minutes``).
    Returns a DataFrame (index = origin id, columns value, flag) or, with ``frame=False`` /
    without pandas, ``(values, flags, info)``."""
    od = _as_od(od, "access")
    dem = _aligned(demand, od.from_ids, "demand")
    sup = _aligned(supply, od.to_ids, "supply")
    sd = None if supply_demand is None else _aligned(supply_demand, od.to_ids, "supply_demand")
    values, flags, info = _oasis.access(od, dem, sup, method, decay, max_cost, n, sd, sa_alpha, sa_output)
    if not frame or _pd is None:
        return values, flags, info
    df = _pd.DataFrame({"value": values, "flag": flags}, index=_pd.Index(od.from_ids, name="id"))
    df.attrs.update(info)
    return df


def zone(values, territory: Territory, *, units: str = "epci", zip_below: float = 2.5, vivier_below: float = 4.0,
         caps: Mapping[str, tuple[float, float]] | None = None, fill: str = "in-order", frame: bool = True):
    """ARS-style zoning (docs/zoning.md): ``values`` (APL per commune, in territory order) averaged
    per unit with population weights (``units`` = epci, commune or departement), ZIP below
    ``zip_below``, vivier up to ``vivier_below``, picked under ``caps`` = {région: (zip share,
    zac share)}. Returns a DataFrame indexed by code_insee: unit, unit_value, class, zone, rule."""
    keys = {"epci": territory.epci, "commune": territory.codes, "departement": territory.departement}.get(units)
    if keys is None:
        raise _fail(_VALUE_INVALID, f"units '{units}' is not a unit level", "use units='epci', 'commune' or 'departement'")
    keys = [k if k else c for k, c in zip(keys, territory.codes)]  # communes outside any EPCI stand alone
    r = _oasis.zone(np.asarray(values, dtype=float), territory.population, territory.region, keys, [], units, zip_below,
                    vivier_below, dict(caps or {}), fill)
    if not frame or _pd is None:
        return r
    return _pd.DataFrame({"unit": r["unit"], "unit_value": r["unit_value"], "class": r["class"], "zone": r["zone"], "rule": r["rule"]},
                         index=_pd.Index(territory.codes, name="code_insee"))


_SITE = _oasis.site_defaults()  # siting::Options, as the CLI's


def site(od: Od, demand, *, model: str = _SITE["model"], p: int = _SITE["p"], radius: float = _SITE["radius"],
         fixed: Sequence[str] = (), capacity=None, rounds: int = _SITE["rounds"], seed: int = _SITE["seed"],
         time_limit: float = _SITE["time_limit"], exact: str = _SITE["exact"],
         exact_time_limit: float = _SITE["exact_time_limit"], progress: Progress | None = None) -> dict:
    """Where to open sites (``oasis site``): p-median, mclp, lscp, p-center over ``od`` (origins =
    demand points, destinations = candidates; ``radius`` in the OD's unit). Returns a dict with
    ``open`` (candidate ids), ``objective``, ``bound``, ``gap`` (0 = proven optimal), ``method``.
    ``od``: an :class:`Od` or a long pandas DataFrame ``from_id, to_id, cost``."""
    od = _as_od(od, "site")
    w = _aligned(demand, od.from_ids, "demand")
    pos = {k: i for i, k in enumerate(od.to_ids)}
    fx = []
    for f in fixed:
        if str(f) not in pos:
            raise _fail(_CODE_UNKNOWN, f"fixed site '{f}' is not a candidate (a destination of the OD)",
                        "fix only destinations of the travel table (od.to_ids)")
        fx.append(pos[str(f)])
    cap = None if capacity is None else _aligned(capacity, od.to_ids, "capacity")
    return _oasis.site(od, w, model, p, radius, fx, cap, rounds, seed, time_limit, exact, exact_time_limit, progress)


def _table(src):
    """A zone list / facts table: a path (file or `oasis run` folder) or a DataFrame with code_insee."""
    if isinstance(src, (str, os.PathLike)):
        return os.fspath(src)
    pd = _need_pandas("DataFrame zone lists")
    df = src.reset_index() if "code_insee" not in src.columns else src
    cols = ["code_insee"] + [c for c in df.columns if c != "code_insee"]
    rows = [["" if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v) for v in r]
            for r in df[cols].itertuples(index=False, name=None)]
    return (cols, rows)


def grants(scheme: str, applications, zones=None, *, facts=None, params: Mapping[str, str] | None = None,
           faculties: str = "", road_minutes: str = "", road_km: str = "", frame: bool = True):
    """A grant scheme (``oasis grants``): ``scheme`` = a rule file of scenarios/grants/;
    ``applications`` = a CSV path or a DataFrame (an ``id`` column and the columns the scheme
    reads); ``zones`` = a zone list (an ``oasis run`` folder, a zones.csv, a DataFrame with
    code_insee and zone) or a dict {"YYYY-MM-DD": zone list} of lists by effective date;
    ``params`` = {name: TOML value} overrides. Returns ``(awards, summary)``: a DataFrame (id,
    eligible, amount, awarded in euros, status, clauses, reasons, unconfirmed) and the summary dict."""
    if zones is None:
        zl = []
    elif isinstance(zones, Mapping):
        zl = [(str(d), _table(z)) for d, z in sorted(zones.items())]
    else:
        zl = [("", _table(zones))]
    if not isinstance(applications, (str, os.PathLike)):
        df = applications.reset_index() if "id" not in applications.columns else applications
        applications = [{str(k): ("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)) for k, v in r.items()}
                        for r in df.to_dict(orient="records")]
    else:
        applications = os.fspath(applications)
    rows, summary = _oasis.grants(os.fspath(scheme), applications, zl, None if facts is None else _table(facts),
                                  {k: str(v) for k, v in (params or {}).items()}, faculties, road_minutes, road_km)
    summary = json.loads(summary)
    if not frame or _pd is None:
        return rows, summary
    df = _pd.DataFrame(rows, columns=["id", "eligible", "amount", "awarded", "status", "clauses", "reasons"])
    df["clauses"] = df["clauses"].map(" | ".join)
    df["reasons"] = df["reasons"].map(" | ".join)
    return df.set_index("id"), summary


# The columns of zones.csv, from the engine's output schema (docs/outputs.md).
ZONE_COLUMNS = list(_oasis.zone_list_columns())


def run(scenario: str, out_dir: str = "", *, overwrite: bool = False, data: str = "", cog: str = "", threads: int | None = None,
        csv_fr: bool | None = None, progress: Progress | None = None, frame: bool = True):
    """Runs a scenario file (``oasis run``). ``out_dir`` = "" computes without writing. Returns
    ``(zones, summary)``: the zone list (DataFrame indexed by code_insee, the columns of zones.csv)
    and summary.json as a dict (``summary["timings"]`` holds timings.json)."""
    summary, zones, timings = _oasis.run(os.fspath(scenario), os.fspath(out_dir), overwrite, data, cog, threads, csv_fr, progress)
    summary = json.loads(summary)
    summary["timings"] = json.loads(timings)
    if not frame or _pd is None:
        return zones, summary
    return _pd.DataFrame(zones, columns=ZONE_COLUMNS).set_index("code_insee"), summary


def sweep(file: str, out_dir: str, **options):
    """Runs a sweep file (``oasis sweep``) on dask.distributed; see :func:`oasis.sweeps.sweep`
    (``scheduler=``, ``workers=``, ``client=``, ``overwrite=``, ``data=``, ``progress=``) and docs/sweeps.md."""
    from .sweeps import sweep as _sweep  # needs python3-distributed only when called

    return _sweep(file, out_dir, **options)


class Planner:
    """The what-if planner of ``oasis serve`` without the browser (docs/serve.md): sessions of changes
    on the served scenario files, the same states (dicts), errors (OasisError) and exports.

    >>> p = Planner(["scenarios/planner/centre-val-de-loire.toml"])      # doctest: +SKIP
    >>> s = p.open_session("planner-centre-val-de-loire")               # doctest: +SKIP
    >>> s = p.change(s["session"], {"op": "add", "commune": "28018"})    # doctest: +SKIP
    """

    def __init__(self, scenarios: Sequence[str], data: str = ""):
        self._p = _oasis.Planner([os.fspath(f) for f in scenarios], data)

    def territories(self) -> list:
        return json.loads(self._p.territories())

    def open_session(self, territory: str) -> dict:
        return json.loads(self._p.open_session(territory))

    def state(self, session: str) -> dict:
        return json.loads(self._p.state(session))

    def geometry(self, session: str) -> dict:
        return json.loads(self._p.geometry(session))

    def change(self, session: str, change: Mapping[str, Any]) -> dict:
        return json.loads(self._p.change(session, json.dumps(change)))

    def undo(self, session: str, index: int = -1) -> dict:
        return json.loads(self._p.undo(session, index))

    def scenario_toml(self, session: str) -> str:
        return self._p.scenario_toml(session)

    def export_file(self, session: str, name: str) -> bytes:
        """``zones.csv``, ``zones.xlsx``, ``communes.gpkg`` or ``summary.json`` of the session's state."""
        return self._p.export_file(session, name)

    def close_session(self, session: str) -> None:
        self._p.close_session(session)
