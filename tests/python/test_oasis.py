"""The Python package against the CLI on the same inputs, types and code formats, errors,
progress and cancellation, the GIL. Run by ctest (python:pytest) with PYTHONPATH set to the
build's python folder, OASIS_CLI = the oasis executable, OASIS_DATA, OASIS_SOURCE_DIR."""
import csv
import io
import json
import math
import os
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import oasis

CLI = os.environ["OASIS_CLI"]
SRC = Path(os.environ["OASIS_SOURCE_DIR"])
SHARED = Path(os.environ.get("OASIS_SHARED_DIR", SRC.parent / "shared"))
DEFAULT = SRC / "scenarios" / "centre-val-de-loire.toml"


def cli(*args, cwd=None):
    r = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd)
    if r.returncode != 0:
        raise AssertionError(f"oasis {' '.join(map(str, args))} -> {r.returncode}: {r.stderr}")
    return r.stdout


@pytest.fixture(scope="module")
def indre_et_loire():
    return oasis.load_territory(departements=["37"])


@pytest.fixture(scope="module")
def cvl_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cvl")
    cli("run", DEFAULT, "-o", out, "-q", "--overwrite")
    return out


# ---- types and formats ------------------------------------------------------------------------

def test_territory_types_and_codes(indre_et_loire):
    t = indre_et_loire
    info = json.loads(cli("info", "--departement", "37", "--json"))
    assert t.size == info["communes"] == len(t.codes)
    assert math.isclose(float(t.population.sum()), info["population"], rel_tol=1e-12)
    assert all(isinstance(c, str) and len(c) == 5 and c.startswith("37") for c in t.codes)
    assert t.population.dtype == np.float64 and t.x.dtype == np.float64
    df = oasis.territory_frame(t)
    assert df.index.name == "code_insee" and df.index.dtype == object
    assert "population_std" in df.columns and "apl_official" in df.columns
    # Lambert-93: Indre-et-Loire lies around x 480-560 km, y 6.65-6.75 Mm.
    assert 450_000 < df["x_l93"].min() and df["x_l93"].max() < 600_000
    assert 6_600_000 < df["y_l93"].min() and df["y_l93"].max() < 6_800_000


def test_leading_zeros_and_corsica():
    t = oasis.load_territory(departements=["2A", "01"])
    assert any(c.startswith("2A") for c in t.codes)
    assert "01001" in t.codes  # never 1001


def test_geodataframe(indre_et_loire):
    gdf = oasis.territory_frame(indre_et_loire, geometry=True)
    assert gdf.crs.to_epsg() == 2154
    assert len(gdf) == indre_et_loire.size
    tours = gdf.loc["37261"]
    assert 30e6 < tours.geometry.area < 40e6  # Tours: 34.4 km2 (simplified boundary)
    assert tours.geometry.contains(gdf.loc["37261"].geometry.representative_point())


# ---- the same results as the CLI --------------------------------------------------------------

def test_access_matrix_mode_equals_cli(tmp_path):
    od = pd.DataFrame({"from_id": ["a", "a", "b", "b", "c", "c", "d"],
                       "to_id": ["S1", "S2", "S1", "S3", "S2", "S3", "S3"],
                       "cost": [5.0, 12.0, 8.0, 3.0, 14.0, 9.5, 25.0]})
    demand = pd.Series({"a": 1000.0, "b": 2500.0, "c": 400.0, "d": 50.0})
    supply = pd.Series({"S1": 2.0, "S2": 1.0, "S3": 4.0})
    od.to_csv(tmp_path / "od.csv", index=False)
    demand.rename("population").rename_axis("id").to_csv(tmp_path / "demand.csv")
    supply.rename("supply").rename_axis("id").to_csv(tmp_path / "supply.csv")
    for method, decay in [("2sfca", ""), ("e2sfca", "step:10:1,20:0.5"), ("gravity", "power:1.5")]:
        args = ["access", "--od", "od.csv", "--supply", "supply.csv", "--demand", "demand.csv", "--method", method,
                "--max-cost", "20", "-o", f"{method}.csv", "-q", "--overwrite"]
        if decay:
            args += ["--decay", decay]
        cli(*args, cwd=tmp_path)
        want = pd.read_csv(tmp_path / f"{method}.csv", dtype={"id": str}).set_index("id")
        o = oasis.od_from_dataframe(od, from_ids=list(demand.index))
        got = oasis.access(o, supply, demand, method=method, decay=decay, max_cost=20)
        assert list(got.index) == list(want.index)
        np.testing.assert_allclose(got["value"].to_numpy(), want["value"].to_numpy(), rtol=1e-12, atol=0)
    # Hand check of the 2SFCA: R1 = 2/(1000+2500), R2 = 1/(1000+400) (c at 14 min is within 20),
    # R3 = 4/(2500+400) (d at 25 min is not); a reaches S1 and S2.
    o = oasis.od_from_dataframe(od, from_ids=list(demand.index))
    got = oasis.access(o, supply, demand, method="2sfca", max_cost=20)
    assert got.loc["a", "value"] == pytest.approx(2 / 3500 + 1 / 1400, rel=1e-12)
    assert got.loc["d", "value"] == 0.0  # its only pair (25 min) is beyond max_cost
    # The long DataFrame itself is a travel table: the same values as its Od.
    direct = oasis.access(od, supply, demand, method="2sfca", max_cost=20)
    assert direct.loc["a", "value"] == pytest.approx(2 / 3500 + 1 / 1400, rel=1e-12)
    np.testing.assert_array_equal(direct.loc[list(got.index), "value"].to_numpy(), got["value"].to_numpy())
    assert oasis.site(od, demand, model="p-median", p=1)["open"] == oasis.site(o, demand, model="p-median", p=1)["open"]


def test_access_spatial_availability_as_ipea(tmp_path):
    # ipeaGIT/accessibility tests/testthat/test-spatial_availability.R, on Soukhov et al. (2023)'s
    # example with decay_exponential(0.1): 66833, 133203, 9963 jobs. Python and the CLI agree, and the
    # per-capita output is the total divided by the population.
    t = [[15, 30, 100], [30, 15, 100], [100, 100, 15]]
    od = pd.DataFrame([(z, str(j + 1), float(t[i][j])) for i, z in enumerate("ABC") for j in range(3)],
                      columns=["from_id", "to_id", "cost"])
    demand = pd.Series({"A": 50000.0, "B": 150000.0, "C": 10000.0})
    supply = pd.Series({"1": 100000.0, "2": 100000.0, "3": 10000.0})
    o = oasis.od_from_dataframe(od, from_ids=list(demand.index))
    got = oasis.access(o, supply, demand, method="spatial-availability", decay="exp:0.1")
    assert [round(v) for v in got["value"]] == [66833, 133203, 9963]
    assert got.attrs["sa_output"] == "total" and got.attrs["sa_alpha"] == 1.0
    pc = oasis.access(o, supply, demand, method="spatial-availability", decay="exp:0.1", sa_output="per-capita")
    np.testing.assert_allclose(pc["value"].to_numpy(), got["value"].to_numpy() / demand.to_numpy(), rtol=1e-12)
    od.to_csv(tmp_path / "od.csv", index=False)
    demand.rename("population").rename_axis("id").to_csv(tmp_path / "demand.csv")
    supply.rename("supply").rename_axis("id").to_csv(tmp_path / "supply.csv")
    cli("access", "--od", "od.csv", "--supply", "supply.csv", "--demand", "demand.csv", "--method", "spatial-availability",
        "--decay", "exp:0.1", "--sa-output", "per-capita", "--sa-alpha", "1", "-o", "sa.csv", "-q", cwd=tmp_path)
    want = pd.read_csv(tmp_path / "sa.csv", dtype={"id": str}).set_index("id")
    np.testing.assert_allclose(pc["value"].to_numpy(), want["value"].to_numpy(), rtol=1e-15)
    with pytest.raises(oasis.OasisError):
        oasis.access(o, supply, demand, method="spatial-availability", sa_output="per-head")
    with pytest.raises(oasis.OasisError):  # a setting of another method is refused, not ignored
        oasis.access(o, supply, demand, method="2sfca", sa_alpha=0.5)


def test_run_equals_cli(cvl_run):
    zones, summary = oasis.run(DEFAULT)  # compute only: nothing written
    want = pd.read_csv(cvl_run / "zones.csv", dtype={"code_insee": str, "unit_id": str}).set_index("code_insee")
    assert list(zones.index) == list(want.index)
    assert (zones["zone"] == want["zone"]).all() and (zones["class"] == want["class"]).all()
    np.testing.assert_allclose(zones["apl"].to_numpy(), want["apl"].to_numpy(), rtol=1e-5)  # the CSV keeps 6 digits
    cli_summary = json.loads((cvl_run / "summary.json").read_text())
    assert summary["zoning"] == cli_summary["zoning"]
    assert "total" in summary["timings"]


def test_zone_equals_run(indre_et_loire, cvl_run):
    # Zoning the run's own APL values again from Python gives the run's zones (EPCI units, caps of 24).
    t = oasis.load_territory(regions=["24"])
    want = pd.read_csv(cvl_run / "zones.csv", dtype={"code_insee": str}).set_index("code_insee").loc[t.codes]
    z = oasis.zone(want["apl"].to_numpy(), t, caps={"24": (0.588, 0.34)})
    assert (z["class"] == want["class"]).mean() > 0.99  # the CSV's 6 digits can move a unit exactly at a line
    assert list(z.columns) == ["unit", "unit_value", "class", "zone", "rule"]


def test_site_equals_cli(tmp_path):
    sf = json.loads((SHARED / "benchmarks" / "spopt_sf" / "sf_205x16.json").read_text())
    rows = [(t, s, c) for t, costs in zip(sf["tracts"], sf["cost_m"]) for s, c in zip(sf["stores"], costs)]
    od = pd.DataFrame(rows, columns=["from_id", "to_id", "cost"])
    od.to_csv(tmp_path / "od.csv", index=False)
    demand = pd.Series(sf["weights_POP2000"], index=sf["tracts"])
    demand.rename("population").rename_axis("id").to_csv(tmp_path / "demand.csv")
    cli("site", "--od", "od.csv", "--demand", "demand.csv", "--model", "p-median", "--p", "4", "-o", "s.csv",
        "--summary", "s.json", "-q", "--overwrite", cwd=tmp_path)
    want = json.loads((tmp_path / "s.json").read_text())
    want_open = (tmp_path / "s.csv").read_text().split()[1:]
    got = oasis.site(oasis.od_from_dataframe(od, from_ids=sf["tracts"]), demand, model="p-median", p=4)
    assert sorted(got["open"]) == sorted(want_open)
    assert got["objective"] == pytest.approx(want["objective"], rel=1e-12)
    assert got["gap"] == pytest.approx(0.0, abs=1e-9)


def test_grants_equal_cli(tmp_path, cvl_run):
    scheme = SRC / "scenarios" / "grants" / "cvl-2018-plan-urgence-sante.toml"
    apps = SRC / "scenarios" / "grants" / "examples" / "cvl-2018-plan-urgence-sante.csv"
    cli("grants", "--scheme", scheme, "--applications", apps, "--zones", cvl_run, "-o", tmp_path / "a.csv",
        "--summary", tmp_path / "a.json", "-q")
    want = pd.read_csv(tmp_path / "a.csv", dtype=str, keep_default_na=False).set_index("id")
    # Applications and zones given as DataFrames rather than files.
    zones = pd.read_csv(cvl_run / "zones.csv", dtype=str, keep_default_na=False)
    awards, summary = oasis.grants(scheme, pd.read_csv(apps, dtype=str, keep_default_na=False), zones)
    assert list(awards.index) == list(want.index)
    assert (awards["status"] == want["status"]).all() and (awards["eligible"] == want["eligible"]).all()
    assert awards["clauses"].tolist() == want["clauses"].tolist()
    cli_summary = json.loads((tmp_path / "a.json").read_text())
    # The aids of the four MSP rows: 160,000 + 180,000 + 150,000 + 170,000.
    assert summary["awarded_total"] == cli_summary["awarded_total"] == 660000
    assert summary["targets"] == cli_summary["targets"]
    # Parameters and dated zone lists.
    dated, _ = oasis.grants(scheme, apps, {"2018-01-01": cvl_run, "2030-01-01": zones.assign(zone="hors-zonage")},
                            params={"zone_set": '["ZIP"]'})
    assert set(dated.loc[dated["eligible"] == "yes"].index) <= set(want.loc[want["eligible"] == "yes"].index)


# ---- errors, progress, cancellation, GIL -------------------------------------------------------

def test_errors_carry_the_cli_codes(tmp_path):
    table = {name: code for code, name, _ in oasis.errors()}
    assert table["E-CODE-UNKNOWN"] == 32 and table["E-CANCELLED"] == 75 and table["E-GRANT-RULE"] == 64
    docs = (SRC / "docs" / "errors.md").read_text()
    assert all(f"`{name}`" in docs for name in table)
    with pytest.raises(oasis.OasisError) as e:
        oasis.load_territory(regions=["99"])
    assert e.value.code == 32 and e.value.name == "E-CODE-UNKNOWN" and "99" in e.value.message and e.value.fix
    bad = tmp_path / "bad.toml"
    bad.write_text('extend = "%s"\n[travel]\ncuttoff_min = 20\n' % DEFAULT)
    with pytest.raises(oasis.OasisError) as e:
        oasis.run(bad)
    assert e.value.code == 60 and "cuttoff_min" in e.value.message and e.value.record == "line 3"
    od = pd.DataFrame({"from_id": ["a", "a"], "to_id": ["x", "x"], "cost": [1.0, 2.0]})
    with pytest.raises(oasis.OasisError) as e:
        oasis.od_from_dataframe(od)
    assert e.value.code == 31
    with pytest.raises(oasis.OasisError) as e:
        oasis.od_from_dataframe(od.assign(to_id=["x", "y"], cost=[1.0, -2.0]))
    assert e.value.code == 40
    with pytest.raises(oasis.OasisError) as e:
        oasis.access(oasis.od_from_dataframe(od.iloc[:1]), [1.0], [1.0], method="magic")
    assert e.value.code == 2
    with pytest.raises(oasis.OasisError) as e:
        oasis.grants(SRC / "scenarios" / "grants" / "grand-est-2018-internes.toml",
                     pd.DataFrame({"id": ["A"], "stage_type": ["niveau1"], "stage_commune": ["1001"],
                                   "start_date": ["2018-03-01"], "faculty": ["nancy"]}), None)
    assert e.value.code == 30


def test_progress_and_cancellation():
    seen = []
    oasis.load_territory(departements=["37"], progress=lambda f, s: seen.append((f, s)))
    assert seen and all(0.0 <= f <= 1.0 for f, _ in seen)
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    calls = []

    def stop_after_loading(f, stage):  # loading is the first 30 % of a run
        calls.append(f)
        return f < 0.3

    with pytest.raises(oasis.OasisError) as e:
        oasis.run(DEFAULT, progress=stop_after_loading)
    assert e.value.code == 75 and e.value.name == "E-CANCELLED"
    assert calls[-1] >= 0.3 and len(calls) > 1

    def boom(f, stage):
        raise KeyError("from the callback")

    with pytest.raises(KeyError):
        oasis.load_territory(departements=["37"], progress=boom)


def test_gil_is_released():
    done = threading.Event()
    result = {}

    def work():
        result["zones"], _ = oasis.run(DEFAULT)  # 0.3 s of C++ with the prepared inputs cached, 2 s without
        done.set()

    th = threading.Thread(target=work)
    ticks = 0
    start = time.perf_counter()
    th.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    th.join()
    elapsed = time.perf_counter() - start
    assert len(result["zones"]) == 1754 and elapsed > 0.1
    # The main thread kept running while the engine worked (about one tick per millisecond; a
    # module holding the GIL would leave it a handful of ticks).
    assert ticks >= 0.3 * elapsed / 0.001


def test_od_frame_round_trip(indre_et_loire):
    od = oasis.travel(indre_et_loire, model="crowfly", cutoff_min=20)
    df = oasis.od_frame(od)
    assert list(df.columns) == ["from_id", "to_id", "minutes"] and len(df) == od.pairs
    assert df["from_id"].str.len().eq(5).all()
    back = oasis.od_from_dataframe(df, from_ids=od.from_ids, to_ids=od.to_ids)
    assert back.pairs == od.pairs
    np.testing.assert_array_equal(back.arrays()[2], od.arrays()[2])


def test_travel_defaults_are_the_scenario_schema_defaults(tmp_path):
    """oasis.travel's keyword defaults = what a scenario without [travel] resolves to (the CLI's
    `oasis scenario --resolve`): one declaration of each default (docs/decisions/0005)."""
    import inspect
    import tomllib
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    r = subprocess.run([CLI, "scenario", "--resolve", str(empty)], capture_output=True, text=True, check=True)
    resolved = tomllib.loads(r.stdout)["travel"]
    sig = inspect.signature(oasis.travel).parameters
    for key in ("model", "cutoff_min", "intra_min", "speed_kmh", "urban_speed_kmh", "urban_density"):
        assert sig[key].default == resolved[key], key
    # detour: 0 in Python means the model's default, which the resolved scenario spells out.
    assert sig["detour"].default == 0
    assert resolved["detour"] == 1.2  # commune-graph's own
    assert list(oasis.ZONE_COLUMNS)[:6] == ["code_insee", "name", "unit_id", "population", "apl", "indicator"]
