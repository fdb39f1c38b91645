"""Interpreter settings for the long-running processes (`serve`, `worker`): the garbage collector
and the GIL's switch interval.

Freezing the start-up heap (compiled statements, the parsed config, routes, ...) keeps full
collections from walking it again and again (bench/README.md), and larger young-generation
thresholds make collections rarer; reference counting still frees almost everything at once.
"""

from __future__ import annotations

import gc
import sys

# Threads that return from a database round trip or a socket wait for the GIL while another thread
# computes; CPython hands it over every 5 ms by default. The engine's timer loop, delivery loops and
# senders, and the API's event loop and group-commit writer, each wait on I/O many times a second:
# a shorter interval keeps those waits short.
SWITCH_INTERVAL = 0.001


def settle() -> None:
    """Call once the process has built everything it keeps for its lifetime."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    sys.setswitchinterval(SWITCH_INTERVAL)
