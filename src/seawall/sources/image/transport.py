"""The HTTP layer under the registry client, pluggable so tests and proxies swap the network.

:class:`HttpTransport` is the standard library's ``http.client`` with an ``ssl`` context that
verifies certificates by default (``ca_file`` adds a PEM bundle, e.g. a test registry's
self-signed CA), keeps connections alive per host, and never follows redirects itself (the
registry client does, dropping credentials when the host changes). Anything implementing
:class:`Transport` can replace it.

A socket timeout alone does not bound time: a server that sends one byte every few seconds (a
slow loris) never trips it. So each phase — sending the request and reading the status line and
headers, then each ``read()`` of the body — also has a wall-clock deadline of ``timeout`` seconds,
enforced by one watchdog thread that shuts the socket down when a deadline passes. A host that
timed out or refused a connection is not asked again by the same transport: the next requests
fail at once with the same reason, instead of waiting out the timeout once per image and tag.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from seawall.errors import InputError, RegistryError
from seawall.sources.image.streams import ReadStream

USER_AGENT = "seawall (+https://github.com/seawall)"


def printable(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` with what a terminal would interpret (escape sequences, control
    and bidi characters) written as ``\\xNN`` escapes: registry-supplied text (a redirect URL, an
    error message) ends up in the one-line error a user reads."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text[:limit])


class Response(ReadStream):
    """Status, lower-cased headers and a streaming body; close() returns the connection."""

    def __init__(self, status: int, headers: Mapping[str, str], url: str, body: IO[bytes] | None = None) -> None:
        super().__init__()
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.url = printable(url)
        self._body = body

    def read(self, size: int | None = -1) -> bytes:
        if self._body is None:
            return b""
        try:
            data: bytes = self._body.read(-1 if size is None else size)
        except (OSError, http.client.HTTPException, ValueError) as err:
            if isinstance(err, _DeadlineExceeded) or getattr(self._body, "timed_out", False):
                raise RegistryError(f"timed out while reading the response ({err})", subject=self.url) from None
            raise RegistryError(f"connection failed while reading the response ({err})", subject=self.url) from None
        return data

    def read_all(self, limit: int) -> bytes:
        """The whole body, refusing more than ``limit`` bytes."""
        n = self.headers.get("content-length", "")
        if n.isdigit() and int(n) > limit:
            self.close()
            raise RegistryError(f"response is {n} bytes, over the {limit}-byte limit", subject=self.url)
        data = self.read(limit + 1)
        if len(data) > limit:
            self.close()
            raise RegistryError(f"response is over the {limit}-byte limit", subject=self.url)
        self.close()
        return data

    def close(self) -> None:
        if self._body is not None and not self.closed:
            try:
                self._body.close()
            except (OSError, http.client.HTTPException):
                pass
        super().close()


class Transport(Protocol):
    def request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | IO[bytes] | None = None
    ) -> Response: ...

    def close(self) -> None: ...


class _DeadlineExceeded(OSError):
    """A phase of a request took longer than the transport's timeout (wall clock)."""


class _Watchdog:
    """One daemon thread that shuts down the sockets of requests past their deadline.

    ``arm`` returns a token; ``disarm(token)`` says whether the deadline had passed (the socket is
    then unusable and the caller reports a timeout). Checking twice a second keeps it cheap.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[int, tuple[float, http.client.HTTPConnection]] = {}
        self._fired: set[int] = set()
        self._next = 0
        self._thread: threading.Thread | None = None

    def arm(self, conn: http.client.HTTPConnection, seconds: float) -> int:
        with self._lock:
            self._next += 1
            token = self._next
            self._armed[token] = (time.monotonic() + seconds, conn)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="seawall-http-watchdog", daemon=True)
                self._thread.start()
        return token

    def disarm(self, token: int) -> bool:
        with self._lock:
            self._armed.pop(token, None)
            if token in self._fired:
                self._fired.discard(token)
                return True
        return False

    def _run(self) -> None:
        while True:
            time.sleep(0.5)
            now = time.monotonic()
            with self._lock:
                late = [(t, c) for t, (d, c) in self._armed.items() if d <= now]
                for t, _ in late:
                    del self._armed[t]
                    self._fired.add(t)
                if not self._armed and not late:
                    self._thread = None
                    return
            for _, conn in late:
                sock = conn.sock
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass


_WATCHDOG = _Watchdog()


class _PooledBody(io.RawIOBase):
    def __init__(
        self, resp: http.client.HTTPResponse, release: Any, conn: http.client.HTTPConnection, timeout: float
    ) -> None:
        super().__init__()
        self._resp = resp
        self._release = release
        self._conn = conn
        self._timeout = timeout
        self.timed_out = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        token = _WATCHDOG.arm(self._conn, self._timeout)
        try:
            data = self._resp.read(None if size is None or size < 0 else size)
        finally:
            if _WATCHDOG.disarm(token):
                self.timed_out = True
                self._resp.will_close = True  # never pool a socket the watchdog shut down
        if self.timed_out:
            raise _DeadlineExceeded(f"no complete read within {self._timeout:g} s")
        return data

    def close(self) -> None:
        if not self.closed:
            self._release(self._resp)
        super().close()


class HttpTransport:
    """``http.client`` transport with TLS verification and per-host keep-alive connections."""

    def __init__(self, *, ca_file: str | Path | None = None, verify: bool = True, timeout: float = 60.0) -> None:
        self.timeout = timeout
        if verify:
            ctx = ssl.create_default_context()
            if ca_file is not None:
                try:
                    ctx.load_verify_locations(cafile=str(ca_file))
                except (OSError, ssl.SSLError) as err:
                    raise InputError(f"cannot load CA file ({err})", subject=str(ca_file)) from None
        else:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        self._ctx = ctx
        self._dead: dict[str, str] = {}  # netloc -> why it is not asked again
        self._idle: dict[tuple[str, str], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def _conn(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        with self._lock:
            pool = self._idle.get((scheme, netloc))
            if pool:
                return pool.pop()
        if scheme == "https":
            return http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self._ctx)
        return http.client.HTTPConnection(netloc, timeout=self.timeout)

    def request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | IO[bytes] | None = None
    ) -> Response:
        try:
            parts = urlsplit(url)
            _ = parts.port  # raises ValueError on a port that is not a number
        except ValueError:
            raise RegistryError("invalid URL", subject=printable(url)) from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RegistryError("unsupported URL", subject=printable(url))
        if parts.netloc in self._dead:
            why = self._dead[parts.netloc]
            raise RegistryError(f"cannot reach the registry ({why}; not retried)", subject=parts.netloc)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        if not path.isascii() or not path.isprintable():
            raise RegistryError("URL path is not printable ASCII", subject=ascii(url[:200]))
        hdrs = {"User-Agent": USER_AGENT, **headers}
        for attempt in (0, 1):
            conn = self._conn(parts.scheme, parts.netloc)
            token = _WATCHDOG.arm(conn, self.timeout)
            try:
                try:
                    conn.request(method, path, body=body, headers=hdrs)
                    resp = conn.getresponse()
                finally:
                    if _WATCHDOG.disarm(token):
                        conn.close()
                        self._dead[parts.netloc] = "timed out"
                        raise RegistryError(
                            f"cannot reach the registry (timed out: no response within {self.timeout:g} s)",
                            subject=parts.netloc,
                        ) from None
                break
            except ssl.SSLCertVerificationError as err:
                conn.close()
                raise RegistryError(
                    f"TLS certificate verification failed ({err.verify_message}); pass the registry CA "
                    "(--ca-file) or, for a plain-HTTP registry, --insecure-registry",
                    subject=parts.netloc,
                ) from None
            except ssl.SSLError as err:
                conn.close()
                raise RegistryError(f"TLS error ({err.reason or err})", subject=parts.netloc) from None
            except (http.client.BadStatusLine, BrokenPipeError, ConnectionResetError) as err:
                # a kept-alive connection the server closed, or one it left out of step (a body
                # sent after a HEAD reads as the next status line): retry once on a new one
                conn.close()
                if attempt or (body is not None and not isinstance(body, bytes)):
                    why = printable(str(err), 100)
                    raise RegistryError(f"connection failed ({why})", subject=parts.netloc) from None
            except ValueError:  # a header value with CR/LF, a URL http.client refuses
                conn.close()
                # not the ValueError's text: it quotes the header, which may be a credential
                raise RegistryError(
                    "invalid request (a header value or the URL has characters HTTP does not allow)",
                    subject=parts.netloc,
                ) from None
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                reason = (
                    "connection refused"
                    if isinstance(err, ConnectionRefusedError)
                    else printable(str(err), 100) or type(err).__name__
                )
                if isinstance(err, socket.timeout):
                    reason = "timed out"
                if isinstance(err, (socket.timeout, ConnectionRefusedError)):
                    self._dead[parts.netloc] = reason
                raise RegistryError(f"cannot reach the registry ({reason})", subject=parts.netloc) from None
        key = (parts.scheme, parts.netloc)

        def release(r: http.client.HTTPResponse) -> None:
            if r.isclosed() and not r.will_close:
                with self._lock:
                    self._idle.setdefault(key, []).append(conn)
            else:
                r.close()
                conn.close()

        if method == "HEAD" or resp.status in (204, 304):
            resp.read()
        merged: dict[str, str] = {}
        for k, v in resp.getheaders():
            lk = k.lower()
            merged[lk] = f"{merged[lk]}, {v}" if lk in merged else v
        return Response(resp.status, merged, url, _PooledBody(resp, release, conn, self.timeout))  # type: ignore[arg-type]

    def close(self) -> None:
        with self._lock:
            for pool in self._idle.values():
                for c in pool:
                    c.close()
            self._idle.clear()
