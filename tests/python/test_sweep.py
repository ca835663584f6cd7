"""Sweeps on dask.distributed (docs/sweeps.md): the same bytes with 1 worker, 2 workers, other
batching and a worker killed mid-sweep; inputs loaded once per worker; the draws checked against
the supply file itself. Run by ctest (python:pytest) with the environment of test_oasis.py."""
import csv
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

import oasis
from oasis import sweeps

distributed = pytest.importorskip("distributed")

CLI = os.environ["OASIS_CLI"]
SRC = Path(os.environ["OASIS_SOURCE_DIR"])
BASE = SRC / "scenarios" / "centre-val-de-loire.toml"
OUTPUTS = ["communes.csv", "units.csv", "regions.csv", "points.csv", "summary.json", "communes.gpkg", "report.html",
           "maps/zip-share-0.png", "maps/zip-share-1.svg"]


def sweep_file(tmp_path, name="s.toml", draws=4, extra=""):
    f = tmp_path / name
    f.write_text(f'scenario = "{BASE}"\n[grid]\n"zoning.caps.24.zip" = [0.5, 0.588]\n'
                 f'[monte_carlo]\ndraws = {draws}\nseed = 11\nleave = 0.3\nleave_weight = "apl-65-plus"\n{extra}')
    return f


def same(a: Path, b: Path):
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.fixture(scope="module")
def cluster2():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = distributed.Client(cluster)
    yield cluster, client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep-ref")
    f = sweep_file(tmp)
    s = oasis.sweep(str(f), str(tmp / "one"), workers=1)
    return f, tmp / "one", s


def test_one_worker_and_two_give_the_same_bytes(reference, cluster2, tmp_path):
    f, one, s = reference
    assert s["sweep"]["tasks"] == 8 and s["sweep"]["points"] == 2
    _, client = cluster2
    oasis.sweep(str(f), str(tmp_path / "two"), client=client)
    same(one, tmp_path / "two")
    oasis.sweep(str(f), str(tmp_path / "batched"), client=client, batch=3)  # tasks 0-2, 3-5, 6-7
    same(one, tmp_path / "batched")
    timings = json.loads((tmp_path / "two" / "timings.json").read_text())
    assert timings["workers"] == 2


def test_inputs_are_loaded_once_per_worker(reference, cluster2, tmp_path):
    f, _, _ = reference
    _, client = cluster2
    client.run(sweeps._WORKERS.clear)
    oasis.sweep(str(f), str(tmp_path / "o"), client=client, batch=1)  # 8 Dask tasks on 2 workers
    loads = client.run(lambda: [w.loads for w in sweeps._WORKERS.values()])
    ran = [v for v in loads.values() if v]
    assert ran and all(v == [1] for v in ran), loads


def test_a_worker_killed_mid_sweep_costs_only_its_tasks(reference, tmp_path):
    f, one, _ = reference
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = distributed.Client(cluster)
    try:
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]
        killed = []

        def progress(fraction, stage):
            if not killed and fraction >= 0.25:  # 2 of 8 tasks back: 6 still to run or running
                os.kill(victim, signal.SIGKILL)
                killed.append(fraction)

        oasis.sweep(str(f), str(tmp_path / "killed"), client=client, batch=1, progress=progress)
        assert killed and killed[0] < 1
        assert victim not in client.run(os.getpid).values()  # the nanny started a new worker
        same(one, tmp_path / "killed")
    finally:
        client.close()
        cluster.close()


def test_draws_against_the_supply_file(tmp_path):
    # The base's supply: RPPS 2026 GP counts of the communes of région 24 (the CLI's own figure).
    info = json.loads(subprocess.run([CLI, "info", "--region", "24", "--json"], capture_output=True, text=True, check=True).stdout)
    total = info["supply_total"]
    assert total > 2000
    (tmp_path / "all.toml").write_text(f'scenario = "{BASE}"\n[monte_carlo]\ndraws = 2\nleave = 1\n')
    w = sweeps._oasis.SweepWorker(str(tmp_path / "all.toml"))
    # Everyone leaves: the whole supply file is removed, in every draw.
    results = [w.run(i) for i in range(w.tasks)]
    s = w.write(results, str(tmp_path / "all"), False, "{}")
    pts = list(csv.DictReader((tmp_path / "all" / "points.csv").open()))
    assert float(pts[0]["supply_removed_mean"]) == pytest.approx(total, abs=1e-6)
    # Each unit leaves with probability 0.3: over 20 draws of ~2,500 GPs, the share removed is
    # 0.3 within 5 standard deviations (sqrt(0.21 / (20 x 2,500)) = 0.002).
    (tmp_path / "p.toml").write_text(f'scenario = "{BASE}"\n[monte_carlo]\ndraws = 20\nseed = 3\nleave = 0.3\n')
    w = sweeps._oasis.SweepWorker(str(tmp_path / "p.toml"))
    w.write([w.run(i) for i in range(w.tasks)], str(tmp_path / "p"), False, "{}")
    pts = list(csv.DictReader((tmp_path / "p" / "points.csv").open()))
    assert float(pts[0]["supply_removed_mean"]) / total == pytest.approx(0.3, abs=5 * (0.21 / (20 * total)) ** 0.5)
    assert json.loads(s)["outputs_sha256"]["points.csv"]


def test_cli_gives_the_same_bytes(reference, tmp_path):
    f, one, _ = reference
    r = subprocess.run([CLI, "sweep", str(f), "-o", str(tmp_path / "cli"), "--workers", "1"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "8 tasks" in r.stdout
    same(one, tmp_path / "cli")
    r = subprocess.run([CLI, "sweep", str(f), "-o", str(tmp_path / "cli"), "--workers", "1"], capture_output=True, text=True)
    assert r.returncode == 13 and "--overwrite" in r.stderr  # E-EXISTS: the previous sweep kept
    assert (tmp_path / "cli" / "communes.csv").read_bytes() == (one / "communes.csv").read_bytes()
