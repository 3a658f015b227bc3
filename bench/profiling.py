"""Sampling profiles of a running service with py-spy, summarised to where time goes.

py-spy reads another process's stacks without stopping it, so the profile is of the
real service under the real load. Only the main thread counts (asyncio runs there);
samples where it was idle in the event loop's poll are left out by py-spy itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    return found


def start_recording(pid: int, seconds: float, out: Path, rate: int = 50) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            py_spy(),
            "record",
            "--subprocesses",  # uvicorn --workers: the workers are children
            "-d",
            str(int(seconds)),
            "-r",
            str(rate),
            "-p",
            str(pid),
            "-f",
            "raw",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# py-spy's process frames (a quoted command line may itself contain ';').
_PROCESSES = re.compile(r'^(process \d+:"[^"]*";)*')


def summarise(raw: Path, top: int = 15) -> dict[str, object]:
    """Busy share of the main threads (all workers together), and the frames they
    spent that time in:
    ``ours`` is the innermost frame of GridCase code, ``leaf`` the frame on the CPU."""
    ours: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    main = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        # With --subprocesses each stack starts with its process chain; a uvicorn
        # worker's main thread starts at multiprocessing's spawn_main.
        frames = _PROCESSES.sub("", stack).split(";")
        if not frames or not frames[0].startswith(("_run_module_as_main", "<module> (<string>")):
            continue  # other threads: thread-pool workers waiting
        n = int(count)
        main += n
        mine = [f for f in frames if "services/" in f or "shared/" in f]
        ours[mine[-1] if mine else "(framework and event loop)"] += n
        leaves[frames[-1]] += n
    return {
        "main_thread_samples": main,
        "ours": [(round(n / main, 3), f) for f, n in ours.most_common(top)] if main else [],
        "leaf": [(round(n / main, 3), f) for f, n in leaves.most_common(top)] if main else [],
    }
