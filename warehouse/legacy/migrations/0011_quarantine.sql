-- quarantine: inputs that could not become warehouse rows, with the reason.
-- grain: quarantine_id (stable hash of stage + source_url + reason); a repeat of the same
-- failure updates last_* and times_seen instead of adding a row.
create table if not exists quarantine (
    quarantine_id        bigint primary key,
    run_id               varchar not null,   -- run that first quarantined it
    stage                varchar not null,   -- poll | parse | fetch | extract | validate
    source_url           varchar,
    reason               varchar not null,
    record               json,
    is_retryable         boolean not null,   -- transient (timeouts, 5xx): retried by later runs
    quarantined_at       timestamptz not null,
    last_run_id          varchar not null,
    last_quarantined_at  timestamptz not null,
    times_seen           integer not null default 1
);
