-- quarantine: when a retryable reject later succeeded (the article loaded), resolved_at says so.
-- grain: unchanged (one row per quarantine_id).
alter table quarantine add column if not exists resolved_at timestamptz;
