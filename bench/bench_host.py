"""Benchmark the host protocol (spinnc.host) over loopback to the virtual board.

Prints JSON with:

``read`` / ``write``
    Throughput (MB/s, 10**6 bytes per second) of ``BoardController.read`` and
    ``write`` of a block of SDRAM in <= 256-byte SCP packets, with 1 and 8
    requests in flight (best of ``--repeats``).
``demo``
    The demo model's Image (spinnc.demo, SpiNN-5, ``--steps`` ticks) run with
    :func:`spinnc.host.run_image`: seconds to load (discovery included), run
    and read back, datagrams sent, and whether the recordings equal direct
    emulation bit for bit.

The board serves from a separate Python process (``--same-process``: from a
thread of this one, where both sides share one interpreter lock), so host and
board each have a core, as with a real board.

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/bench_host.py [--megabytes N] [--repeats N]
        [--steps N] [--same-process]
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from spinnc.compiler import compile_network
from spinnc.demo import demo_model
from spinnc.firmware_sim import Emulator
from spinnc.virtual_board.board import serve
from spinnc.host import BoardController, SCPConnection, run_image
from spinnc.machine import Machine

BASE = 0x60000000
# A SpiNN-5 virtual board in its own process: prints its port, serves until stdin closes.
SERVER = ("from spinnc.virtual_board.board import serve; "
          "b = serve(port=0, boot_port=None, booted=True); print(b.address[1], flush=True); "
          "import sys; sys.stdin.read(); b.close()")


@contextlib.contextmanager
def virtual_board(same_process: bool):
    """The (host, port) of a booted SpiNN-5 virtual board while in the block."""
    if same_process:
        board = serve(Machine.spinn5(), port=0, boot_port=None, booted=True)
        try:
            yield board.address
        finally:
            board.close()
        return
    process = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        yield ("127.0.0.1", int(process.stdout.readline()))
    finally:
        process.stdin.close()
        process.wait(10)


def throughput(address, n_bytes: int, window: int, repeats: int) -> dict:
    """Best MB/s of writing then reading ``n_bytes`` with ``window`` in flight."""
    data = np.random.default_rng(0).integers(0, 256, n_bytes, dtype=np.uint8).tobytes()
    best = {"write": 0.0, "read": 0.0}
    with BoardController(connection=SCPConnection(*address, window=window)) as board:
        for _ in range(repeats):
            start = time.perf_counter()
            board.write(0, 0, BASE, data)
            wrote = time.perf_counter()
            back = board.read(0, 0, BASE, n_bytes)
            read = time.perf_counter()
            assert back == data, "read back differs from what was written"
            best["write"] = max(best["write"], n_bytes / (wrote - start) / 1e6)
            best["read"] = max(best["read"], n_bytes / (read - wrote) / 1e6)
        retries = board.stats.retries
    return {k: round(v, 3) for k, v in best.items()} | {"retries": retries}


def demo_run(address, steps: int) -> dict:
    image = compile_network(demo_model(0), Machine.spinn5(), n_steps=steps, seed=0).image
    emulator = Emulator(image)
    emulator.run()
    expected = emulator.recordings()
    start = time.perf_counter()
    run = run_image(image, *address)
    total = time.perf_counter() - start
    same = all(np.array_equal(run.recordings[k], expected[k]) for k in expected)
    s = run.stats
    return {"cores": len(image.cores), "steps": steps, "load_s": round(s.load_seconds, 4),
            "run_s": round(s.run_seconds, 4), "read_s": round(s.read_seconds, 4),
            "total_s": round(total, 4), "datagrams": s.datagrams, "retries": s.retries,
            "bit_exact": same}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=2.0, help="bytes moved per test")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=1000, help="ticks of the demo run")
    parser.add_argument("--same-process", action="store_true",
                        help="serve the board from a thread of this process")
    args = parser.parse_args()
    n_bytes = int(args.megabytes * 1e6) // 4 * 4
    with virtual_board(args.same_process) as address:
        out = {"megabytes": n_bytes / 1e6, "board": "thread" if args.same_process else "process"}
        results = {w: throughput(address, n_bytes, w, args.repeats) for w in (1, 8)}
        for what in ("read", "write", "retries"):
            out[f"{what}_MBps" if what != "retries" else what] = {
                f"in_flight_{w}": r[what] for w, r in results.items()}
        out["demo"] = demo_run(address, args.steps)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
