"""HTTP endpoints on the worker's web port: Prometheus ``/metrics``, liveness ``/health``, readiness ``/ready``."""

from __future__ import annotations

from faust.web import Request, Response, View
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from worker.agents import loop_monitor, watchdog
from worker.app import app, settings


@app.page("/metrics")
async def metrics(web: View, request: Request) -> Response:
    return web.bytes(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST.split(";")[0])


@app.page("/health")
async def health(web: View, request: Request) -> Response:
    """Alive while the event loop answers and the agents make progress on their input (see worker/watchdog.py)."""
    status = watchdog.status
    body = {
        "status": "stalled" if status.stalled else "ok",
        "event_loop_stall_seconds": round(loop_monitor.max_stall, 3),
        "lag": status.lag,
        "seconds_without_progress": round(status.seconds_without_progress, 1),
    }
    if status.stalled:
        body["reason"] = status.reason
    return web.json(body, status=503 if status.stalled else 200)


@app.page("/ready")
async def ready(web: View, request: Request) -> Response:
    """Ready once partitions are assigned and the tables have recovered from their changelogs."""
    assigned = len(app.consumer.assignment()) if app.consumer else 0
    recovered = app.tables.recovery.completed.is_set()
    is_ready = assigned > 0 and recovered and not app.rebalancing
    body = {"ready": is_ready, "assigned_partitions": assigned, "tables_recovered": recovered, "app": settings.app_id}
    return web.json(body, status=200 if is_ready else 503)
