"""Process settings for long-running clinicdesk processes (web server, workers).

Garbage collection: a schedule search allocates tens of thousands of short-lived objects, and CPython's
full collections, which walk every object the process holds (Django, apps, templates), showed up as
20-25 ms pauses in the slowest searches. After start-up everything loaded so far is frozen out of the
collector's view (``gc.freeze``), and young collections run less often. Reference counting still frees
almost everything at once; the collector only has cycles left to find.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
