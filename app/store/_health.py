"""Memory of unresponsive Qdrant servers, so a stalled server costs one timeout, not one per request."""
from __future__ import annotations

import math
import threading
import time

from .base import StoreUnavailable

RETRY_AFTER_S = 30.0  # a server found unresponsive is not contacted again for this long


class _DownServers:
    """Servers that recently failed to answer: url -> (when, why).

    Shared by every ServerStore of the process, because the app re-opens its store on the
    next request after a failed probe: without this memory each request would wait a full
    timeout again (issue 9: 3-7 s per request against a stalled server).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: dict[str, tuple[float, str]] = {}

    def mark(self, url: str, reason: str) -> None:
        with self._lock:
            self._since[url] = (time.monotonic(), reason)

    def check(self, url: str) -> None:
        """Raise StoreUnavailable at once if `url` failed less than RETRY_AFTER_S ago."""
        with self._lock:
            since, reason = self._since.get(url, (-math.inf, ""))
            left = RETRY_AFTER_S - (time.monotonic() - since)
            if left <= 0:
                self._since.pop(url, None)
                return
        raise StoreUnavailable(f"{reason} (next attempt in {math.ceil(left)} s)")


DOWN = _DownServers()


def describe(error: BaseException, timeout: float, flag: str) -> str:
    """'did not answer within 3 s (--flag)' for a timeout, else 'is unreachable: <error>'."""
    if "timeout" in type(error).__name__.lower() or "timed out" in str(error).lower():
        return f"did not answer within {timeout:g} s (raise {flag} if it is only slow)"
    return f"is unreachable: {str(error) or type(error).__name__}"
