#!/usr/bin/env python3
"""The planner under load (docs/performance.md, "The planner"): starts `oasis serve` on a free
loopback port with SCENARIO (default: the planner's Centre-Val de Loire), opens SESSIONS sessions at once, and has each
make CHANGES changes (an MSP, a threshold, a departure, an undo, in turn), THINK seconds apart
(default 0: as fast as the server answers). Prints the latency percentiles of the updates (client side, HTTP included) and the
engine's own seconds per update. Bounded: SESSIONS x CHANGES requests, loopback only.

    /usr/bin/python3 bench/serve_load.py build/release/bin/oasis 20 15
    /usr/bin/python3 bench/serve_load.py build/release/bin/oasis 20 15 2
    /usr/bin/python3 bench/serve_load.py build/release/bin/oasis 1 40 0 scenarios/examples/auvergne-rhone-alpes.toml
"""
import json
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

PLANNER = Path(__file__).resolve().parent.parent / "scenarios" / "planner" / "centre-val-de-loire.toml"


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, method=method, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read()) if r.status != 204 else None


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def main():
    oasis = sys.argv[1] if len(sys.argv) > 1 else "build/release/bin/oasis"
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    changes = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    think = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    scenario = sys.argv[5] if len(sys.argv) > 5 else str(PLANNER)
    p = subprocess.Popen([oasis, "serve", scenario, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        port = re.search(r":(\d+)/", p.stdout.readline()).group(1)
        base = f"http://127.0.0.1:{port}"
        territory = call(base, "GET", "/api/territories")[0]["id"]
        t0 = time.monotonic()
        first = call(base, "POST", "/api/sessions", {"territory": territory})
        geo = call(base, "GET", f"/api/sessions/{first['session']}/geometry")
        # Communes spread over the territory: every 97th of the list.
        communes = geo["code"][::97]
        cold = time.monotonic() - t0
        latencies, engine, errors = [], [], []
        lock = threading.Lock()

        def user(k):
            try:
                sid = call(base, "POST", "/api/sessions", {"territory": territory})["session"]
                for j in range(changes):
                    if think and j:
                        time.sleep(think)
                    step = j % 4  # add, set, retire, undo: every session has a change to undo
                    if step == 0:
                        path, body = "/changes", {"op": "add", "commune": communes[(k + j) % len(communes)], "gps": 4}
                    elif step == 1:
                        path, body = "/changes", {"op": "set", "key": "zoning.zip_below", "value": 2.5 + 0.1 * ((k + j) % 5)}
                    elif step == 2:
                        path, body = "/changes", {"op": "retire", "commune": communes[(k + 3 * j) % len(communes)], "share": 0.5}
                    else:
                        path, body = "/undo", {}
                    t = time.monotonic()
                    st = call(base, "POST", f"/api/sessions/{sid}{path}", body)
                    dt = time.monotonic() - t
                    with lock:
                        latencies.append(dt)
                        engine.append(st["current"]["seconds"])
            except Exception as e:  # noqa: BLE001 (reported below)
                with lock:
                    errors.append(repr(e))

        t0 = time.monotonic()
        threads = [threading.Thread(target=user, args=(k,)) for k in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        print(f"first session (inputs read, baseline computed): {cold:.2f} s")
        print(f"{sessions} sessions x {changes} updates, {think:g} s apart: {len(latencies)} updates in {wall:.1f} s "
              f"({len(latencies) / wall:.1f} updates/s), {len(errors)} errors")
        ms = [1000 * x for x in latencies]
        print("update latency (ms, client side): p50 {:.0f}  p90 {:.0f}  p99 {:.0f}  max {:.0f}".format(
            pct(ms, 0.5), pct(ms, 0.9), pct(ms, 0.99), max(ms)))
        print("engine seconds per update (ms): median {:.0f}  max {:.0f}".format(
            1000 * statistics.median(engine), 1000 * max(engine)))
        for e in errors[:5]:
            print("error:", e)
        return 1 if errors else 0
    finally:
        p.send_signal(2)
        p.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
