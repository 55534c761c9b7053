-- etl_runs: one row per pipeline run (ingest or re-extract).
-- grain: run_id (the Prefect flow run id, or a local uuid when run without Prefect).
create table if not exists etl_runs (
    run_id              varchar primary key,
    flow_name           varchar not null,
    started_at          timestamptz not null,
    finished_at         timestamptz,
    status              varchar not null,      -- succeeded | recovered | failed
    feeds_polled        integer,
    feeds_not_modified  integer,
    feeds_failed        integer,
    entries_seen        integer,
    articles_new        integer,
    articles_updated    integer,
    rows_quarantined    integer,
    seconds             double,
    parameters          json
);
