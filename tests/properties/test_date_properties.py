"""Dates and schedule hints: whatever a feed or a server writes, the answer is an aware UTC
datetime or None, a bounded number of seconds or None, and a schedule the poll row can store."""

from __future__ import annotations

from datetime import UTC, timedelta

from hypothesis import given
from hypothesis import strategies as st

from transforms import schedule
from transforms.dates import from_struct_time, parse_date_text, to_utc
from transforms.schedule import MAX_HINT_S, PollState, next_poll

from . import examples
from .strategies import EDGE_DATES, EDGE_NUMBERS, edge_text, moments, offsets, run_settings, struct_times

MONTHS = ["Januari", "Februari", "Maret", "Mei", "Agustus", "Desember", "Nov", "Dec", "Okt"]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu", "Mon", "Wed"]


@st.composite
def date_texts(draw) -> str:
    """Real-looking dates in several styles and languages, with edge numbers and zones mixed in."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(edge_text(EDGE_DATES, max_size=40))
    number = st.one_of(st.integers(-100, 10_000).map(str), st.sampled_from(EDGE_NUMBERS))
    zone = st.sampled_from(["WIB", "WITA", "WIT", "GMT", "UTC", "Z", "+0700", "-2400", "+99:99", "PST", ""])
    if kind == 1:
        parts = [draw(st.sampled_from(DAYS)) + ",", draw(number), draw(st.sampled_from(MONTHS)), draw(number),
                 draw(st.sampled_from(["-", "|", ""])), f"{draw(number)}:{draw(number)}", draw(zone)]
        return " ".join(parts)
    if kind == 2:
        return f"{draw(number)}-{draw(number)}-{draw(number)}T{draw(number)}:{draw(number)}:{draw(number)}{draw(zone)}"
    return draw(st.text(max_size=40))


@examples(300)
@given(text=st.one_of(st.none(), date_texts()), assume=offsets())
def test_parse_date_text_gives_utc_or_none(text, assume):
    parsed = parse_date_text(text, assume)
    assert parsed is None or parsed.utcoffset() == timedelta(0)


@examples(100)
@given(value=st.datetimes(timezones=st.one_of(st.none(), offsets())), assume=offsets(), sep=st.sampled_from("T "))
def test_iso_dates_keep_their_instant_and_naive_ones_are_in_the_assumed_zone(value, assume, sep):
    assert parse_date_text(value.isoformat(sep), assume) == to_utc(value, assume)


@examples(200)
@given(value=st.one_of(st.none(), struct_times()))
def test_from_struct_time_gives_utc_or_none(value):
    parsed = from_struct_time(value)
    assert parsed is None or parsed.tzinfo is UTC


@examples(200)
@given(value=st.datetimes(timezones=st.one_of(st.none(), offsets())), assume=offsets())
def test_to_utc_gives_utc_or_none(value, assume):
    converted = to_utc(value, assume)
    assert converted is None or converted.tzinfo is UTC


def hint_text() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), edge_text(EDGE_NUMBERS + EDGE_DATES, max_size=20))


def bounded(seconds: int | None) -> bool:
    return seconds is None or (isinstance(seconds, int) and 0 <= seconds <= MAX_HINT_S)


@examples(300)
@given(ttl=hint_text(), period=st.one_of(hint_text(), st.sampled_from(["hourly", "DAILY ", "weekly", "yearly"])),
       frequency=hint_text(), header=hint_text(), cache_control=hint_text(), now=moments())
def test_schedule_hints_are_bounded_seconds_or_none(ttl, period, frequency, header, cache_control, now):
    headers = {k: v for k, v in (("retry-after", header), ("expires", header),
                                 ("cache-control", cache_control and f"max-age={cache_control}")) if v is not None}
    assert bounded(schedule.ttl_seconds(ttl))
    if ttl is not None and not ttl.strip().isascii():  # "٣", "３０", "²": digits, but no number meant
        assert schedule.ttl_seconds(ttl) is None
        if "," not in ttl:  # a comma would end the directive: "max-age=0,\x80" is 0
            assert schedule.max_age_seconds({"cache-control": f"max-age={ttl}"}) is None
    assert bounded(schedule.sy_seconds(period, frequency))
    assert bounded(schedule.max_age_seconds(headers))
    assert bounded(schedule.header_delay_seconds(headers, now, "retry-after"))
    assert bounded(schedule.header_delay_seconds(headers, now, "expires"))


@examples(300)
@given(
    prev=st.builds(PollState, status=st.sampled_from(["active", "moved", "backing-off", "dead", "gone"]),
                   consecutive_failures=st.integers(0, 10_000),
                   poll_interval_s=st.one_of(st.none(), st.integers(1, 2**31 - 1))),
    now=moments(),
    http_status=st.sampled_from([None, 200, 304, 410, 429, 500, 503]),
    failed=st.booleans(), is_hard_failure=st.booleans(), moved=st.booleans(),
    new_ratio=st.one_of(st.none(), st.floats(0, 1)),
    hints=st.lists(st.one_of(st.none(), st.integers(0, MAX_HINT_S)), max_size=4),
    retry_after_s=st.one_of(st.none(), st.integers(0, MAX_HINT_S)),
    run_settings=run_settings(),
    jitter_seed=st.integers(-(2**63), 2**63 - 1),
)
def test_next_poll_is_a_storable_schedule(prev, now, http_status, failed, is_hard_failure, moved, new_ratio, hints,
                                          retry_after_s, run_settings, jitter_seed):
    state = next_poll(prev, now=now, http_status=http_status, failed=failed, is_hard_failure=is_hard_failure,
                      moved=moved, new_ratio=new_ratio, hint_seconds=hints, retry_after_s=retry_after_s,
                      settings=run_settings, jitter_seed=jitter_seed)
    longest = max(run_settings.max_poll_interval_s, run_settings.dead_poll_interval_s)
    assert run_settings.min_poll_interval_s <= state.poll_interval_s <= longest
    assert 0 <= state.consecutive_failures < 2**31
    assert (state.next_poll_at is None) == (state.status == "gone")
    assert state.next_poll_at is None or state.next_poll_at - now == timedelta(seconds=state.poll_interval_s)
