"""Visitors: whose work is whose, kept on the server across reloads. No Streamlit here.

A visitor is a browser tab's owner, known by a token in the page's address (``?v=…``):
128 random bits, so no one finds another's work by guessing. The token outlives a page's
Streamlit session: a reload, or a page's address opened directly, brings the same token
and so the same models, corpus choice, settings and last solos. The :class:`VisitorStore`
keeps them for ``idle_s`` after the visitor's last page run, at most ``max_visitors`` and
about ``max_bytes`` (the least recently seen go first), never a visitor with a page open.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from jazzcore.model import JazzModel

from .generation import Generation
from .jobs import TrainingJob

TOKEN_BYTES = 16
"""128 bits: unguessable."""
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")
IDLE_S = 4 * 3600.0
"""A visitor's work is kept this long after their last page run (a lesson and then some)."""
MAX_VISITORS = 400
RELOAD_S = 30.0
"""The longest a reload may take (a page connected, not run yet) before a visitor is gone."""
MAX_BYTES = 600 * 2**20
"""About how much the kept work may take (models' weights, solos' audio and MIDI)."""


def new_token() -> str:
    """A fresh visitor token: 22 URL-safe characters, 128 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_token(text: object) -> bool:
    """Whether ``text`` has a token's form (a token the server never made is not found)."""
    return isinstance(text, str) and _TOKEN.fullmatch(text) is not None


@dataclass(eq=False)
class Visitor:
    """One visitor's work: ``state`` (what the pages keep: models, the training job, the last
    solos…), ``widgets`` (settings to find again), the Streamlit sessions (open pages) that
    are theirs, and when a page of theirs last ran (``time.time()``)."""

    token: str
    connected: Callable[[str], bool]
    state: dict = field(default_factory=dict)
    widgets: dict = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)
    last_seen: float = field(default_factory=time.time)
    last_present: float = field(default_factory=time.time)
    grace_s: float = 5.0
    loading: Callable[[], bool] = lambda: False

    def present(self, now: float | None = None) -> bool:
        """A page of theirs is open (its connection is up), or was until a moment ago: the
        trainer cancels their runs once this is False.

        A moment is ``grace_s`` (a reload), or longer while some page has connected that
        has not said whose it is yet (``loading()``: on a busy server a reloaded page can
        take a while to run), up to RELOAD_S."""
        now = time.time() if now is None else now
        live = {s for s in list(self.sessions) if self.connected(s)}
        if live:
            self.last_present = now
            return True
        away = now - self.last_present
        return away < self.grace_s or (away < RELOAD_S and self.loading())

    def nbytes(self) -> int:
        """About the memory the visitor's work holds."""
        return _size(self.state.values()) + _size(self.widgets.values())


def _size(values: Iterable, depth: int = 0) -> int:
    total = 0
    for value in values:
        if isinstance(value, JazzModel):
            total += sum(w.nbytes for w in value.weights) + 80 * value.Tx * len(value.history)
        elif isinstance(value, Generation):
            total += len(value.audio.wav) + len(value.report.midi_bytes) + 300 * len(value.rows)
        elif isinstance(value, TrainingJob):
            steps = len(value.history[-1].per_step_loss) if value.history else 0
            total += (80 + 8 * steps) * len(value.history) + _size([value.model], depth + 1)
        elif isinstance(value, dict) and depth < 3:
            total += _size(value.values(), depth + 1)
        elif isinstance(value, list | tuple) and depth < 3:
            total += _size(value, depth + 1)
        elif isinstance(value, bytes | str):
            total += len(value)
        else:
            total += 64
    return total


class VisitorStore:
    """The server's visitors by token (see the module's docstring). Thread-safe.

    connected(session_id): whether a Streamlit session's page is still connected (the
    runtime knows); a visitor with a connected page is never dropped. pages(): the session
    ids of the connected pages (to tell a page still loading, not yet anyone's).
    """

    def __init__(
        self,
        connected: Callable[[str], bool] = lambda session_id: True,
        pages: Callable[[], Iterable[str]] = tuple,
        *,
        idle_s: float = IDLE_S,
        max_visitors: int = MAX_VISITORS,
        max_bytes: int = MAX_BYTES,
        grace_s: float = 5.0,
    ):
        self.connected = connected
        self.pages = pages
        self.idle_s = idle_s
        self.max_visitors = max_visitors
        self.max_bytes = max_bytes
        self.grace_s = grace_s
        self._lock = threading.Lock()
        self._visitors: OrderedDict[str, Visitor] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            return len(self._visitors)

    def find(self, token: object) -> Visitor | None:
        """The visitor of a token, if the server has kept their work."""
        if not is_token(token):
            return None
        with self._lock:
            visitor = self._visitors.get(token)
            if visitor is not None and time.time() - visitor.last_seen > self.idle_s:
                del self._visitors[token]
                return None
            return visitor

    def new(self) -> Visitor:
        """A new visitor with a fresh token."""
        visitor = Visitor(
            new_token(), self.connected, grace_s=self.grace_s, loading=self.pages_loading
        )
        with self._lock:
            self._visitors[visitor.token] = visitor
        self.prune()
        return visitor

    def pages_loading(self) -> bool:
        """Whether a connected page has not run far enough to say whose it is."""
        with self._lock:
            claimed = set().union(*(v.sessions for v in self._visitors.values()))
        return any(page not in claimed for page in self.pages())

    def seen(self, visitor: Visitor, session_id: str | None) -> None:
        """A page of the visitor's ran now (in session ``session_id``); the store takes the
        visitor back if it had let their work go while their page stayed open."""
        now = time.time()
        with self._lock:
            visitor.last_seen = visitor.last_present = now
            if session_id is not None:
                visitor.sessions = {s for s in visitor.sessions if self.connected(s)}
                visitor.sessions.add(session_id)
            self._visitors[visitor.token] = visitor
            self._visitors.move_to_end(visitor.token)

    def prune(self) -> None:
        """Drop visitors idle too long, then the least recently seen while there are too
        many or their work takes too much memory; a visitor with a page open stays."""
        now = time.time()
        with self._lock:
            for token, visitor in list(self._visitors.items()):
                if now - visitor.last_seen > self.idle_s:
                    del self._visitors[token]
            sizes = {t: v.nbytes() for t, v in self._visitors.items()}
            total = sum(sizes.values())
            for token, visitor in list(self._visitors.items()):  # least recently seen first
                if len(self._visitors) <= self.max_visitors and total <= self.max_bytes:
                    break
                if any(self.connected(s) for s in visitor.sessions):
                    continue
                total -= sizes[token]
                del self._visitors[token]

    def total_bytes(self) -> int:
        with self._lock:
            return sum(v.nbytes() for v in self._visitors.values())
