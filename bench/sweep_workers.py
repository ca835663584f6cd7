#!/usr/bin/env python3
"""Sweep throughput against the number of Dask workers, and the per-task overhead of Dask
(docs/performance.md, "Sweeps"). Runs the sweep file given (default: the worked example of
docs/sweeps.md) in-process, then on a LocalCluster of 1, 2... workers, and prints runs per minute.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/sweep_workers.py scenarios/sweeps/cvl-departures.toml 1 2
"""
import json
import os
import sys
import tempfile
import time

import oasis
from oasis import _oasis


def main():
    file = sys.argv[1] if len(sys.argv) > 1 else "scenarios/sweeps/cvl-departures.toml"
    counts = [int(x) for x in sys.argv[2:]] or [1, 2]
    batches = [1, None]  # one sweep task a Dask task, then the default batching
    w = _oasis.SweepWorker(file)
    t0 = time.monotonic()
    w.prepare()
    load = time.monotonic() - t0
    t0 = time.monotonic()
    for i in range(w.tasks):
        w.run(i)
    inproc = (time.monotonic() - t0) / w.tasks
    print(f"{w.tasks} tasks; inputs loaded in {load:.2f} s; in-process {1000 * inproc:.1f} ms a task "
          f"({60 / inproc:.0f} runs a minute on one core)")
    print("workers  batch  wall s  tasks s  runs/min  overhead ms/task")
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            for b in batches:
                out = os.path.join(tmp, f"w{n}-{b}")
                t0 = time.monotonic()
                oasis.sweep(file, out, workers=n, batch=b)
                wall = time.monotonic() - t0
                info = json.load(open(os.path.join(out, "timings.json")))
                per_task = info["tasks_seconds"] * n / w.tasks
                print(f"{n:7d}  {info['batch']:5d}  {wall:6.1f}  {info['tasks_seconds']:7.1f}  {info['runs_per_minute']:8.0f}  "
                      f"{1000 * (per_task - inproc):16.1f}")


if __name__ == "__main__":  # the LocalCluster's processes import this file again
    main()
