"""The `feedhouse` command as a user runs it: files it writes, messages it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ingest_sample, run_cli

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Ekspor</title></head><body>
  <outline text="Kantor&#10;Berita&#9;Utama" type="rss" xmlUrl="https://berita.example/rss" category="id"/>
  <outline text="Lama" type="rss" xmlUrl="https://lama.example/rss"/>
</body></opml>"""

EXISTING = """# our feeds, curated by hand
[settings]
allow_hosts = ["10.0.0.5"]   # the lab's mirror

[[feeds]]
url = "https://lama.example/rss"   # already here: left alone
name = "Lama"
"""


def test_feeds_import_appends_and_keeps_the_rest_of_the_file_byte_for_byte(tmp_path):
    opml, target = tmp_path / "export.opml", tmp_path / "feeds.toml"
    opml.write_text(OPML, encoding="utf-8")
    target.write_text(EXISTING, encoding="utf-8")
    done = run_cli(["feeds", "import", str(opml), "--into", str(target)], dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert "1 feed(s) added" in done.stdout
    text = target.read_text(encoding="utf-8")
    assert text.startswith(EXISTING.rstrip("\n"))
    assert '\nname = "Kantor\\nBerita\\tUtama\\u007f"\n' in text  # control characters escaped, never raw
    import tomllib

    doc = tomllib.loads(text)
    assert doc["settings"]["allow_hosts"] == ["10.0.0.5"]
    assert [f["url"] for f in doc["feeds"]] == ["https://lama.example/rss", "https://berita.example/rss"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.opml", "feeds.toml"]  # no temp file left

    again = run_cli(["feeds", "import", str(opml), "--into", str(target)], dict(os.environ))
    assert again.returncode == 0 and "0 feed(s) added" in again.stdout
    assert target.read_text(encoding="utf-8") == text  # nothing added: not even rewritten


def test_feed_file_problems_are_one_line_that_names_the_file(tmp_path):
    broken = tmp_path / "broken.opml"
    broken.write_text("<opml><body><outline", encoding="utf-8")
    for args, says in (
        (["feeds", "import", str(tmp_path / "missing.opml"), "--into", str(tmp_path / "f.toml")], "missing.opml"),
        (["feeds", "import", str(broken), "--into", str(tmp_path / "f.toml")], f"{broken}: OPML is not well-formed XML"),
        (["feeds", "export", "--from", str(broken)], f"{broken}: OPML is not well-formed XML"),
    ):
        done = run_cli(args, dict(os.environ))
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        first = done.stderr.splitlines()[0]
        assert first.startswith("feedhouse: ") and says in first, done.stderr
        assert "Traceback" not in done.stderr
    debug = run_cli(["feeds", "export", "--from", str(broken), "--debug"], dict(os.environ))
    assert debug.returncode == 2 and "Traceback" in debug.stderr


def test_every_entry_point_runs_with_the_projects_prefect_settings(tmp_path):
    """`from flows.ingest import ingest` in a clean environment: the project's PREFECT_HOME, no
    analytics or telemetry (which would look up an external host), as through the CLI."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parent.parent
    code = ("from flows.ingest import ingest\n"
            "import os\n"
            "from prefect.settings import get_current_settings\n"
            "s = get_current_settings()\n"
            "from prefect._internal.analytics.enabled import is_telemetry_enabled\n"
            "print(s.home, s.server.analytics_enabled, is_telemetry_enabled(), os.environ['DO_NOT_TRACK'])\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DO_NOT_TRACK", "GX_"))}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=clean, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(root / ".prefect"), "False", "False", "1"]


def test_serve_refuses_a_temporary_prefect_api(tmp_path):
    (tmp_path / "feeds.toml").write_text('[[feeds]]\nurl = "https://a.example/rss"\n')
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = run_cli(["serve", "--feeds", str(tmp_path / "feeds.toml"), "--db", str(tmp_path / "w.ducklake")], env, timeout=60)
    assert done.returncode == 2
    assert "serve needs a running Prefect server" in done.stderr and "PREFECT_API_URL" in done.stderr


def test_a_feed_list_mistake_is_one_line_with_its_line_number_before_prefect_starts(tmp_path):
    import time

    feeds = tmp_path / "feeds.toml"
    feeds.write_text('[[feeds]]\nurl = "https://a.example/rss"\n\n[[feed]]\nurl = "https://b.example/rss"\n'
                     '\n[[feeds]]\nurl = "b.example/rss"\nnmae = "B"\n')
    started = time.monotonic()
    done = run_cli(["run", "--feeds", str(feeds), "--db", str(tmp_path / "w.ducklake")], dict(os.environ))
    assert time.monotonic() - started < 15  # no Prefect server was started
    assert done.returncode == 2, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("feedhouse:")]
    assert lines == [
        f"feedhouse: {feeds}: line 8: feeds[2].url: must be an http(s) URL with its scheme, got 'b.example/rss'",
        f"feedhouse: {feeds}: line 9: feeds[2].nmae: unknown key 'nmae'",
        f"feedhouse: {feeds}: line 4: unknown table or key 'feed' (did you mean [[feeds]]?); a feed list has "
        "[[feeds]] and [settings]",
    ]
    assert "Traceback" not in done.stderr


@pytest.mark.server
def test_the_readmes_own_feeds_route_runs_offline_and_exit_codes_tell_the_outcome(tmp_path, prefect_server):
    """`feedhouse sample serve` prints a feed list that `feedhouse run` takes as it is. A run in which
    every feed failed exits 4 and its Prefect run is Failed, saying why. A feed refused by the SSRF
    policy is not backed off: it is polled as soon as the settings allow it, and its reject resolves."""
    import subprocess
    import sys
    import tomllib
    from pathlib import Path

    from .conftest import query

    env = prefect_server.client_env()
    server = subprocess.Popen([str(Path(sys.executable).parent / "feedhouse"), "sample", "serve", "--port-base", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        text = ""
        while "allow_hosts" not in text:
            line = server.stdout.readline()
            assert line, server.stderr.read()
            text += line
        feeds, db = tmp_path / "feeds.toml", tmp_path / "w.ducklake"
        urls = [f["url"] for f in tomllib.loads(text)["feeds"]]
        assert len(urls) == 4 and all(u.startswith("http://127.0.0.1:") for u in urls)

        refused = tmp_path / "refused.toml"  # the same feeds without allow_hosts: our policy refuses them
        refused.write_text("".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls))
        done = run_cli(["run", "--feeds", str(refused), "--db", str(db), "--json"], env)
        assert done.returncode == 4, done.stdout + done.stderr
        assert "feedhouse: no feed could be polled: all 4 failed" in done.stderr
        runs = prefect_server.api("POST", "/flow_runs/filter", json={"sort": "EXPECTED_START_TIME_DESC", "limit": 1}).json()
        assert runs[0]["state"]["type"] == "FAILED" and "no feed could be polled" in runs[0]["state"]["message"]
        polls = query(db, "select status, consecutive_failures, next_poll_at <= last_polled_at from dim_feeds")
        assert polls == [("refused", 0, True)] * 4  # no backoff: due again at once
        assert query(db, "select rows_retryable + rows_resolved from v_quarantine_summary") == [(0,)]

        feeds.write_text(text)  # as printed, with allow_hosts: the same feeds are due and load
        done = run_cli(["run", "--feeds", str(feeds), "--db", str(db), "--json"], env)
        assert done.returncode == 0, done.stderr[-2000:]
        assert query(db, "select count(*) from fct_articles") == [(24,)]
        assert query(db, "select distinct status from dim_feeds") == [("active",)]
        resolved = query(db, "select rows_quarantined, rows_resolved from v_quarantine_summary where stage = 'poll'")
        assert resolved == [(4, 4)]
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory, sample_hosts):
    return ingest_sample(tmp_path_factory, sample_hosts, "screen")[1]


def _on_screen(command: str, tmp_path) -> list[str]:
    """What a person sees after running ``command`` in a real 80×24 terminal (tmux)."""
    import shlex
    import subprocess
    import time

    done = tmp_path / "done"
    socket = f"feedhouse-test-{os.getpid()}"
    script = f"{command} > /dev/tty; touch {shlex.quote(str(done))}; sleep 60"
    subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-x", "80", "-y", "24", "sh", "-c", script],
                   check=True, timeout=30)
    try:
        deadline = time.monotonic() + 60
        while not done.exists():
            assert time.monotonic() < deadline, "the command did not finish"
            time.sleep(0.2)
        screen = subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-S", "-200"], check=True,
                                capture_output=True, text=True, timeout=30).stdout
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], timeout=30)
    return screen.rstrip("\n").splitlines()


def test_at_80_columns_a_wide_result_shows_every_column_one_per_line(sample_warehouse, tmp_path):
    import shutil
    from pathlib import Path

    from .conftest import query

    feedhouse = Path(shutil.which("feedhouse", path=str(Path(__import__("sys").executable).parent)))
    lines = _on_screen(f"{feedhouse} sql 'select * from v_articles_full order by title limit 3' --db {sample_warehouse}",
                       tmp_path)
    assert lines and all(len(line) <= 80 for line in lines)
    titles = [t for (t,) in query(sample_warehouse, "select title from v_articles_full order by title limit 3")]
    labels = {line.split("│")[0].strip() for line in lines if "│" in line}
    assert {"article_id", "title", "tags", "feeds", "text", "content_hash"} <= labels  # none hidden
    shown, current = [], None
    for line in lines:  # a value wraps onto continuation lines with an empty label
        label, _, value = line.partition("│")
        if "│" in line and label.strip():
            current = label.strip()
            if current == "title":
                shown.append(value.strip())
        elif "│" in line and current == "title":
            shown[-1] += " " + value.strip()
    assert shown == titles  # the titles, whole
    tags = [line.split("│", 1)[1].strip() for line in lines if line.startswith("tags ")]
    assert all(t.startswith("[\"") for t in tags)  # lists as JSON, not numpy reprs


def test_at_80_columns_feeds_show_what_matters_and_nothing_is_cut_short(sample_warehouse, tmp_path):
    import shutil
    import sys
    from pathlib import Path

    feedhouse = Path(shutil.which("feedhouse", path=str(Path(sys.executable).parent)))
    lines = _on_screen(f"{feedhouse} feeds --db {sample_warehouse}", tmp_path)
    assert all(len(line) <= 80 for line in lines)
    urls = [line.strip() for line in lines if line.startswith("  http://")]
    assert len(urls) == 4 and all(u.startswith("http://127.0.0.1:") and "…" not in u for u in urls)
    assert sum("active · every" in line for line in lines) == 4


def test_sql_formats_write_what_tools_read(sample_warehouse, tmp_path):
    """csv writes list columns as JSON arrays; json is one array of objects; parquet keeps the
    types (lists stay lists), to a file with -o or to a pipe."""
    import csv
    import io
    import json

    import pyarrow.parquet as pq

    from .conftest import query

    sql = "select title, tags from v_articles_full where len(tags) > 1 order by title limit 3"
    expected = [{"title": t, "tags": list(tags)} for t, tags in query(sample_warehouse, sql)]
    assert len(expected) == 3

    def run(fmt: str, *extra: str) -> str:
        done = run_cli(["sql", sql, "--db", str(sample_warehouse), "--format", fmt, *extra], dict(os.environ))
        assert done.returncode == 0, done.stderr
        return done.stdout

    rows = list(csv.DictReader(io.StringIO(run("csv"))))
    assert [{"title": r["title"], "tags": json.loads(r["tags"])} for r in rows] == expected
    assert json.loads(run("json")) == expected
    run("parquet", "-o", str(tmp_path / "out.parquet"))
    assert pq.read_table(tmp_path / "out.parquet").to_pylist() == expected
    piped = subprocess.run(f"{Path(sys.executable).parent / 'feedhouse'} sql \"{sql}\" --db {sample_warehouse} "
                           f"--format parquet > {tmp_path / 'piped.parquet'}", shell=True, timeout=300,
                           capture_output=True, text=True)
    assert piped.returncode == 0, piped.stderr
    assert pq.read_table(tmp_path / "piped.parquet").to_pylist() == expected


def test_help_reads_as_english_not_as_python(tmp_path):
    """No Python type reprs or raw reStructuredText in --help; defaults are short."""
    for command in (["run"], ["sql"], ["search"], ["feeds", "import"], ["doctor"], ["serve"], ["maintain"]):
        done = run_cli([*command, "--help"], dict(os.environ, COLUMNS="100"))
        assert done.returncode == 0, (command, done.stderr)
        for bad in ("<bool>", "<list[", "<str>", "<int>", "``", str(Path.cwd())):
            assert bad not in done.stdout, (command, bad, done.stdout)


def test_doctor_says_what_is_fine_and_what_to_fix(sample_warehouse, sample_hosts, tmp_path):
    from flows.sample_site import render_feed_list

    good = tmp_path / "good.toml"
    good.write_text(render_feed_list(sample_hosts))
    done = run_cli(["doctor", "--feeds", str(good), "--db", str(sample_warehouse)], dict(os.environ))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    latest = sorted(p.name[:4] for p in (Path(__file__).parents[1] / "warehouse" / "migrations").glob("[0-9]*.sql"))[-1]
    assert any(line.startswith("ok   warehouse: ") and f"migration {latest}" in line and "last run ingest succeeded" in line
               for line in lines), lines
    assert any(line.startswith("ok   feed list: ") and "4 feeds, 0 due now" in line for line in lines), lines

    bad = tmp_path / "bad.toml"  # the same feeds, without the allow-list the sample sites need
    bad.write_text(render_feed_list(sample_hosts).split("[settings]")[0].rsplit("#", 1)[0])
    done = run_cli(["doctor", "--feeds", str(bad), "--db", str(tmp_path / "none.ducklake")], dict(os.environ))
    assert done.returncode == 1
    text = done.stdout
    assert "BAD  warehouse: " in text and "no warehouse at" in text
    assert "BAD  allow-list: 4 feed(s) would be refused" in text
    assert "→ if you trust them, add allow_hosts = ['127.0.0.1'] to [settings]" in text
