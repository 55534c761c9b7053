"""`feedhouse serve` against a real `prefect server start` on 127.0.0.1: deployments, cron
schedule, one-at-a-time limit, manual triggers with parameters, the run report artifact."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import scalar

pytestmark = pytest.mark.server
BIN = Path(sys.executable).parent


def wait_for(predicate, timeout_s: float, what: str, every: float = 1.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def served(prefect_server, sample_hosts, tmp_path_factory):
    from flows.sample_site import render_feed_list

    tmp = tmp_path_factory.mktemp("served")
    feeds = tmp / "feeds.toml"
    feeds.write_text(render_feed_list(sample_hosts))
    db = tmp / "served.ducklake"
    env = prefect_server.client_env()
    log = open(tmp / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([str(BIN / "feedhouse"), "serve", "--feeds", str(feeds), "--db", str(db)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def deployments():
            found = prefect_server.api("POST", "/deployments/filter", json={}).json()
            return found if len(found) >= 6 else None

        deps = wait_for(deployments, 120, "the deployments")
        yield {"server": prefect_server, "env": env, "feeds": feeds, "db": db, "deployments": deps, "tmp": tmp,
               "proc": proc}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _trigger(served, name: str, *params: str) -> str:
    args = [str(BIN / "prefect"), "deployment", "run", name]
    for p in params:
        args += ["-p", p]
    done = subprocess.run(args, env=served["env"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return re.search(r"UUID:\s*([0-9a-f-]{36})", done.stdout).group(1)


def _final_state(served, flow_run_id: str, timeout_s: float = 240) -> str:
    def state():
        run = served["server"].api("GET", f"/flow_runs/{flow_run_id}").json()
        kind = run["state"]["type"]
        return kind if kind in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

    return wait_for(state, timeout_s, f"flow run {flow_run_id}")


def test_deployments_are_registered_with_their_schedules(served):
    found = served["server"].api("POST", "/deployments/filter", json={}).json()
    by_flow = {}
    for d in found:
        flow = served["server"].api("GET", f"/flows/{d['flow_id']}").json()["name"]
        by_flow[f"{flow}/{d['name']}"] = d
    assert set(by_flow) == {"ingest/scheduled", "ingest/manual", "re-extract/manual", "backfill/manual",
                            "maintenance/daily", "maintenance/manual"}
    ingest = by_flow["ingest/scheduled"]
    assert [s["schedule"]["cron"] for s in ingest["schedules"]] == ["*/15 * * * *"]
    assert [s["schedule"]["cron"] for s in by_flow["maintenance/daily"]["schedules"]] == ["30 3 * * *"]
    assert ingest["parameters"]["feeds"] == str(served["feeds"])
    assert ingest["parameters"]["db"] == str(served["db"])
    for name in ("ingest/manual", "re-extract/manual", "backfill/manual", "maintenance/manual"):
        assert by_flow[name]["schedules"] == [], name

    def scheduled_runs():
        runs = served["server"].api("POST", "/flow_runs/filter", json={
            "deployments": {"id": {"any_": [ingest["id"]]}},
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
        }).json()
        return runs or None

    runs = wait_for(scheduled_runs, 150, "the scheduler to create cron runs", every=3)
    minutes = {r["expected_start_time"][14:16] for r in runs}
    assert minutes <= {"00", "15", "30", "45"}


def test_prefect_yaml_is_generated_from_the_same_deployments():
    from flows.deployments import prefect_yaml

    assert (Path(__file__).parent.parent / "prefect.yaml").read_text() == prefect_yaml()


def test_manual_trigger_with_parameters_loads_and_reports(served):
    run_id = _trigger(served, "ingest/scheduled", f"feeds={served['feeds']}", f"db={served['db']}",
                      "all_feeds=true")
    assert _final_state(served, run_id) == "COMPLETED"
    assert scalar(served["db"], "select count(*) from fct_articles") == 24
    assert scalar(served["db"], "select run_id from etl_runs where flow_name = 'ingest'") == run_id
    artifacts = served["server"].api("POST", "/artifacts/filter", json={
        "artifacts": {"key": {"any_": ["ingest-summary"]}, "flow_run_id": {"any_": [run_id]}}}).json()
    assert len(artifacts) == 1 and "| articles new | 24 |" in artifacts[0]["data"]
    assert "**quarantine by stage and reason**" in artifacts[0]["data"]  # top reasons, no SQL needed
    tables = served["server"].api("POST", "/artifacts/filter", json={
        "artifacts": {"type": {"any_": ["table"]}, "flow_run_id": {"any_": [run_id]}}}).json()
    by_key = {a["key"]: a["data"] for a in tables}
    assert set(by_key) == {"ingest-new-articles-per-site", "ingest-quarantine-by-stage-and-reason"}
    assert "HTTP 404 Not Found" in str(by_key["ingest-quarantine-by-stage-and-reason"])
    assert "Pesan Rahbar" in str(by_key["ingest-new-articles-per-site"])

    reextract_id = _trigger(served, "re-extract/manual", "force=true")
    assert _final_state(served, reextract_id) == "COMPLETED"
    assert scalar(served["db"], "select articles_updated from etl_runs where flow_name = 're-extract'") == 24

    backfill_id = _trigger(served, "backfill/manual")
    assert _final_state(served, backfill_id) == "COMPLETED"


def _ingest_scheduled(served) -> dict:
    found = served["server"].api("POST", "/deployments/filter", json={"deployments": {"name": {"any_": ["scheduled"]}}}).json()
    return found[0]


def test_a_second_serve_refuses_and_changes_nothing(served):
    wait_for(lambda: _ingest_scheduled(served).get("last_polled"), 60, "the runner to poll its deployments")
    before = _ingest_scheduled(served)
    done = subprocess.run([str(BIN / "feedhouse"), "serve", "--feeds", str(served["feeds"]), "--db", str(served["db"]),
                           "--cron", "0 3 * * *"], env=served["env"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "ingest/scheduled (last seen" in done.stderr and "served by another process" in done.stderr
    after = _ingest_scheduled(served)
    assert [s["schedule"]["cron"] for s in after["schedules"]] == ["*/15 * * * *"]
    assert after["paused"] is False and before["paused"] is False


def test_manual_runs_of_one_warehouse_queue_instead_of_being_dropped(served):
    before = scalar(served["db"], "select count(*) from etl_runs") if served["db"].exists() else 0
    first = _trigger(served, "ingest/manual", "all_feeds=true")
    second = _trigger(served, "ingest/manual", "all_feeds=true")  # due while the first runs
    assert [_final_state(served, run) for run in (first, second)] == ["COMPLETED", "COMPLETED"]
    assert scalar(served["db"], "select count(*) from etl_runs") == before + 2


def test_stopping_serve_leaves_the_schedules_running(served):
    """(runs last in this module: it stops the served process)"""
    os.killpg(served["proc"].pid, signal.SIGTERM)
    served["proc"].wait(timeout=60)
    deployments = served["server"].api("POST", "/deployments/filter", json={}).json()
    assert deployments and all(d["paused"] is False for d in deployments)
    assert all(s["active"] for d in deployments for s in d["schedules"])
