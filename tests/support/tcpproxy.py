"""A small TCP proxy for tests: latency injection and network cuts.

``TcpProxy(host, port, delay=0.025)`` listens on a free 127.0.0.1 port and
forwards every accepted connection to ``(host, port)``.  It runs an asyncio
loop in a daemon thread, so a test can use blocking clients (imapclient) against
``proxy.port`` while calling ``cut_after()``/``cut_all()`` from the test thread.

TLS passes through untouched (the proxy only sees bytes), so a client still
verifies the real server's certificate.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import socket
import struct
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

__all__ = ["TcpProxy"]

_T = TypeVar("_T")

_CHUNK = 64 * 1024
# Bytes a direction may hold in its delay line before it stops reading.  Large
# enough not to cap throughput at realistic delays (16 MiB per 25 ms), small
# enough to bound memory.
_MAX_BUFFERED = 16 * 1024 * 1024


def _abort(writer: asyncio.StreamWriter | None) -> None:
    """Close abruptly: SO_LINGER 0 makes close() send RST instead of FIN."""
    if writer is None:
        return
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@dataclass(eq=False)
class _Conn:
    """One proxied connection (client side and server side)."""

    client: asyncio.StreamWriter
    handler: asyncio.Task[None]
    server: asyncio.StreamWriter | None = None

    def abort(self) -> None:
        _abort(self.client)
        _abort(self.server)


@dataclass(eq=False)
class _DelayLine:
    """Chunks of one direction waiting for their send time (arrival + delay)."""

    queue: collections.deque[tuple[float, bytes] | None] = field(default_factory=collections.deque)
    buffered: int = 0
    has_item: asyncio.Event = field(default_factory=asyncio.Event)
    has_room: asyncio.Event = field(default_factory=asyncio.Event)


class TcpProxy:
    """Threaded TCP proxy from ``127.0.0.1:port`` to ``(target_host, target_port)``.

    ``delay`` is one-way latency added in each direction (0.025 => ~50 ms round
    trip).  Each chunk is sent at its arrival time + delay, in order, so the
    delay adds latency without capping throughput.
    """

    def __init__(
        self,
        target_host: str,
        target_port: int,
        delay: float = 0.0,
        *,
        listen_host: str = "127.0.0.1",
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.delay = delay  # may be changed while running; applies to new chunks
        self.listen_host = listen_host
        self.port = 0
        self._lock = threading.Lock()
        self._bytes_to_server = 0
        self._bytes_to_client = 0
        self._connections = 0
        self._active = 0
        self._cut_budget: int | None = None
        self._refuse_on_cut = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._conns: set[_Conn] = set()

    # ------------------------------------------------------------- counters

    @property
    def bytes_client_to_server(self) -> int:
        """Bytes forwarded client -> server (handed to the server socket)."""
        with self._lock:
            return self._bytes_to_server

    @property
    def bytes_server_to_client(self) -> int:
        """Bytes forwarded server -> client (handed to the client socket)."""
        with self._lock:
            return self._bytes_to_client

    @property
    def connections(self) -> int:
        """Connections accepted since start (or the last ``reset_counters``)."""
        with self._lock:
            return self._connections

    @property
    def active_connections(self) -> int:
        """Connections currently open through the proxy."""
        with self._lock:
            return self._active

    def reset_counters(self) -> None:
        with self._lock:
            self._bytes_to_server = self._bytes_to_client = self._connections = 0

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Start listening; ``self.port`` is set when this returns."""
        if self._thread is not None:
            raise RuntimeError("proxy already started")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=loop.run_forever, name=f"TcpProxy->{self.target_port}", daemon=True
        )
        self._thread.start()
        self._call(self._listen(0))
        return self

    def stop(self) -> None:
        """Close the listener and all connections, then stop the loop thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            self._call(self._shutdown(), timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        if not thread.is_alive():
            loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- cuts

    def cut_after(self, n_bytes: int, *, refuse_new: bool = False) -> None:
        """After ``n_bytes`` more server->client bytes, reset every open connection.

        The budget is shared by all connections; the chunk that crosses it is
        truncated so exactly ``n_bytes`` are forwarded, flushed, and then both
        sides of all connections get an RST (like a dead network mid-FETCH).
        Later connections work normally unless ``refuse_new``: then the
        listener closes and connecting gives ECONNREFUSED until
        ``accept_new()``.
        """
        if n_bytes <= 0:
            self.cut_all(refuse_new=refuse_new)
            return
        with self._lock:
            self._cut_budget = n_bytes
            self._refuse_on_cut = refuse_new

    def cut_all(self, *, refuse_new: bool = False) -> None:
        """Reset every open connection now (see ``cut_after`` for ``refuse_new``).

        Returns once they are closed: ``active_connections`` is 0 then.
        """
        with self._lock:
            self._cut_budget = None
        self._call(self._cut_and_wait(refuse_new))

    def accept_new(self) -> None:
        """Listen again (same port) after a cut with ``refuse_new=True``."""
        self._call(self._listen(self.port))

    # -------------------------------------------------------------- private

    def _call(self, coro: Coroutine[Any, Any, _T], timeout: float = 10) -> _T:
        """Run ``coro`` on the proxy loop from another thread and wait for it."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("proxy not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _listen(self, port: int) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._handle, self.listen_host, port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _cut(self, refuse_new: bool) -> None:
        if refuse_new and self._server is not None:
            # Not wait_closed(): on Python >= 3.12 that also waits for clients.
            self._server.close()
            self._server = None
        for conn in list(self._conns):
            conn.abort()
            conn.handler.cancel()

    async def _cut_and_wait(self, refuse_new: bool) -> None:
        """Cut, then wait until every cut connection is cleaned up (counters final)."""
        handlers = [conn.handler for conn in self._conns]
        await self._cut(refuse_new)
        await asyncio.gather(*handlers, return_exceptions=True)

    async def _shutdown(self) -> None:
        await self._cut_and_wait(refuse_new=True)

    def _spend(self, data: bytes) -> tuple[bytes, bool]:
        """Charge server->client ``data`` against the cut budget: (data to send, cut now?)."""
        with self._lock:
            if self._cut_budget is None:
                return data, False
            if len(data) >= self._cut_budget:
                data, self._cut_budget = data[: self._cut_budget], None
                return data, True
            self._cut_budget -= len(data)
            return data, False

    async def _handle(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        conn = _Conn(client=cwriter, handler=task)
        with self._lock:
            self._connections += 1
            self._active += 1
        self._conns.add(conn)
        tasks: list[asyncio.Task[None]] = []
        try:
            try:
                sreader, swriter = await asyncio.open_connection(self.target_host, self.target_port)
            except OSError:
                conn.abort()  # upstream down: look like a reset to the client
                return
            conn.server = swriter
            up, down = _DelayLine(), _DelayLine()
            tasks = [
                asyncio.create_task(self._read(creader, up)),
                asyncio.create_task(self._write(up, swriter, to_client=False)),
                asyncio.create_task(self._read(sreader, down)),
                asyncio.create_task(self._write(down, cwriter, to_client=True)),
            ]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            if any(not t.cancelled() and t.exception() is not None for t in done):
                conn.abort()  # a reset on one side becomes a reset on the other
            else:
                cwriter.close()
                swriter.close()
        except asyncio.CancelledError:
            conn.abort()  # cut by _cut(): already aborted, nothing to propagate
        finally:
            for t in tasks:
                t.cancel()
            # Await them so none is left pending at stop() and no exception
            # goes unretrieved (asyncio would log those as errors).
            await asyncio.gather(*tasks, return_exceptions=True)
            self._conns.discard(conn)
            with self._lock:
                self._active -= 1

    async def _read(self, reader: asyncio.StreamReader, line: _DelayLine) -> None:
        loop = asyncio.get_running_loop()
        line.has_room.set()
        while True:
            data = await reader.read(_CHUNK)
            line.queue.append((loop.time() + self.delay, data) if data else None)
            line.has_item.set()
            if not data:
                return
            line.buffered += len(data)
            if line.buffered > _MAX_BUFFERED:
                line.has_room.clear()
                await line.has_room.wait()

    async def _write(
        self, line: _DelayLine, writer: asyncio.StreamWriter, *, to_client: bool
    ) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not line.queue:
                line.has_item.clear()
                await line.has_item.wait()
            item = line.queue.popleft()
            if item is None:  # EOF: pass the half-close on
                if writer.can_write_eof() and not writer.transport.is_closing():
                    writer.write_eof()
                return
            due, data = item
            line.buffered -= len(data)
            if line.buffered <= _MAX_BUFFERED:
                line.has_room.set()
            # Sleep until this chunk's own due time: chunks that arrived during
            # the sleep are already (nearly) due, so latency adds no throughput cap.
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            cut = False
            if to_client:
                data, cut = self._spend(data)
            # Count before writing so a peer that has the bytes sees them counted.
            with self._lock:
                if to_client:
                    self._bytes_to_client += len(data)
                else:
                    self._bytes_to_server += len(data)
            writer.write(data)
            if cut:
                # Flush our buffer to the kernel (drain waits until it is below
                # the high-water mark, 0 here) so the client really gets the
                # n bytes before the RST.
                writer.transport.set_write_buffer_limits(high=0)
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
                with self._lock:
                    refuse = self._refuse_on_cut
                await self._cut(refuse)
                return
            await writer.drain()
