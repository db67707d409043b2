"""Every rebalance this worker goes through, counted on ``/metrics`` and logged, so an unplanned one shows."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Set

from faust.types import TP, AppT

from worker import metrics
from worker.app import app

log = logging.getLogger(__name__)
assignment_number = itertools.count(1)


@app.on_partitions_revoked.connect
async def count_revocation(sender: AppT, revoked: Set[TP], **_: object) -> None:
    if revoked:  # the first join revokes nothing
        metrics.PARTITION_REVOCATIONS.inc()
        log.info("rebalance: %d partitions revoked", len(revoked))


@app.on_partitions_assigned.connect
async def count_assignment(sender: AppT, assigned: Set[TP], **_: object) -> None:
    metrics.PARTITION_ASSIGNMENTS.inc()
    metrics.ASSIGNED_PARTITIONS.set(len(assigned))
    log.info("partition assignment #%d: %d partitions", next(assignment_number), len(assigned))
