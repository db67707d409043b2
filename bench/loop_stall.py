"""Event-loop health under NER load: the entities stage run inline on the loop vs in a worker thread.

Feeds the same cleaned articles to the stage in batches, the way the agent does, while a monitor measures
how late the event loop wakes up (what Faust's heartbeats, commits and other agents would wait). Prints the
longest stall, the p99 stall and the throughput for each mode and batch size.
Usage: ``python -m bench.loop_stall [--docs N] [--batch 4 16]``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.dedup import DEFAULT_EVAL, load_stream
from worker.entities import EntityExtractor
from worker.loop_monitor import LoopStallMonitor
from worker.settings import Settings


class RecordingMonitor(LoopStallMonitor):
    def __init__(self) -> None:
        super().__init__(interval=0.01)
        self.stalls: list[float] = []

    def record(self, stall: float) -> None:
        super().record(stall)
        self.stalls.append(self.last_stall)


async def run_stage(extractor: EntityExtractor, articles: list, batch: int, in_thread: bool) -> tuple[list, float]:
    monitor = RecordingMonitor()
    watcher = asyncio.create_task(monitor.run())
    await asyncio.sleep(5 * monitor.interval)  # the monitor is asleep and waiting before the work starts
    executor = ThreadPoolExecutor(max_workers=1)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    for i in range(0, len(articles), batch):
        chunk = articles[i : i + batch]
        if in_thread:
            await loop.run_in_executor(executor, extractor.extract, chunk)
        else:
            extractor.extract(chunk)
        await asyncio.sleep(0)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(5 * monitor.interval)  # and wakes once more to report the last stall
    watcher.cancel()
    executor.shutdown()
    return monitor.stalls, len(articles) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--docs", type=int, default=96)
    parser.add_argument("--batch", type=int, nargs="+", default=[4, 16])
    args = parser.parse_args()
    settings = Settings()
    articles = load_stream(args.eval_dir)[: args.docs]
    extractor = EntityExtractor.from_settings(settings)
    extractor.extract(articles[:4])
    print(f"{len(articles)} articles, model {extractor.model_name}")
    print(f"{'mode':8} {'batch':>5} {'max stall s':>11} {'p99 stall s':>11} {'articles/s':>10}")
    results = {}
    for batch in args.batch:
        for in_thread in (False, True):
            stalls, rate = asyncio.run(run_stage(extractor, articles, batch, in_thread))
            ordered = sorted(stalls) or [0.0]
            p99 = ordered[int(0.99 * (len(ordered) - 1))]
            mode = "thread" if in_thread else "inline"
            results[(mode, batch)] = (max(stalls, default=0.0), rate)
            print(f"{mode:8} {batch:5d} {max(stalls, default=0.0):11.3f} {p99:11.3f} {rate:10.1f}")
    batch = args.batch[-1]
    inline, thread = results[("inline", batch)], results[("thread", batch)]
    print(
        f"loop_stall inline_max={inline[0]:.3f} thread_max={thread[0]:.3f} "
        f"throughput_ratio_thread_vs_inline={thread[1] / inline[1]:.2f} batch={batch}"
    )


if __name__ == "__main__":
    main()
