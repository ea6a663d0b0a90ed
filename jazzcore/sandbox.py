"""Parsing a user's file in a worker process with a wall-clock and a memory budget.

A file anyone can upload is read by third-party parsers (mido, music21) whose time and
memory no check before them can fully bound. :func:`run` calls such a parser in a child
process that:

* may grow its address space by at most ``Budget.memory_bytes`` (``RLIMIT_AS``): past it an
  allocation fails (MemoryError) and the child reports it, or the child dies;
* is killed by the kernel at ``Budget.seconds`` of wall clock (an alarm whose default
  action ends the process, and a CPU-time limit behind it); the caller stops waiting at
  the same time and has the child killed if it still runs;
* writes no core file, and its result goes back through a pipe only the caller reads.

Each refusal is a one-line :class:`~jazzcore.errors.InputFileError`: too slow, too much
memory, or a crash of the parser. A :class:`~jazzcore.errors.JazzcoreError` the parser
raises comes back as it was raised.

The children are forked from a small helper process, the *zygote*, started once (about
0.2 s, the first time a file is read) with jazzcore's readers already imported, so a parse
costs a fork (a few ms) rather than a new interpreter. The zygote never reads a user's
bytes itself; it is not the caller's child when the caller forks, and it ends when the
caller does. At most :data:`MAX_WORKERS` children run at once; other callers wait for a
slot (at most :data:`QUEUE_SECONDS`).

The result is a pickle written by our own code in the child; it is read with an unpickler
that accepts only the classes the caller names (and jazzcore's errors), so even a child
taken over by a hostile file cannot make the caller build anything else. Nothing is ever
unpickled from a file.

Why this module is long: the zygote, the child and the caller are three sides of one
protocol, which reads best in one place.
"""

from __future__ import annotations

import atexit
import importlib
import io
import math
import os
import pickle
import select
import socket
import struct
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass

from . import errors
from .errors import InputFileError, JazzcoreError

MAX_WORKERS = max(1, min(4, os.cpu_count() or 1))
"""Children parsing at once, for all callers of the process (the rest wait for a slot)."""
QUEUE_SECONDS = 60.0
"""Longest wait for a free slot before a parse is refused as the server being busy."""
MAX_RESULT_BYTES = 128 * 1024 * 1024
"""Largest result a child may send back (a parsed file of 100,000 notes is about 10 MB)."""
GRACE_SECONDS = 1.0
"""How long the caller waits past the budget for the kernel to end a child, before it has
the zygote kill it."""
ZYGOTE_SECONDS = 60.0
"""Longest wait for the zygote to answer a request (an import of music21 included)."""
PRELOAD = ("jazzcore.readers", "pretty_midi.constants")
"""Modules the zygote imports once, so that no child pays for them."""


@dataclass(frozen=True)
class Budget:
    """What one parse may use. seconds: wall clock from the fork to the result;
    memory_bytes: address space the child may add to what it starts with (its resident
    memory at the peak is at most its start, about 100 MB, plus this)."""

    seconds: float = 8.0
    memory_bytes: int = 512 * 1024 * 1024


DEFAULT_BUDGET = Budget()


@dataclass(frozen=True)
class RunStats:
    """How the last :func:`run` of this thread went: outcome ('ok', 'error' — a
    JazzcoreError —, 'timeout', 'memory', 'crash'), seconds of wall clock (the caller's
    wait included), the child's peak resident memory in bytes (None when it was killed
    before it could say), and whether a child process was used at all."""

    outcome: str
    seconds: float
    peak_rss_bytes: int | None
    isolated: bool = True


_local = threading.local()


def last_stats() -> RunStats | None:
    """The :class:`RunStats` of this thread's last :func:`run` (for benches and the fuzzer)."""
    return getattr(_local, "stats", None)


def available() -> bool:
    """True where children can be forked and limited (Linux, macOS and other POSIX)."""
    return os.name == "posix" and hasattr(os, "fork")


# ---------------------------------------------------------------------------------------
# The caller's side


class _Zygote:
    """The helper process and the socket to it; one per caller process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.owner = 0

    def _start(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        path = [p for p in sys.path if p]
        boot = (
            f"import sys; sys.path[:0] = {path!r}; from jazzcore.sandbox import _zygote_main; "
            f"_zygote_main({child.fileno()}, {PRELOAD!r})"
        )
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", boot],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
                close_fds=True,
            )
        finally:
            child.close()
        parent.settimeout(ZYGOTE_SECONDS)  # a helper that hangs is restarted, not waited on
        self.sock, self.owner = parent, os.getpid()

    def _send(self, message: tuple, fds: list[int]) -> None:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        socket.send_fds(self.sock, [struct.pack("<Q", len(payload))], fds)
        self.sock.sendall(payload)

    def launch(self, message: tuple, write_fd: int) -> int:
        """Have the zygote fork a child for ``message``; the child's pid."""
        with self.lock:
            for attempt in (1, 2):
                if (
                    self.sock is None
                    or self.owner != os.getpid()
                    or self.process.poll() is not None
                ):
                    self._close()
                    self._start()
                try:
                    self._send(("run", *message), [write_fd])
                    reply = _recv_exact(self.sock, 8)
                    return struct.unpack("<q", reply)[0]
                except OSError:
                    self._close()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def kill(self, pid: int) -> None:
        """Have the zygote kill its child ``pid`` if it still runs (it never kills a pid it
        has already reaped, so a reused pid is never hit)."""
        with self.lock:
            if self.sock is not None and self.owner == os.getpid():
                try:
                    self._send(("kill", pid), [])
                except OSError:
                    self._close()

    def _close(self) -> None:
        if self.sock is not None and self.owner == os.getpid():
            self.sock.close()
            if self.process is not None:
                try:
                    self.process.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    self.process.kill()
        self.sock = self.process = None

    def stop(self) -> None:
        with self.lock:
            self._close()


_ZYGOTE = _Zygote()
_SLOTS = threading.BoundedSemaphore(MAX_WORKERS)
atexit.register(lambda: _ZYGOTE.stop())


def start() -> None:
    """Start the zygote now rather than at the first parse (the app calls it at start-up)."""
    if available():
        with _ZYGOTE.lock:
            if _ZYGOTE.sock is None or _ZYGOTE.owner != os.getpid():
                _ZYGOTE._start()


def stop() -> None:
    """End the zygote (a later :func:`run` starts it again)."""
    _ZYGOTE.stop()


def _recv_exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the sandbox's helper process ended")
        data += chunk
    return data


class _ResultUnpickler(pickle.Unpickler):
    """Builds only the classes it is given and jazzcore's errors."""

    def __init__(self, data: bytes, allowed: dict[tuple[str, str], type]):
        super().__init__(io.BytesIO(data))
        self.allowed = allowed

    def find_class(self, module: str, name: str):
        found = self.allowed.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not expected from a parser")
        return found


def _allowed(result_types) -> dict[tuple[str, str], type]:
    kinds = list(result_types) + [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, JazzcoreError)
    ]
    return {(kind.__module__, kind.__qualname__): kind for kind in kinds}


def _wait(read_fd: int, deadline: float) -> tuple[bytes | None, str]:
    """Read the child's reply until it closes the pipe: (bytes, 'done'), or (None,
    'timeout') at the deadline, or (None, 'too big')."""
    chunks, total = [], 0
    poller = select.poll()  # not select(): a busy server's descriptors pass 1024
    poller.register(read_fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, "timeout"
        if not poller.poll(max(1, math.ceil(remaining * 1000))):
            continue
        block = os.read(read_fd, 1 << 20)
        if not block:
            return b"".join(chunks), "done"
        total += len(block)
        if total > MAX_RESULT_BYTES:
            return None, "too big"
        chunks.append(block)


def run(
    function,
    *args,
    label: str = "The file",
    result_types=(),
    budget: Budget | None = None,
    preload: tuple[str, ...] = (),
):
    """``function(*args)`` in a child process with ``budget`` (default DEFAULT_BUDGET).

    function: a module-level function (the child imports it by name). result_types: the
    classes its result may be made of. preload: modules the zygote imports once before it
    forks (music21 for MusicXML), so that no later child pays for them. Returns the
    function's result; raises the JazzcoreError it raised, or an InputFileError naming
    ``label`` when it ran out of time or memory or crashed. Where children cannot be forked
    (not POSIX) the function runs here, unlimited.
    """
    budget = budget or DEFAULT_BUDGET
    queued = time.monotonic()
    if not available():
        _local.stats = RunStats("ok", 0.0, None, isolated=False)
        return function(*args)
    if not _SLOTS.acquire(timeout=QUEUE_SECONDS):
        raise InputFileError(
            f"{label} was not read: the server is busy reading other files; try again shortly."
        )
    try:
        read_fd, write_fd = os.pipe()
        try:
            try:
                message = (tuple(preload), function.__module__, function.__qualname__, args, budget)
                pid = _ZYGOTE.launch(message, write_fd)
            finally:
                os.close(write_fd)
            forked = time.monotonic()  # the budget runs from here, as the child's alarm does
            reply, how = _wait(read_fd, forked + budget.seconds + GRACE_SECONDS)
        finally:
            os.close(read_fd)
        if how != "done":
            _ZYGOTE.kill(pid)
    except OSError as error:
        raise InputFileError(
            f"{label} was not read: the reading process could not start ({error})."
        ) from None
    finally:
        _SLOTS.release()
    now = time.monotonic()
    return _outcome(reply, how, label, result_types, budget, now - forked, now - queued)


def _outcome(reply, how, label, result_types, budget, ran, seconds):
    """The result or the error of a child's reply (see :func:`run`): ``ran`` seconds from
    the fork, ``seconds`` from the call (a wait for a slot included)."""
    outcome, value, peak = "crash", None, None
    if reply:
        try:
            outcome, value, peak = _ResultUnpickler(reply, _allowed(result_types)).load()
        except Exception:  # a reply cut short, or not ours
            outcome = "crash"
    elif how == "timeout" or ran >= budget.seconds - 0.05:
        outcome = "timeout"  # the caller's deadline, or the child's own alarm that ended it
    elif how == "too big":
        outcome = "memory"
    _local.stats = RunStats(outcome, seconds, peak)
    if outcome == "ok":
        return value
    if outcome == "error" and isinstance(value, JazzcoreError):
        raise value
    if outcome == "timeout":
        raise InputFileError(
            f"{label} took longer than the {budget.seconds:g} s a file may take to read: "
            "it is too big or too complex; cut it to the solo."
        )
    if outcome == "memory":
        raise InputFileError(
            f"{label} needs more than the {budget.memory_bytes // 2**20} MB a file may use "
            "to read: it is too big or too complex; cut it to the solo."
        )
    detail = f" ({value})" if isinstance(value, str) and value else ""
    raise InputFileError(
        f"{label} could not be read: the reader stopped{detail}; export it again as MIDI "
        "or MusicXML."
    )


# ---------------------------------------------------------------------------------------
# The zygote and its children


def _zygote_main(fd: int, preload: tuple[str, ...]) -> None:
    """The helper process's loop: fork a child per request, kill on request, reap."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
    for name in preload:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    sock = socket.socket(fileno=fd)
    children: set[int] = set()
    while True:
        _reap(children)
        ready, _, _ = select.select([sock], [], [], 0.5)
        if not ready:
            continue
        try:
            head, fds, _, _ = socket.recv_fds(sock, 8, 1)
            if not head:
                break  # the caller has ended
            head += _recv_exact(sock, 8 - len(head))
            message = pickle.loads(_recv_exact(sock, struct.unpack("<Q", head)[0]))
        except (OSError, ConnectionError, EOFError):
            break
        if message[0] == "kill":
            if message[1] in children:
                try:
                    os.kill(message[1], signal.SIGKILL)
                except ProcessLookupError:
                    pass
            continue
        for name in message[1]:  # imported once, here, before the fork
            try:
                importlib.import_module(name)
            except ImportError:
                pass
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child(fds[0], *message[2:])  # never returns
        for descriptor in fds:
            os.close(descriptor)
        children.add(pid)
        try:
            sock.sendall(struct.pack("<q", pid))
        except OSError:
            break
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _reap(children)


def _reap(children: set[int]) -> None:
    while children:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        children.discard(pid)


def _limit(budget: Budget) -> None:
    """The child's limits: no core file, an address space of its start plus the budget,
    CPU time and a wall-clock alarm whose default action ends the process."""
    import resource
    import signal

    def lower(kind, soft):
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        try:
            resource.setrlimit(kind, (soft, hard))
        except (ValueError, OSError):
            pass

    lower(resource.RLIMIT_CORE, 0)
    try:
        with open("/proc/self/statm") as statm:
            start = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        start = None
    if start is not None and hasattr(resource, "RLIMIT_AS"):
        lower(resource.RLIMIT_AS, start + budget.memory_bytes)
    lower(resource.RLIMIT_CPU, math.ceil(budget.seconds) + 1)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, budget.seconds)


def _peak_rss() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux counts KB


def _child(write_fd: int, module: str, qualname: str, args: tuple, budget: Budget) -> None:
    """Run one parse and write (outcome, value, peak RSS) to ``write_fd``; never returns."""
    code = 0
    try:
        _limit(budget)
        warnings.simplefilter("ignore")  # a parser's warnings about a user's file are no log
        try:
            function = importlib.import_module(module)
            for part in qualname.split("."):
                function = getattr(function, part)
            reply = ("ok", function(*args))
        except JazzcoreError as error:
            reply = ("error", error)
        except MemoryError:
            reply = ("memory", None)
        except BaseException as error:  # a parser's bug: said in one line, never a traceback
            reply = ("crash", errors.one_line(f"{type(error).__name__}: {error}", 120))
        del args
        try:
            data = pickle.dumps((*reply, _peak_rss()), protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            reply = None
            data = pickle.dumps(("memory", None, _peak_rss()))
        except Exception as error:  # a result that does not pickle: our bug, said so
            data = pickle.dumps(("crash", f"unpicklable result: {type(error).__name__}", 0))
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view) :]
    except BaseException:
        code = 1
    finally:
        os._exit(code)


__all__ = [
    "Budget",
    "DEFAULT_BUDGET",
    "MAX_WORKERS",
    "RunStats",
    "available",
    "last_stats",
    "run",
    "start",
    "stop",
]
