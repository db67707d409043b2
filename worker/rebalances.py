"""Every rebalance this worker goes through, counted on ``/metrics`` and logged, so an unplanned one shows;
and after each, the broker checked to be the cluster the local stores belong to before dedup decides again."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Set

from faust.types import TP, AppT

from worker import metrics
from worker.agents import cluster_verified, local_state, stop_on_stale_state
from worker.app import app, settings
from worker.kafka import cluster_id
from worker.state import StaleState

log = logging.getLogger(__name__)
assignment_number = itertools.count(1)
checks: set[asyncio.Task] = set()
CLUSTER_RETRY_SECONDS = 2.0


@app.on_partitions_revoked.connect
async def count_revocation(sender: AppT, revoked: Set[TP], **_: object) -> None:
    cluster_verified.clear()
    if revoked:  # the first join revokes nothing
        metrics.PARTITION_REVOCATIONS.inc()
        log.info("rebalance: %d partitions revoked", len(revoked))


@app.on_partitions_assigned.connect
async def count_assignment(sender: AppT, assigned: Set[TP], **_: object) -> None:
    metrics.PARTITION_ASSIGNMENTS.inc()
    metrics.ASSIGNED_PARTITIONS.set(len(assigned))
    log.info("partition assignment #%d: %d partitions", next(assignment_number), len(assigned))
    cluster_verified.clear()
    checks.add(task := asyncio.create_task(verify_cluster()))  # the rebalance need not wait for the broker
    task.add_done_callback(checks.discard)


async def verify_cluster() -> None:
    """Ask the broker its cluster id until it answers; stop if it is not the stores' cluster."""
    while True:
        try:
            found = await cluster_id(settings.broker)
            break
        except Exception as exc:  # the broker may be away for a while: dedup waits meanwhile
            log.info("could not read the broker's cluster id (%r); dedup waits", exc)
            await asyncio.sleep(CLUSTER_RETRY_SECONDS)
    try:
        local_state.verify_cluster(found)
    except StaleState as exc:
        stop_on_stale_state(exc)
    cluster_verified.set()
