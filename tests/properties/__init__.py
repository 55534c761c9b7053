"""Property-based fuzzing of the pure entry points (``transforms``): nothing a feed, a page, a
header or a feed list holds can make them raise, and every row they emit meets its staged table's
contract (or is one validation quarantines). See docs/quality.md, "Fuzzing"."""

from __future__ import annotations

import os
from datetime import datetime

from hypothesis import settings

from tests.conftest import FUZZ
from transforms.contracts import CONTRACTS, unvalidated_violations, violations
from transforms.settings import Settings
from warehouse import staging

# How many times more examples `make fuzz` runs than `make test` (FEEDHOUSE_FUZZ_SCALE overrides).
FUZZ_SCALE = int(os.environ.get("FEEDHOUSE_FUZZ_SCALE", "40"))


def examples(n: int) -> settings:
    """``n`` examples under `make test` (the property's share of the suite's minute), ``n`` ×
    FUZZ_SCALE under `make fuzz`."""
    return settings(max_examples=n * FUZZ_SCALE if FUZZ else n)


def assert_rows(table: str, rows: list[dict], run_settings: Settings, now: datetime, *,
                quarantined_if_invalid: bool = False, unique_grain: bool = False) -> None:
    """Every row meets ``table``'s contract and the staging schema takes the batch. With
    ``quarantined_if_invalid``, a violation validation quarantines (a bound, a regex, a NULL
    outside the grain) is allowed: only what would break staging fails. With ``unique_grain``, no
    two rows share the grain (the suites check it; the loader's merges tolerate repeats)."""
    contract = CONTRACTS[table]
    check = unvalidated_violations if quarantined_if_invalid else violations
    for row in rows:
        problems = check(contract, row, run_settings, now)
        assert not problems, f"{table} row breaks its contract: {problems}\nrow: {row!r:.3000}"
    keys = [tuple(row[k] for k in contract.grain) for row in rows]
    assert not unique_grain or len(keys) == len(set(keys)), f"{table}: rows share a grain {contract.grain}"
    staging.to_table(table, rows)
