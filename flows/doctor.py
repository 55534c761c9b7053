"""`feedhouse doctor`: check the setup and say what to fix, one line per check."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def prefect_api() -> Check:
    import httpx

    url = os.environ.get("PREFECT_API_URL")
    if not url:
        return Check("Prefect API", True, "not set: each run starts a temporary API (15–25 s)",
                     "for schedules and a UI, start `prefect server start` and set PREFECT_API_URL")
    try:
        health = httpx.get(f"{url.rstrip('/')}/health", timeout=5)
        version = httpx.get(f"{url.rstrip('/')}/admin/version", timeout=5).json()
    except (httpx.HTTPError, ValueError) as exc:
        return Check("Prefect API", False, f"{url} does not answer ({type(exc).__name__})",
                     "start the server, or fix PREFECT_API_URL")
    if health.status_code != 200:
        return Check("Prefect API", False, f"{url} answers HTTP {health.status_code}", "check the server's log")
    return Check("Prefect API", True, f"{url}: Prefect server {version}")


def warehouse(db: str) -> tuple[Check, dict | None]:
    from warehouse.db import WarehouseError, locate, migrations, views_fingerprint
    from warehouse.readers import reader

    try:
        wh = locate(db)
        with reader(wh) as con:
            done = {r[0] for r in con.execute("select version from schema_migrations").fetchall()}
            last = con.execute("select snapshot_id, snapshot_time from v_snapshots order by snapshot_id desc limit 1").fetchall()
            run = con.execute("select flow_name, status, finished_at from etl_runs order by finished_at desc limit 1").fetchall()
            state = {r[0]: r[1:] for r in con.execute("select feed_id, status, next_poll_at from dim_feeds").fetchall()}
            views = con.execute("select name from schema_migrations where version = 0").fetchall()
    except (WarehouseError, OSError, Exception) as exc:  # noqa: BLE001 (any failure to open is the finding)
        return Check("warehouse", False, f"{db}: {exc}", "run `feedhouse migrate --db …` or `make run`"), None
    pending = [m for m in migrations() if m[0] not in done]
    stale_views = views != [(f"views-{views_fingerprint()}",)]
    detail = (f"{wh.label}: migration {max(done - {0}, default=0):04d}"
              + (f", snapshot {last[0][0]} at {last[0][1]:%Y-%m-%d %H:%M} UTC" if last else "")
              + (f", last run {run[0][0]} {run[0][1]} at {run[0][2]:%Y-%m-%d %H:%M} UTC" if run else ", no run yet"))
    if pending or stale_views:
        return Check("warehouse", False, detail + f", {len(pending)} migration(s) pending",
                     "the next run migrates it, or `feedhouse migrate`"), state
    return Check("warehouse", True, detail), state


def staging(db: str) -> Check:
    from warehouse.db import WarehouseError, locate

    try:
        root = locate(db).staging_root
    except WarehouseError as exc:
        return Check("staging", False, str(exc))
    waiting = [p for p in root.glob("*/run.json")] if root.exists() else []
    if waiting:
        return Check("staging", True, f"{len(waiting)} staged run(s) wait in {root}: the next run loads them")
    return Check("staging", True, f"{root}: nothing waiting")


def disk(db: str) -> Check:
    from warehouse.db import locate

    try:
        wh = locate(db)
    except Exception as exc:  # noqa: BLE001
        return Check("disk", False, str(exc))
    where = wh.catalog_file.parent if wh.catalog_file else Path(wh.data_path)
    while not where.exists():
        where = where.parent
    free = shutil.disk_usage(where).free
    ok = free > 2**30
    return Check("disk", ok, f"{free / 2**30:.1f} GiB free at {where}",
                 "" if ok else "free space, or move the warehouse (--db) and FEEDHOUSE_STAGING_DIR")


def feed_list(feeds: str, state: dict | None) -> tuple[Check, list]:
    from transforms.feedlist import FeedListError, parse_feed_list_text
    from transforms.ids import stable_id
    from transforms.settings import Settings

    path = Path(feeds)
    try:
        parsed = parse_feed_list_text(path.read_text(encoding="utf-8"))
        settings = Settings.from_env(os.environ, parsed.settings)
    except (OSError, FeedListError, ValueError) as exc:
        return Check("feed list", False, f"{feeds}: {exc}".replace("\n", f"; {feeds}: "), "fix the feed list"), []
    now = datetime.now(UTC)
    due = sum(1 for s in parsed.feeds if not state or (state.get(stable_id(s.url)) or (None, None))[1] is None
              or state[stable_id(s.url)][1] <= now)
    return Check("feed list", True, f"{feeds}: {len(parsed.feeds)} feeds, {due} due now"), [parsed, settings]


def allow_list(parsed, settings) -> Check:
    """Feeds that the SSRF policy would refuse, and allow-list entries no feed needs."""
    from urllib.parse import urlsplit

    from flows.httpclient import check_target
    from transforms.ssrf import AllowList

    allow = AllowList.parse(settings.allow_hosts)
    refused = []
    for spec in parsed.feeds:
        try:
            reason = check_target(spec.url, allow)
        except Exception as exc:  # noqa: BLE001 (an unresolvable host: the poll will say so)
            reason = None if "resolve" in str(exc) else str(exc)
        if reason:
            refused.append(f"{urlsplit(spec.url).netloc} ({reason.removeprefix('refused: ')})")
    if refused:
        hosts = sorted({r.split(" ")[0].rsplit(":", 1)[0] for r in refused})
        return Check("allow-list", False, f"{len(refused)} feed(s) would be refused: {refused[0]}",
                     f"if you trust them, add allow_hosts = {hosts} to [settings] or FEEDHOUSE_ALLOW_HOSTS")
    return Check("allow-list", True, f"every feed host is allowed ({settings.allow_hosts or 'public addresses only'})")


def checks(feeds: str, db: str) -> list[Check]:
    found = [prefect_api()]
    store, state = warehouse(db)
    found += [store, staging(db), disk(db)]
    listed, parsed = feed_list(feeds, state)
    found.append(listed)
    if parsed:
        found.append(allow_list(*parsed))
    return found
