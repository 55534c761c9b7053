"""The `feedhouse` command as a user runs it: files it writes, messages it prints."""

from __future__ import annotations

import os

from .conftest import run_cli

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
