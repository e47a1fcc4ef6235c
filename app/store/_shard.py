"""One open Qdrant Edge shard: a readers-writer lock, and recovery by reopening.

Why the lock: queries may run side by side, but an update, flush or optimize must have
the shard to itself. The binding does not document which calls release the GIL, so
this lock, not the GIL, is what keeps a flush from meeting a concurrent write.

Why the reopen: a flush once failed under load with "Failed to flush payload_index ...
tracker_journal.dat is shorter than expected", and every later flush of that shard
object failed the same way until the process restarted, although the data was intact.
Loading the shard again from its directory replays the WAL (which holds every
acknowledged update) and rebuilds that state, so a failed write or flush closes the
shard, loads it again and retries once; upserts, index creation, flush and optimize
are idempotent, so the retry cannot duplicate anything.
"""
from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import qdrant_edge as qe

from .base import StoreUnavailable

log = logging.getLogger(__name__)
_T = TypeVar("_T")


class ReadWriteLock:
    """Many readers or one writer; a waiting writer blocks new readers (no writer starvation)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class ShardHandle:
    """An EdgeShard used only through `read` (shared) and `write` (exclusive, reopen + retry once)."""

    def __init__(self, directory: Path, shard: qe.EdgeShard) -> None:
        self.directory = directory
        self._shard: qe.EdgeShard | None = shard
        self._lock = ReadWriteLock()

    def read(self, operation: Callable[[qe.EdgeShard], _T]) -> _T:
        with self._lock.shared():
            return operation(self._live())

    def write(self, operation: Callable[[qe.EdgeShard], _T]) -> _T:
        with self._lock.exclusive():
            try:
                return operation(self._live())
            except StoreUnavailable:
                raise
            except Exception as exc:  # the binding raises bare Exception for engine errors
                log.warning("%s: %s; reopening the shard from its WAL and retrying once",
                            self.directory, str(exc).splitlines()[0][:300])
                self._reopen()
                return operation(self._live())

    def close(self) -> None:
        """Flush and release the WAL lock (idempotent)."""
        with self._lock.exclusive():
            if self._shard is not None:
                shard, self._shard = self._shard, None
                shard.close()

    def _live(self) -> qe.EdgeShard:
        if self._shard is None:
            raise StoreUnavailable(f"the collection at {self.directory} is closed")
        return self._shard

    def _reopen(self) -> None:
        shard, self._shard = self._shard, None
        try:
            if shard is not None:
                shard.close()  # a close that cannot flush still releases the WAL lock
        except Exception as exc:
            log.warning("%s: close before reopening failed: %s", self.directory, str(exc)[:300])
        del shard  # dropping the engine object releases its WAL lock even if close failed
        try:
            self._shard = qe.EdgeShard.load(str(self.directory))
        except Exception as exc:
            raise StoreUnavailable(f"cannot reopen the collection at {self.directory}: {exc}") from exc
