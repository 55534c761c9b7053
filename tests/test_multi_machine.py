"""Several machines, one warehouse: a DuckLake catalog in a real PostgreSQL server (started on
127.0.0.1 by the tests) and one shared data path. Two ingest processes with different feed lists
and their own staging areas (as two machines would have) commit into the same warehouse at the same
time; a reader in a third process sees both runs, nothing lost and nothing doubled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import query

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def postgres():
    from .postgres_server import PostgresServer

    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


def test_two_ingests_on_two_machines_share_one_warehouse(postgres, prefect_server, sample_hosts, tmp_path):
    import tomllib

    from flows.sample_site import render_feed_list

    from transforms.feedlist import FeedSpec, append_feeds

    feeds = tomllib.loads(render_feed_list(sample_hosts))["feeds"]
    specs = [FeedSpec(f["url"], f.get("name"), f.get("language"), tuple(f.get("tags", ()))) for f in feeds]
    data = tmp_path / "shared-data"
    procs = []
    for machine, mine in (("one", specs[:2]), ("two", specs[2:])):  # blog + portal | portal intl + english
        path = tmp_path / f"{machine}.toml"
        path.write_text('[settings]\nallow_hosts = ["127.0.0.1"]\n\n' + append_feeds("", mine)[0])
        env = prefect_server.client_env(FEEDHOUSE_DATA_PATH=str(data),
                                        FEEDHOUSE_STAGING_DIR=str(tmp_path / f"staging-{machine}"))
        procs.append(subprocess.Popen([str(Path(sys.executable).parent / "feedhouse"), "run", "--feeds", str(path),
                                       "--db", postgres.url, "--json"], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    results = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err[-3000:]
    import os

    os.environ["FEEDHOUSE_DATA_PATH"] = str(data)
    try:
        reader = [sys.executable, "-c", (
            "import sys; from warehouse.db import locate; from warehouse.readers import reader\n"
            "with reader(locate(sys.argv[1])) as con:\n"
            "    print(con.execute('select count(*), count(distinct canonical_url) from fct_articles').fetchall()[0])\n"
            "    print(con.execute('select count(*) from fct_feed_entries').fetchall()[0][0])\n"
            "    print(con.execute(\"select count(*) from etl_runs where status = 'succeeded'\").fetchall()[0][0])\n")]
        done = subprocess.run([*reader, postgres.url], capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).parent.parent, env={**os.environ})
        assert done.returncode == 0, done.stderr
        assert done.stdout.split("\n")[:3] == ["(24, 24)", "27", "2"]
        assert query(postgres.url, "select count(*) from dim_feeds") == [(4,)]
    finally:
        del os.environ["FEEDHOUSE_DATA_PATH"]
