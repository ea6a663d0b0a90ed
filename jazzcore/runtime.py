"""Process-wide knobs for fast NumPy training: glibc's allocator and BLAS's thread count.

Neither changes a result, only how long it takes. Both act on the whole process, so a
library function should not turn them on behind its caller's back:

* :func:`keep_freed_memory` is called once by the program (the CLI, the app, the bench
  scripts) before it trains; :func:`jazzcore.training.train` does not call it.
* :func:`one_blas_thread` is scoped: ``train`` runs its epochs inside it, and the original
  thread count comes back when the last overlapping run ends.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

_MALLOC_TUNED: set[str] = set()  # the settings made: 'small', 'large'


def keep_freed_memory(*, large: bool = False) -> None:
    """Let glibc keep freed blocks for reuse instead of returning them to the system
    (process-wide; once per setting).

    Call it once at the program's start (the CLI, the app and the bench scripts do);
    ``train`` does not, because it changes the allocator of the whole process.

    Every NumPy epoch allocates about 15 MB of arrays and temporaries of 0.1–2 MB. glibc
    serves blocks over 128 KB with fresh mmap pages and returns them on free, so each epoch
    pays thousands of page faults — about 12 % of the training time (measured: 0.88 s →
    0.77 s for 100 epochs). Raising the mmap and trim thresholds (the MALLOC_MMAP_THRESHOLD_
    and MALLOC_TRIM_THRESHOLD_ knobs) keeps blocks of up to 32 MB, glibc's largest threshold.

    large: also serve blocks over 32 MB from the heap (no mmap at all), for a process that
    trains big models: the TensorFlow engine's steps and stacks of m = 3,000, n_a = 512
    are blocks of 70–150 MB, about 800 MB an epoch, which cost 200,000 page faults and
    0.5 s of the kernel's time an epoch (3.4 s → 3.2 s an epoch; bench/scale.py's peak at
    that size 1.55 → 1.67 GB, the heap's fragments).
    Freed heap memory then stays with the process, so a long-lived server should not ask
    for it. Elsewhere than glibc this does nothing.
    """
    wanted = {"small", "large"} if large else {"small"}
    if wanted <= _MALLOC_TUNED:
        return
    _MALLOC_TUNED.update(wanted)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_MAX, M_MMAP_THRESHOLD = -1, -4, -3  # glibc's malloc.h
        libc.mallopt(M_MMAP_THRESHOLD, 32 * 2**20)
        libc.mallopt(M_TRIM_THRESHOLD, 128 * 2**20)
        if large:
            libc.mallopt(M_MMAP_MAX, 0)
    except (OSError, AttributeError):
        pass


_BLAS_LOCK = threading.Lock()
_blas_runs = 0  # runs inside one_blas_thread, in any thread
_blas_limits = None  # threadpoolctl's limiter, holding the limits to restore


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run NumPy's products on one thread while inside the ``with`` block.

    The matrices of training are small (60 × 64 by 64 × 256), so a second BLAS thread only
    adds synchronisation, and when other work shares the cores (another user's training,
    the web server) spinning BLAS threads slow training down five-fold (measured: 1.1 s on
    one thread, 5.1 s on two, with a busy second core).

    The limit is process-wide, and the app trains in several threads at once: the first
    run to enter sets it and the last to leave restores the original, whatever the order.
    """
    global _blas_runs, _blas_limits
    with _BLAS_LOCK:
        if _blas_runs == 0:
            _blas_limits = threadpool_limits(limits=1, user_api="blas")
        _blas_runs += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas_runs -= 1
            if _blas_runs == 0:
                _blas_limits.restore_original_limits()
                _blas_limits = None


__all__ = ["keep_freed_memory", "one_blas_thread"]
