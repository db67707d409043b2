import pytest

from worker.watchdog import PartitionOffsets, Watchdog

pytestmark = pytest.mark.unit
LIMIT = 120.0


def offsets(end: int | None, read: int | None, committed: int | None) -> dict[str, PartitionOffsets]:
    return {"news.raw[0]": PartitionOffsets(end, read, committed), "news.raw[1]": PartitionOffsets(10, 9, 10)}


def test_lag_is_end_minus_committed_and_unknown_counts_as_none():
    assert PartitionOffsets(100, 40, 30).lag == 70
    assert PartitionOffsets(100, 99, 100).lag == 0
    assert PartitionOffsets(None, 3, 4).lag == 0
    assert PartitionOffsets(100, None, None).lag == 0
    # after a transaction the committed offset stays one short of the end: its commit marker
    assert PartitionOffsets(101, 99, 100).lag == 0


def test_no_progress_with_lag_for_the_limit_is_a_stall_that_names_the_partition():
    watchdog = Watchdog(LIMIT)
    assert not watchdog.observe(0, offsets(100, 40, 30)).stalled
    assert not watchdog.observe(LIMIT - 1, offsets(100, 40, 30)).stalled
    status = watchdog.observe(LIMIT, offsets(100, 40, 30))
    assert status.stalled and status.lag == 70
    assert status.reason == "no progress for 120 s while 70 messages wait on news.raw[0] (70)"


def test_idle_without_lag_is_healthy_however_long():
    watchdog = Watchdog(LIMIT)
    for now in range(0, 3600, 10):
        assert not watchdog.observe(now, offsets(100, 99, 100)).stalled
    # lag that appears after a long idle time gets the whole limit
    assert not watchdog.observe(3600, offsets(150, 99, 100)).stalled
    assert watchdog.observe(3600 + LIMIT, offsets(150, 99, 100)).stalled


def test_slow_progress_is_progress():
    """A NER batch that takes a minute still moves the committed offset once a minute."""
    watchdog = Watchdog(LIMIT)
    for minute in range(30):
        status = watchdog.observe(minute * 60, offsets(10_000, minute * 16, minute * 16))
        assert not status.stalled and status.lag > 0


def test_reading_without_committing_counts_as_progress():
    watchdog = Watchdog(LIMIT)
    watchdog.observe(0, offsets(100, 40, 30))
    assert not watchdog.observe(LIMIT, offsets(100, 41, 30)).stalled


def test_progress_after_a_stall_clears_it():
    watchdog = Watchdog(LIMIT)
    watchdog.observe(0, offsets(100, 40, 30))
    assert watchdog.observe(200, offsets(100, 40, 30)).stalled
    status = watchdog.observe(210, offsets(100, 60, 50))
    assert not status.stalled and status.reason == "" and status.seconds_without_progress == 0


def test_a_new_assignment_counts_as_progress():
    watchdog = Watchdog(LIMIT)
    watchdog.observe(0, offsets(100, 40, 30))
    assert not watchdog.observe(LIMIT, {"news.raw[0]": PartitionOffsets(100, 40, 30)}).stalled


def test_rebalance_or_recovery_restarts_the_clock():
    watchdog = Watchdog(LIMIT)
    watchdog.observe(0, offsets(100, 40, 30))
    watchdog.excuse(100)
    assert not watchdog.observe(150, offsets(100, 40, 30)).stalled
    assert not watchdog.observe(100 + LIMIT - 1, offsets(100, 40, 30)).stalled
    assert watchdog.observe(100 + LIMIT, offsets(100, 40, 30)).stalled


def test_a_stalled_worker_stays_stalled_while_nothing_changes():
    watchdog = Watchdog(LIMIT)
    watchdog.observe(0, offsets(100, 40, 30))
    for now in (LIMIT, 2 * LIMIT, 10 * LIMIT):
        assert watchdog.observe(now, watchdog.partitions).stalled
