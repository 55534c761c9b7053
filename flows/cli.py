"""The ``feedhouse`` command line."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.paths import DEFAULT_DB, DEFAULT_FEEDS  # importing flows applies the Prefect settings

EXIT_CODES = " ".join("""Exit codes: 0 the run did its job (some feeds or pages may have failed: the summary
lists them); 1 the run's machinery failed (warehouse, disk, staging); 2 bad input (a feed list, a
setting, a file); 3 the Prefect API was lost mid-run (the warehouse is consistent); 4 no feed
could be polled (every poll failed; the run is Failed in Prefect too); 130 interrupted.""".split())


app = typer.Typer(help="feedhouse: news feeds → validated star schema in a DuckLake warehouse.",
                  epilog=EXIT_CODES, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False)
console = Console()
errors = Console(stderr=True, soft_wrap=True)  # one line per message, whatever the width
# Typer 0.29 prints an argument's Python type beside its metavar ("SQL <str>"); the metavar and
# the help already say what to give, and a type name reads as noise to someone at a shell.
typer.core.TyperArgument.display_type_rich = lambda self, ctx: None

def _shown(path: str) -> str:
    """A default path as people type it: relative to the current directory when under it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


DbOption = Annotated[str, typer.Option(
    "--db", metavar="WAREHOUSE", show_default=_shown(DEFAULT_DB),
    help="The warehouse: a .ducklake catalog file, or postgresql://… with FEEDHOUSE_DATA_PATH.")]
FeedsOption = Annotated[str, typer.Option("--feeds", metavar="FILE", show_default=_shown(DEFAULT_FEEDS),
                                          help="Feed list, TOML or OPML.")]


def _check_feed_list(feeds: str) -> None:
    """Read and validate the feed list and the settings before anything starts Prefect (15 s
    in vain, then two tracebacks, for a typo otherwise)."""
    import os

    from transforms.feedlist import parse_feed_list_text
    from transforms.settings import Settings

    path = Path(feeds)
    if not path.is_file():
        raise FileNotFoundError(f"feed list {feeds} not found (create one, or use --feeds)")
    feed_list = _read_feed_file(path, parse_feed_list_text)
    Settings.from_env(os.environ, feed_list.settings)


def _db_arg(db: str) -> str:
    """A warehouse argument as flows receive it: a catalog path made absolute (a served flow runs
    in another working directory), a PostgreSQL URL as given."""
    return db if db.startswith(("postgres:", "postgresql://", "postgres://")) else str(Path(db).resolve())





def _call_flow(flow_fn, **params) -> dict:
    """Run a flow; turn a lost Prefect API and a run with no feed polled into clear messages and
    their exit codes instead of tracebacks."""
    import httpx

    from flows.run import NoFeedCouldBePolled

    try:
        return flow_fn(**params)
    except NoFeedCouldBePolled as exc:
        _print_summary(exc.summary)
        errors.print(f"feedhouse: {exc}", markup=False)
        raise typer.Exit(4) from exc
    except httpx.TransportError as exc:
        from prefect.settings import PREFECT_API_URL

        errors.print(
            f"[red]feedhouse: lost the Prefect API ({PREFECT_API_URL.value() or 'ephemeral'}): {exc}.[/red]\n"
            "The warehouse is consistent: a load either committed or did not start, and any "
            "staged batch is loaded by the next run."
        )
        raise typer.Exit(3) from exc


def _print_summary(summary: dict) -> None:
    """The run summary, one figure per line; wall seconds per stage (stages run one after
    another) and CPU seconds per process."""
    from flows.report import SUMMARY_KEYS

    rows = [(k.replace("_", " "), summary[k]) for k in ("run_id", *SUMMARY_KEYS) if k in summary]
    for title, key in (("wall s", "stage_seconds"), ("CPU s", "cpu_seconds")):
        parts = summary.get(key) or {}
        rows.append((title, ", ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in parts.items())))
    import textwrap

    label = max(len(k) for k, _ in rows)
    indent = " " * (label + 4)
    sys.stdout.write(f"{summary.get('flow', 'ingest')} run\n" + "".join(
        textwrap.fill(f"  {k.ljust(label)}  {v}", width=80, subsequent_indent=indent) + "\n" for k, v in rows))


@app.command()
def run(
    feeds: FeedsOption = DEFAULT_FEEDS,
    db: DbOption = DEFAULT_DB,
    all_feeds: Annotated[bool, typer.Option("--all", help="Poll every feed, due or not.")] = False,
    feed_url: Annotated[list[str] | None, typer.Option("--feed-url", metavar="URL",
                                                       help="Poll only this URL (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    dask: Annotated[str | None, typer.Option("--dask", metavar="ADDRESS",
                                             help="Poll, fetch and extract on this Dask scheduler "
                                                  "(tcp://host:8786); default FEEDHOUSE_DASK_ADDRESS.")] = None,
) -> None:
    """One ingest run over a feed list (TOML or OPML): polls the feeds that are due."""
    import os

    from flows.ingest import ingest

    _check_feed_list(feeds)
    summary = _call_flow(ingest, feeds=str(Path(feeds).resolve()), db=_db_arg(db), all_feeds=all_feeds,
                         feed_urls=feed_url or None, dask_address=dask)
    print(json.dumps(summary)) if as_json else _print_summary(summary)


@app.command()
def serve(
    feeds: FeedsOption = DEFAULT_FEEDS,
    db: DbOption = DEFAULT_DB,
    cron: Annotated[str, typer.Option(metavar="CRON", help="Ingest schedule (cron).")] = "*/15 * * * *",
    overlap: Annotated[str, typer.Option(metavar="skip|wait", help="A scheduled run due while another run of the warehouse is "
                                              "in progress: skip | wait.")] = "skip",
    retries: Annotated[int, typer.Option(metavar="N", help="Ingest retries on failure.")] = 2,
) -> None:
    """Register the deployments on the Prefect server (PREFECT_API_URL) and serve them."""
    import os

    from prefect import serve as prefect_serve

    from flows.deployments import build_deployments

    from flows.deployments import served_elsewhere

    if overlap not in ("skip", "wait"):
        raise typer.BadParameter("--overlap must be skip or wait")
    _check_feed_list(feeds)
    if not os.environ.get("PREFECT_API_URL"):
        errors.print("feedhouse: serve needs a running Prefect server, or its schedules would live in a temporary "
                     "one: start `.venv/bin/prefect server start --host 127.0.0.1 --port 4200` and "
                     "`export PREFECT_API_URL=http://127.0.0.1:4200/api`", markup=False)
        raise typer.Exit(2)
    deployments = build_deployments(str(Path(feeds).resolve()), _db_arg(db), cron=cron, retries=retries)
    busy = served_elsewhere(deployments)
    if busy:
        errors.print(f"feedhouse: {busy}: served by another process; stop it first (serving here would "
                     "rewrite its schedules)", markup=False)
        raise typer.Exit(2)
    os.environ["FEEDHOUSE_SCHEDULED_OVERLAP"] = overlap  # the served flow runs inherit it
    prefect_serve(*deployments, pause_on_shutdown=False)  # never pause what another process may serve next


@app.command()
def reextract(
    db: DbOption = DEFAULT_DB,
    force: Annotated[bool, typer.Option(help="Re-extract every stored page.")] = False,
) -> None:
    """Rebuild articles from the stored raw pages (no refetching)."""
    from flows.reextract import reextract as reextract_flow

    summary = reextract_flow(db=_db_arg(db), force=force)
    print(json.dumps(summary))


@app.command()
def backfill(
    feeds: FeedsOption = DEFAULT_FEEDS,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Re-poll dead and backing-off feeds now."""
    from flows.ingest import backfill as backfill_flow

    _check_feed_list(feeds)
    _print_summary(backfill_flow(feeds=str(Path(feeds).resolve()), db=_db_arg(db)))


@app.command()
def demo(
    db: DbOption = DEFAULT_DB,
    port_base: Annotated[int, typer.Option(metavar="PORT", help="Sample sites listen on port-base+1..+3.")] = 8700,
) -> None:
    """Serve the bundled sample sites on 127.0.0.1 and run one ingest over their feeds."""
    from flows.ingest import ingest
    from flows.sample_site import render_feed_list, serve_sample

    db_path = Path(db).resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    feed_list = db_path.parent / "sample-feeds.toml"
    with serve_sample(port_base) as hosts:
        feed_list.write_text(render_feed_list(hosts), encoding="utf-8")
        console.print(f"sample sites: {hosts}; feed list: {feed_list}")
        summary = ingest(feeds=str(feed_list), db=str(db_path), all_feeds=True)
    _print_summary(summary)
    console.print(f"warehouse: {db_path}  (try: feedhouse sql \"select * from v_articles limit 5\")")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(metavar="SQL", help="SQL to run, read-only.")],
    db: DbOption = DEFAULT_DB,
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help="table, csv, json or parquet.")] = "table",
    max_rows: Annotated[int, typer.Option(metavar="N", help="Rows shown in table format.")] = 100,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE",
                                                help="Write here (parquet).")] = None,
    snapshot: Annotated[int | None, typer.Option(metavar="ID", help="Query the warehouse as of this snapshot "
                                                 "(time travel; ids in v_snapshots).")] = None,
) -> None:
    """Run ad-hoc SQL against the warehouse, read-only: it sees whole loads only, and never
    blocks or is blocked by a load. Files outside the warehouse cannot be read or written. Wide
    results are shown one field per line."""
    from flows import output as out
    from warehouse.db import locate
    from warehouse.readers import reader

    if fmt not in ("table", "csv", "json", "parquet"):
        raise typer.BadParameter(f"unknown format {fmt!r}: table, csv, json or parquet")
    with reader(locate(_db_arg(db)), snapshot=snapshot) as con:
        relation = con.sql(query)
        if relation is None:  # a statement without a result
            return
        if fmt == "parquet":
            out.write_parquet(relation.fetch_record_batch(), str(output) if output else None)
            return
        columns = relation.columns
        if fmt == "table":
            rows = relation.limit(max_rows + 1).fetchall()
            out.table(columns, rows[:max_rows], sys.stdout, more=len(rows) > max_rows)
        else:
            rows = relation.fetchall()
            (out.write_csv if fmt == "csv" else out.write_json)(columns, rows, sys.stdout)


@app.command()
def doctor(feeds: FeedsOption = DEFAULT_FEEDS, db: DbOption = DEFAULT_DB) -> None:
    """Check the setup and say what to fix: the Prefect API, the warehouse (opens, migrations,
    latest snapshot, last run), staged work waiting, disk space, the feed list and the allow-list."""
    from flows.doctor import checks

    found = checks(feeds, _db_arg(db))
    for check in found:
        sys.stdout.write(f"{'ok ' if check.ok else 'BAD'}  {check.name}: {check.detail}\n")
        if check.fix:
            sys.stdout.write(f"     → {check.fix}\n")
    if not all(c.ok for c in found):
        raise typer.Exit(1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="Words to look for (ranked by BM25).")],
    db: DbOption = DEFAULT_DB,
    since: Annotated[str | None, typer.Option(metavar="DATE", help="Published on or after (YYYY-MM-DD).")] = None,
    site: Annotated[str | None, typer.Option(metavar="NAME", help="Only this site (name or domain, part of it).")] = None,
    language: Annotated[str | None, typer.Option(metavar="CODE", help="Only articles in this language (id, en…).")] = None,
    limit: Annotated[int, typer.Option(metavar="N", help="Articles shown.")] = 10,
) -> None:
    """Full-text search over title, description and text, ranked by BM25, stemmed per language
    (the SQL behind it: search_articles('…'))."""
    from flows import output
    from warehouse.db import locate
    from warehouse.readers import reader

    with reader(locate(_db_arg(db))) as con:
        params = {"q": query, "lang": language or "", "limit": limit}
        filters = ""
        if since is not None or site is not None:  # each hit's date and site: a join paid only when asked for
            params |= {"since": since, "site": site}
            filters = """
            join fts_docs as d using (article_id)
            where ($since is null or d.published_at >= cast($since as timestamptz))
              and ($site is null or d.site_id in (select site_id from dim_sites
                                                  where site_name ilike '%' || $site || '%' or domain ilike '%' || $site || '%'))"""
        hits = con.execute(
            f"""
            select s.article_id, s.score
            from search_articles($q, lang := $lang) as s {filters}
            order by s.score desc
            limit $limit
            """,
            params,
        ).fetchall()
        scores = dict(hits)
        rows = con.execute(
            """
            select a.article_id, a.title, coalesce(s.site_name, s.domain), a.published_at, a.text
            from fct_articles as a join dim_sites as s using (site_id)
            where a.article_id in (select unnest($ids))
            """,
            {"ids": list(scores) or [0]},
        ).fetchall()
    mark = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("[", "]")
    words = query.split()
    shown = [(f"{scores[aid]:.2f}", title, site_name, f"{published:%Y-%m-%d}" if published else "",
              output.snippet(text, words, mark=mark)) for aid, title, site_name, published, text
             in sorted(rows, key=lambda r: -scores[r[0]])]
    output.table(["score", "title", "site", "date", "snippet"], shown, sys.stdout, columns_wide=output.width())


@app.command()
def quality(db: DbOption = DEFAULT_DB, limit: Annotated[int, typer.Option(metavar="N", help="Reasons shown.")] = 20) -> None:
    """The quality report: what is being rejected, by stage and reason, and where the latest
    great-expectations Data Docs are (open index.html in a browser)."""
    from flows import output
    from warehouse.db import locate
    from warehouse.readers import reader

    wh = locate(_db_arg(db))
    with reader(wh) as con:
        result = con.execute("select stage, reason, rows_quarantined as rows, sources, rows_retryable as waiting, "
                             "rows_resolved as resolved from v_quarantine_summary limit ?", [limit])
        columns, rows = [d[0] for d in result.description], result.fetchall()
    output.table(columns, rows, sys.stdout)
    from expectations.datadocs import latest

    index = latest(wh.quality_root)
    sys.stdout.write(f"Data Docs: {index}\n" if index else "Data Docs: none yet (a run that validates rows writes them)\n")


@app.command()
def maintain(
    db: DbOption = DEFAULT_DB,
    expire_days: Annotated[float, typer.Option(metavar="DAYS", help="Keep snapshots (time travel) this many days.")] = 7,
    keep_files_days: Annotated[float, typer.Option(metavar="DAYS", help="Delete dropped files this many days later.")] = 2,
) -> None:
    """Compact the warehouse, expire old snapshots and delete files nothing needs (the
    maintenance/daily deployment runs this)."""
    from flows.maintenance import maintenance

    summary = _call_flow(maintenance, db=_db_arg(db), expire_days=expire_days, keep_files_days=keep_files_days)
    print(json.dumps(summary))


@app.command()
def migrate(
    db: DbOption = DEFAULT_DB,
    source: Annotated[Path | None, typer.Option("--from", metavar="FILE", help="A feedhouse 0.1 warehouse (DuckDB file) to convert.")] = None,
) -> None:
    """Create or upgrade the warehouse's schema; with --from, convert a feedhouse 0.1 warehouse
    (one DuckDB file, left untouched) into it."""
    import os

    from transforms.settings import Settings
    from warehouse.db import locate

    wh = locate(_db_arg(db))
    settings = Settings.from_env(os.environ)
    if source is None:
        from warehouse.db import connect, ensure_migrated

        with connect(wh) as con:
            applied = ensure_migrated(con, wh, settings.lock_timeout_s)
        console.print(f"{wh.label}: " + (f"applied {', '.join(applied)}" if applied else "schema is current"))
        return
    from warehouse.legacy import convert

    counts = convert(source.resolve(), wh, max_attempts=settings.max_fetch_attempts, lock_timeout_s=settings.lock_timeout_s)
    console.print(f"converted {source} into {wh.label}: " + ", ".join(f"{t} {n}" for t, n in counts.items()))


sample_app = typer.Typer(help="The bundled sample news sites, for trying feedhouse offline.")
app.add_typer(sample_app, name="sample")


@sample_app.command("serve")
def sample_serve(
    port_base: Annotated[int, typer.Option(metavar="PORT", help="The sites listen on 127.0.0.1, ports port-base+1..+3 "
                                                "(0: any free ports).")] = 8700,
    write: Annotated[Path | None, typer.Option("--write", metavar="FILE", help="Also write the feed list to this file.")] = None,
) -> None:
    """Serve the sample sites on 127.0.0.1 until Ctrl-C. Prints a ready feed list (their feeds,
    and the allow_hosts setting that lets feedhouse fetch from 127.0.0.1) on stdout."""
    import signal

    from flows.sample_site import render_feed_list, serve_sample

    with serve_sample(port_base or None) as hosts:
        text = render_feed_list(hosts)
        if write:
            _write_atomically(write, text)
        sys.stdout.write(text)
        sys.stdout.flush()
        errors.print(f"serving {', '.join(f'{site} on http://{host}/' for site, host in hosts.items())}; "
                     "Ctrl-C stops", markup=False)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


feeds_app = typer.Typer(help="Feeds: list their polling state, import/export OPML.")
app.add_typer(feeds_app, name="feeds")


@feeds_app.callback(invoke_without_command=True)
def feeds_list(ctx: typer.Context, db: DbOption = DEFAULT_DB) -> None:
    """List every feed with its status, schedule and last error."""
    if ctx.invoked_subcommand is not None:
        return
    from flows import output
    from warehouse.db import locate
    from warehouse.readers import reader
    from warehouse.state import list_feeds

    with reader(locate(_db_arg(db))) as con:
        output.feeds(list_feeds(con), sys.stdout)


@feeds_app.command("import")
def feeds_import(
    opml: Annotated[Path, typer.Argument(metavar="OPML_FILE", help="OPML file exported by a feed reader.")],
    into: Annotated[Path, typer.Option("--into", metavar="FILE", show_default=_shown(DEFAULT_FEEDS),
                                       help="TOML feed list to add the feeds to.")] = Path(DEFAULT_FEEDS),
) -> None:
    """Add the feeds of an OPML file to a TOML feed list. Feeds it lists already are left alone,
    and the rest of the file (comments, settings, layout) is kept byte for byte."""
    from transforms.feedlist import append_feeds, parse_opml

    incoming = _read_feed_file(opml, parse_opml)
    with _about(into):
        text, added = append_feeds(into.read_text(encoding="utf-8") if into.exists() else "", incoming.feeds)
    if added:
        _write_atomically(into, text)
    console.print(f"{added} feed(s) added to {into}")


@contextmanager
def _about(path: Path):
    """A problem with a feed list file is reported with the file's name."""
    from transforms.feedlist import FeedListError

    try:
        yield
    except UnicodeDecodeError as exc:
        raise FeedListError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except FeedListError as exc:  # every problem on its own line, each naming the file
        raise FeedListError("\n".join(f"{path}: {line}" for line in str(exc).splitlines())) from exc


def _read_feed_file(path: Path, parse):
    with _about(path):
        return parse(path.read_text(encoding="utf-8"))


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step: a crash or a full disk never leaves half a feed list."""
    import os
    import tempfile

    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent or ".", prefix=f".{path.name}.",
                                     delete=False) as tmp:
        tmp.write(text)
        tmp.flush()
        os.fsync(tmp.fileno())
    os.replace(tmp.name, path)


@feeds_app.command("export")
def feeds_export(
    source: Annotated[Path, typer.Option("--from", metavar="FILE", help="Feed list (TOML or OPML).")] = Path(DEFAULT_FEEDS),
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout.")] = None,
) -> None:
    """Write a feed list as OPML, for feed readers."""
    from transforms.feedlist import parse_feed_list_text, to_opml

    text = to_opml(_read_feed_file(source, parse_feed_list_text).feeds)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


EXIT_GRACE_S = 20.0


def _exit_watchdog(code: int) -> None:
    """Prefect drains its log and event queues to the API at exit; with the API gone that can
    take many minutes. Our work is done and reported by then: give it a grace period, then go."""
    import os
    import threading

    def force_exit():
        sys.stderr.write(f"feedhouse: Prefect API did not take the last logs within {EXIT_GRACE_S:g}s; exiting\n")
        sys.stderr.flush()
        os._exit(code)

    timer = threading.Timer(EXIT_GRACE_S, force_exit)
    timer.daemon = True
    timer.start()


def main() -> None:
    """Entry point of the ``feedhouse`` console script. Every failure ends as one line on stderr
    that says what went wrong (and names the file when a file is the problem), then a non-zero
    exit; ``--debug`` adds the traceback."""
    import click

    debug = "--debug" in sys.argv[1:]
    if debug:
        sys.argv.remove("--debug")
    code = 1
    try:
        result = app(standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:  # usage errors: click's own message
        exc.show()
        code = exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        errors.print("feedhouse: interrupted")
        code = 130
    except Exception as exc:
        for line in _describe(exc):
            errors.print(f"feedhouse: {line}", markup=False, highlight=False)
        if debug:
            console_traceback(exc)
        else:
            errors.print("(run again with --debug for the traceback)", style="dim")
        code = 2 if _is_input_problem(exc) else 1
    finally:
        sys.stdout.flush()
        if "flows.extract_pool" in sys.modules:  # stop extraction workers before exit
            sys.modules["flows.extract_pool"].shutdown()
        _exit_watchdog(code)
    sys.exit(code)


def _describe(exc: BaseException) -> list[str]:
    """The message as lines (one per problem), each prefixed by the exception's class unless it
    is one of ours or an OS error (whose message names the file already)."""
    ours = type(exc).__module__.split(".")[0] in ("transforms", "warehouse", "flows", "expectations")
    lines = [" ".join(line.split()) for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
    return lines if ours or isinstance(exc, OSError) else [f"{type(exc).__name__}: {line}" for line in lines]


def _is_input_problem(exc: BaseException) -> bool:
    """A feed list, file or setting the user gave us is wrong (exit 2), not the machinery (exit 1)."""
    from transforms.feedlist import FeedListError

    return isinstance(exc, FeedListError | FileNotFoundError | IsADirectoryError | PermissionError | ValueError)


def console_traceback(exc: BaseException) -> None:
    import traceback

    sys.stderr.write("".join(traceback.format_exception(exc)))


if __name__ == "__main__":
    main()
