"""keep_freed_memory(large=True): a block over glibc's 32 MB mmap limit comes from the heap
(so that a freed one is reused rather than mapped afresh). Run in a child process: the
setting is process-wide."""

import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import ctypes, sys
    import numpy as np
    from jazzcore.runtime import keep_freed_memory

    class MallInfo2(ctypes.Structure):  # glibc >= 2.33
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    if sys.argv[1] == "large":
        keep_freed_memory(large=True)
    elif sys.argv[1] == "small":
        keep_freed_memory()
    before = libc.mallinfo2().hblks
    block = np.ones(64 * 2**20 // 8)  # 64 MB: over the largest mmap threshold
    print(libc.mallinfo2().hblks - before)
    """
)


def mapped_blocks(setting: str) -> int:
    """How many mmap'd blocks a 64 MB array adds under the setting."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, setting], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_large_blocks_come_from_the_heap_only_when_asked():
    assert mapped_blocks("default") == 1
    assert mapped_blocks("small") == 1  # 32 MB is glibc's largest mmap threshold
    assert mapped_blocks("large") == 0
