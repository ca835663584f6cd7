"""`oasis serve` over HTTP (docs/serve.md): every route of docs/serve-openapi.json answers with what
the document says (checked by jsonschema); errors carry the codes of scenario files; the limits
hold and the server keeps working after bad requests; sessions are isolated; the exported scenario
run by `oasis run` gives the zone list the planner shows. Run by ctest (python:pytest)."""
import csv
import io
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

CLI = os.environ["OASIS_CLI"]
SRC = Path(os.environ["OASIS_SOURCE_DIR"])
PLANNER = SRC / "scenarios" / "planner" / "centre-val-de-loire.toml"
OPENAPI = json.loads((SRC / "docs" / "serve-openapi.json").read_text())
TERRITORY = "planner-centre-val-de-loire"


@pytest.fixture(scope="module")
def server():
    p = subprocess.Popen([CLI, "serve", str(PLANNER), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    m = re.search(r"http://[0-9.]+:(\d+)/", line)
    assert m, line + p.stderr.read()
    yield f"http://127.0.0.1:{m.group(1)}"
    p.send_signal(2)
    assert p.wait(timeout=30) == 0


def call(base, method, path, body=None, raw=None, headers=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    h = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(base + path, method=method, data=data, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def schema(ref_or_schema):
    """A schema of the OpenAPI document, with its $refs resolvable."""
    return {**ref_or_schema, "components": OPENAPI["components"]}


def check(status, body, path, method):
    """The response fits what the OpenAPI document says of (path, method, status)."""
    template = next(t for t in OPENAPI["paths"] if re.fullmatch(re.sub(r"\{[^}]+\}", "[0-9a-f]{32}", t), path))
    responses = OPENAPI["paths"][template][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path}: status {status} is not documented"
    r = responses[str(status)]
    if "$ref" in r:
        r = OPENAPI["components"]["responses"][r["$ref"].split("/")[-1]]
    content = r.get("content", {})
    if "application/json" in content:
        s = content["application/json"]["schema"]
        jsonschema.Draft202012Validator(schema(s)).validate(json.loads(body))


def open_session(base):
    status, _, body = call(base, "POST", "/api/sessions", {"territory": TERRITORY})
    assert status == 201, body
    check(status, body, "/api/sessions", "POST")
    return json.loads(body)


def test_every_route_is_documented_and_answers_as_documented(server):
    st = open_session(server)
    sid = st["session"]
    assert st["baseline"]["figures"]["communes"] == 1754
    # The routes of the document, each called once.
    seen = set()
    for template, ops in OPENAPI["paths"].items():
        path = template.replace("{session}", sid)
        for method in ops:
            if method == "parameters" or method == "delete":
                continue
            body = {"op": "set", "key": "zoning.zip_below", "value": 2.6} if path.endswith("/changes") else {} if method == "post" else None
            if template == "/api/sessions":
                body = {"territory": TERRITORY}
            status, ctype, out = call(server, method.upper(), path, body)
            assert status < 300, (template, method, out[:300])
            check(status, out, path, method)
            seen.add(template)
    assert seen == set(OPENAPI["paths"])
    # And nothing is served that the document does not list (besides the page and its files).
    status, _, out = call(server, "GET", f"/api/sessions/{sid}/export/../../../etc/passwd")
    assert status == 404 and json.loads(out)["error"]["name"] == "E-CODE-UNKNOWN"
    status, _, _ = call(server, "GET", "/api/files?path=/etc/passwd")
    assert status == 404
    status, _, _ = call(server, "DELETE", f"/api/sessions/{sid}")
    assert status == 204
    assert call(server, "GET", f"/api/sessions/{sid}")[0] == 404


def test_errors_have_the_codes_of_scenario_files_and_the_server_keeps_working(server, tmp_path):
    sid = open_session(server)["session"]
    path = f"/api/sessions/{sid}/changes"
    cases = [
        ({"op": "set", "key": "zoning.zip_below", "value": -1}, 400, "E-SCENARIO-VALUE", 62),
        ({"op": "set", "key": "zoning.zip_below", "value": "low"}, 400, "E-SCENARIO-TYPE", 61),
        ({"op": "set", "key": "zoning.zip_belo", "value": 2}, 400, "E-SCENARIO-KEY", 60),
        ({"op": "set", "key": "data.dir", "value": "/etc"}, 400, "E-SCENARIO-KEY", 60),
        ({"op": "set", "key": "travel.osm", "value": "/etc/passwd"}, 400, "E-SCENARIO-KEY", 60),
        ({"op": "set", "key": "travel.table", "value": "../../secret.csv"}, 400, "E-SCENARIO-KEY", 60),
        ({"op": "set", "key": "travel.model", "value": "teleport"}, 400, "E-SCENARIO-VALUE", 62),
        ({"op": "add", "commune": "75056"}, 404, "E-CODE-UNKNOWN", 32),
        ({"op": "add", "commune": "28018", "gps": 0}, 400, "E-SCENARIO-VALUE", 62),
        ({"op": "retire", "commune": "28018", "share": 2}, 400, "E-SCENARIO-VALUE", 62),
        ({"op": "close", "finess": "999999999"}, 404, "E-CODE-UNKNOWN", 32),
        ({"op": "add", "commune": "28018", "path": "/etc/passwd"}, 400, "E-SCENARIO-KEY", 60),
        ({"op": "fly"}, 400, "E-SCENARIO-VALUE", 62),
        ([1, 2], 400, "E-SCENARIO-TYPE", 61),
    ]
    for body, want_status, name, code in cases:
        status, _, out = call(server, "POST", path, body)
        err = json.loads(out)["error"]
        assert (status, err["name"], err["code"]) == (want_status, name, code), (body, out)
        assert err["message"] and err["fix"], body
        check(status, out, path, "POST")
    # The same value in a scenario file: the same code and the same words.
    f = tmp_path / "bad.toml"
    f.write_text(f'extend = "{PLANNER}"\n[zoning]\nzip_below = -1\n')
    r = subprocess.run([CLI, "run", str(f), "-o", str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode == 62 and "'zoning.zip_below' = -1 is out of range" in r.stderr
    # Not JSON, too large: refused, named.
    status, _, out = call(server, "POST", path, raw=b"{not json")
    assert status == 400 and json.loads(out)["error"]["name"] == "E-FORMAT"
    status, _, out = call(server, "POST", path, raw=json.dumps({"op": "set", "key": "x" * 20000, "value": 1}).encode())
    assert status == 413 and json.loads(out)["error"]["name"] == "E-LIMIT"
    # No refused change was kept; the session still computes.
    status, _, out = call(server, "POST", path, {"op": "set", "key": "zoning.zip_below", "value": 3})
    assert status == 200
    st = json.loads(out)
    assert [c["op"] for c in st["changes"]] == ["set"]
    # Another Host than loopback's (DNS rebinding): refused.
    assert call(server, "GET", "/api/territories", headers={"Host": "evil.example"})[0] == 403


def test_sessions_are_isolated_and_undo_restores(server):
    a, b = open_session(server), open_session(server)
    assert a["session"] != b["session"]
    base = a["current"]["figures"]
    status, _, out = call(server, "POST", f"/api/sessions/{a['session']}/changes", {"op": "add", "commune": "28018", "gps": 4})
    sa = json.loads(out)
    # The MSP of 4 GPs in Authon-du-Perche lifts 20 communes of its EPCI out of the ZIP (computed by
    # oasis run of scenarios/planner/centre-val-de-loire.toml with the [[modify.add]], test_round_trip).
    assert sa["current"]["figures"]["zones"]["ZIP"]["communes"] == base["zones"]["ZIP"]["communes"] - 20
    assert sa["current"]["figures"]["supply_total"] == base["supply_total"] + 4
    assert sa["communes_changed"] == 20
    sb = json.loads(call(server, "GET", f"/api/sessions/{b['session']}")[2])
    assert sb["changes"] == [] and sb["current"]["figures"] == base
    su = json.loads(call(server, "POST", f"/api/sessions/{a['session']}/undo", {})[2])
    assert su["changes"] == [] and su["current"]["figures"] == base and su["communes_changed"] == 0


def test_round_trip_exported_scenario_gives_the_served_zones(server, tmp_path):
    sid = open_session(server)["session"]
    for c in [{"op": "set", "key": "zoning.caps.24.zip", "value": 0.5}, {"op": "add", "commune": "28018", "gps": 4},
              {"op": "retire", "commune": "45234", "share": 0.5}, {"op": "close", "finess": "180000200"},
              {"op": "set", "key": "travel.speed_kmh", "value": 60}]:
        status, _, out = call(server, "POST", f"/api/sessions/{sid}/changes", c)
        assert status == 200, out
    st = json.loads(out)
    geo = json.loads(call(server, "GET", f"/api/sessions/{sid}/geometry")[2])
    toml = call(server, "GET", f"/api/sessions/{sid}/export/scenario.toml")[2].decode()
    f = tmp_path / "exported.toml"
    f.write_text(toml)
    run = subprocess.run([CLI, "run", str(f), "-o", str(tmp_path / "run"), "-q"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "run" / "zones.csv").read_text())))
    assert {r["code_insee"]: r["zone"] for r in rows} == dict(zip(geo["code"], st["current"]["communes"]["zone"]))
    # The exported zones.csv is oasis run's, byte for byte; the spreadsheet and the GeoPackage come with it.
    exported = call(server, "GET", f"/api/sessions/{sid}/export/zones.csv")[2]
    assert exported == (tmp_path / "run" / "zones.csv").read_bytes()
    status, ctype, xlsx = call(server, "GET", f"/api/sessions/{sid}/export/zones.xlsx")
    assert status == 200 and xlsx[:2] == b"PK"
    status, ctype, gpkg = call(server, "GET", f"/api/sessions/{sid}/export/communes.gpkg")
    assert status == 200 and gpkg[:16] == b"SQLite format 3\x00"
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    zip_pop = sum(float(r["population"]) for r in rows if r["zone"] == "ZIP")
    assert st["current"]["figures"]["zip_population"] == pytest.approx(zip_pop)
    g = st["current"]["figures"]["grants"][0]
    assert summary["grants"][0]["result"]["awarded_total"] == g["awarded_total"]
    assert summary["grants"][0]["result"]["eligible"].get("yes", 0) == g["eligible"]
    assert g["applications"] == 7 + 3  # the example file's 7 and one per suggested site (from_sites)


def test_rate_limit_per_session_then_recovery(server):
    sid = open_session(server)["session"]
    codes = [call(server, "GET", f"/api/sessions/{sid}")[0] for _ in range(90)]
    assert codes.count(429) > 0 and codes[0] == 200
    time.sleep(1.5)
    assert call(server, "GET", f"/api/sessions/{sid}")[0] == 200


def test_python_planner_gives_the_servers_states(server):
    """oasis.Planner (no HTTP): the same figures as the server for the same change."""
    import oasis

    p = oasis.Planner([str(PLANNER)])
    assert [t["id"] for t in p.territories()] == [TERRITORY]
    s = p.open_session(TERRITORY)
    st = p.change(s["session"], {"op": "add", "commune": "28018", "gps": 4})
    sid = open_session(server)["session"]
    served = json.loads(call(server, "POST", f"/api/sessions/{sid}/changes", {"op": "add", "commune": "28018", "gps": 4})[2])
    assert st["current"]["figures"] == served["current"]["figures"]
    assert st["current"]["communes"] == served["current"]["communes"]
    with pytest.raises(oasis.OasisError) as e:
        p.change(s["session"], {"op": "set", "key": "zoning.zip_below", "value": -1})
    assert e.value.code == 62


def test_twenty_concurrent_sessions_each_get_their_own_answer(server):
    """20 sessions changing at once (loopback, bounded: 3 changes each) end in the states that the
    same changes give one session at a time in-process (oasis.Planner): no session sees another's
    inputs while two replicas compute side by side."""
    import threading

    import oasis

    geo = json.loads(call(server, "GET", f"/api/sessions/{open_session(server)['session']}/geometry")[2])
    communes = geo["code"][::89][:20]
    plans = [[{"op": "add", "commune": c, "gps": 3}, {"op": "set", "key": "zoning.zip_below", "value": 2.5 + 0.1 * (k % 4)},
              {"op": "retire", "commune": communes[(k + 7) % 20], "share": 0.5}] for k, c in enumerate(communes)]
    got, errors = {}, []

    def user(k):
        try:
            sid = json.loads(call(server, "POST", "/api/sessions", {"territory": TERRITORY})[2])["session"]
            for c in plans[k]:
                status, _, out = call(server, "POST", f"/api/sessions/{sid}/changes", c)
                assert status == 200, out
            got[k] = json.loads(out)["current"]
        except Exception as e:  # noqa: BLE001 (asserted below)
            errors.append(repr(e))

    threads = [threading.Thread(target=user, args=(k,)) for k in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    p = oasis.Planner([str(PLANNER)])
    distinct = set()
    for k, plan in enumerate(plans):
        sid = p.open_session(TERRITORY)["session"]
        for c in plan:
            want = p.change(sid, c)["current"]
        assert got[k]["communes"] == want["communes"] and got[k]["figures"] == want["figures"], k
        distinct.add(json.dumps(want["figures"], sort_keys=True))
    assert len(distinct) > 10  # the plans differ, and so do their answers
