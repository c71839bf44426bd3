"""Peak memory of Dask worker processes, sampled while a benchmark runs (shared by the scale
benchmarks)."""

from __future__ import annotations

import threading
import time


def watch_workers(client, peaks: dict, stop: threading.Event) -> None:
    """Sample every worker process's resident memory (RSS) into ``peaks`` until ``stop``."""
    import psutil

    pids = client.run(lambda: __import__("os").getpid())
    procs = {addr: psutil.Process(pid) for addr, pid in pids.items()}
    while not stop.is_set():
        for addr, proc in procs.items():
            try:
                peaks[addr] = max(peaks.get(addr, 0), proc.memory_info().rss)
            except psutil.Error:
                pass
        time.sleep(0.2)
