"""Steps the AppTests share: driving a page whose live views rerun it."""

from __future__ import annotations

import time


def run_until(at, condition, timeout: float = 60) -> None:
    """Rerun the page until ``condition(at)`` holds (a live view's reruns, in AppTest)."""
    deadline = time.monotonic() + timeout
    at.run()
    while not condition(at):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
        at.run()
