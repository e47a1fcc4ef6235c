"""Qdrant server health: the start-up probe, one-line transport errors, and a memory of
unresponsive servers, so a stalled server costs one timeout, not one per request."""
from __future__ import annotations

import functools
import math
import threading
import time
from typing import Any, Callable, TypeVar

from qdrant_client import QdrantClient
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from .base import StoreUnavailable

_T = TypeVar("_T")
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


def guarded(method: Callable[..., _T]) -> Callable[..., _T]:
    """Decorate a ServerStore method: turn transport failures into StoreUnavailable with a one-line message; fail fast after one."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> _T:
        if not self.local:
            DOWN.check(self.where)
        try:
            return method(self, *args, **kwargs)
        except ResponseHandlingException as exc:
            reason = describe(exc.source, self.timeout, "--qdrant-timeout")
            message = f"Qdrant server at {self.where} {reason}"
            if not self.local:
                DOWN.mark(self.where, message)
            raise StoreUnavailable(message) from None
    return wrapper


def whole_seconds(timeout: float) -> int:
    """qdrant-client rounds timeouts up to whole seconds; do it here so messages tell the truth."""
    return max(1, math.ceil(timeout))


def probe(url: str, api_key: str | None, connect_timeout: int) -> None:
    """Fail fast, in one line, if the server does not answer or rejects the key."""
    DOWN.check(url)
    probe = QdrantClient(url=url, api_key=api_key, timeout=connect_timeout, check_compatibility=False)
    try:
        probe.get_collections()
    except UnexpectedResponse as exc:
        raise StoreUnavailable(f"Qdrant server at {url} answered HTTP {exc.status_code} "
                               f"({exc.reason_phrase}); check the URL and API key") from None
    except Exception as exc:  # connection refused, DNS, TLS, timeout: all mean "not there"
        message = f"Qdrant server at {url} " + describe(getattr(exc, "source", None) or exc, connect_timeout,
                                                        "--qdrant-connect-timeout")
        DOWN.mark(url, message)
        raise StoreUnavailable(message) from None
    finally:
        probe.close()
