"""Scenario sweeps on dask.distributed (docs/sweeps.md).

Each task of a sweep file (a grid point and a draw) is one Dask task. A worker process loads the
sweep's inputs once, on its first task, and keeps them for the next ones (``_worker``); the tasks
return their result as bytes, and the client aggregates them in task order, so the aggregate does
not depend on the number of workers nor on the order tasks finish. A worker that dies costs only
its tasks' re-execution: Dask runs them again elsewhere, with the same result.

    python3 -m oasis.sweeps FILE -o DIR [--scheduler ADDRESS] [--workers N] [--overwrite]

is what ``oasis sweep`` runs.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from typing import Any, Callable

from . import _oasis

# The inputs of the sweeps this worker process has run tasks of: (file, its SHA-256, data) -> SweepWorker.
_WORKERS: dict[tuple[str, str, str], Any] = {}


def _worker(file: str, sha: str, data: str):
    key = (file, sha, data)
    w = _WORKERS.get(key)
    if w is None:
        with open(file, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != sha:
                raise _oasis.error(2, f"{file} changed while the sweep ran", fix="run the sweep again")
        w = _WORKERS[key] = _oasis.SweepWorker(file, data)
    return w


def _tasks(file: str, sha: str, data: str, start: int, stop: int) -> tuple[int, list[bytes], int]:
    """Tasks start..stop-1 on this worker's inputs: (start, their results, pid of the worker)."""
    w = _worker(file, sha, data)
    return start, [w.run(i) for i in range(start, stop)], os.getpid()


def _batch_size(tasks: int, workers: int) -> int:
    """Tasks per Dask task: about 8 Dask tasks per worker, so that Dask's own cost (about 10 ms a
    task, docs/performance.md) stays small beside a task of about 12 ms, and a lost worker costs
    little; at most 50 so that progress still moves."""
    return max(1, min(50, tasks // max(1, 8 * workers)))


def sweep(file: str, out_dir: str, *, scheduler: str | None = None, workers: int | None = None, client=None,
          overwrite: bool = False, data: str = "", batch: int | None = None,
          progress: Callable[[float, str], Any] | None = None) -> dict:
    """Runs the sweep `file` on dask.distributed and writes its aggregates into `out_dir`.

    The tasks run on `client` (a ``distributed.Client``) when given, else on the scheduler at
    `scheduler` ("tcp://host:8786"), else on a new ``LocalCluster`` of `workers` processes (default:
    the machine's cores), one thread each. `progress(fraction, stage)` is called as tasks finish.
    `batch` tasks of the sweep go in one Dask task (default: about 8 Dask tasks per worker, at
    most 50 sweep tasks each). Returns summary.json as a dict. The same sweep gives the same bytes
    whatever runs it, however it is batched.
    """
    from distributed import Client, LocalCluster, as_completed  # python3-distributed

    file = os.path.abspath(file)
    tasks, points, draws, name = _oasis.sweep_check(file)  # the sweep file's errors before any worker starts
    with open(file, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    # The base inputs in this process first: their errors before any worker starts, and the
    # territory the outputs are written on.
    local = _oasis.SweepWorker(file, data)
    local.prepare()
    own_cluster = own_client = None
    t0 = time.monotonic()
    try:
        if client is None:
            if scheduler:
                client = own_client = Client(scheduler)
                kind = "scheduler"
            else:
                n = workers or os.cpu_count() or 1
                own_cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                           dashboard_address=":0")
                client = own_client = Client(own_cluster)
                kind = "LocalCluster"
        else:
            kind = "client"
        n_workers = len(client.scheduler_info().get("workers", {}))
        size = batch or _batch_size(tasks, n_workers)
        futures = [client.submit(_tasks, file, sha, data, b, min(b + size, tasks), key=f"oasis-sweep-{sha[:16]}-{b}", pure=False)
                   for b in range(0, tasks, size)]
        results: list[bytes | None] = [None] * tasks
        pids: set[int] = set()
        done = 0
        for fut in as_completed(futures):
            start, blobs, pid = fut.result()
            results[start:start + len(blobs)] = blobs
            pids.add(pid)
            done += len(blobs)
            if progress is not None and progress(done / tasks, f"task {start + len(blobs) - 1}") is False:
                client.cancel(futures)
                raise _oasis.error(75, "sweep cancelled")
        seconds = time.monotonic() - t0
        # The aggregate and the outputs, in the client, on its own copy of the base inputs.
        info = {"kind": kind, "workers": n_workers, "worker_processes_used": len(pids), "tasks": tasks, "batch": size,
                "tasks_seconds": round(seconds, 3), "runs_per_minute": round(60 * tasks / seconds, 1) if seconds > 0 else None,
                "address": getattr(client, "scheduler", None) and client.scheduler.address}
        return json.loads(local.write(list(results), out_dir, overwrite, json.dumps(info)))
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


def _main(argv: list[str]) -> int:
    """`oasis sweep`'s Python half: the options come parsed by the CLI, as JSON (argv[0])."""
    opts = json.loads(argv[0])
    quiet = opts.get("quiet", False)
    bar = not quiet and sys.stderr.isatty()

    def show(f, stage):
        if bar:
            print(f"\r{f:6.1%} {stage:<20}", end="", file=sys.stderr, flush=True)

    try:
        s = sweep(opts["file"], opts["out_dir"], scheduler=opts.get("scheduler") or None, workers=opts.get("workers") or None,
                  overwrite=opts.get("overwrite", False), data=opts.get("data", ""), progress=show)
    except _oasis.OasisError as e:
        print(("\n" if bar else "") + "oasis: " + str(e), file=sys.stderr)
        return e.code
    if bar:
        print("", file=sys.stderr)
    if not quiet:
        sw = s["sweep"]
        print(f"sweep {sw['name']}: {sw['points']} grid points x {sw['draws']} draws = {sw['tasks']} tasks; written {opts['out_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
