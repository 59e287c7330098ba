"""An asyncio ABCI server: one task per connection, requests answered strictly in order.

CometBFT opens four connections (consensus, mempool, query, snapshot). The server accepts at
most four live connections and holds each to one role (`roles.py`): a fifth connection, or a
second one claiming a role that a live connection holds, is refused and closed. A unix socket
is created with mode 0600 (its directory, when the server creates it, 0700). App methods run
synchronously on the event loop thread, through the guards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import stat
from collections.abc import Callable

import tendermint.abci.types_pb2 as abci_pb

from aichain.abci.address import ListenAddress, parse_address
from aichain.abci.application import Application
from aichain.abci.errors import ABCIError, FatalAppError, FrameError
from aichain.abci.framing import (
    DEFAULT_MAX_FRAME_SIZE,
    FrameDecoder,
    encode_frame,
    encode_response_frame,
    request_decoder,
)
from aichain.abci.guards import respond_guarded_parts
from aichain.abci.roles import MAX_CONNECTIONS, ROLE_OF_REQUEST, Role, RoleRefused, RoleTable

LOGGER = logging.getLogger("aichain.abci")

READ_CHUNK = 1 << 20
"""Bytes asked of the socket per read."""

WRITE_HIGH_WATER = 4 << 20
"""Buffered response bytes above which the server waits for the socket before going on."""

OnFatal = Callable[[FatalAppError], None]
"""Called once per fatal application error, on the event loop thread."""

ObserveQueue = Callable[[str, int], None]
"""`app.observe_abci_queue(connection, waiting)`, when the app has it: called with the number of
requests one read brought on that connection (consensus, mempool, query, snapshot; "unbound"
before its first role-bound request) before the server answers them, and with 0 after."""


def _pop_all(
    decoder: FrameDecoder[abci_pb.Request],
) -> tuple[list[abci_pb.Request], FrameError | None]:
    """Every whole request buffered in decoder, and the error that stopped decoding, if any
    (the requests before a malformed frame are still answered, then the connection closes)."""
    requests = []
    try:
        while (request := decoder.pop()) is not None:
            requests.append(request)
    except FrameError as exc:
        return requests, exc
    return requests, None


def _connection_of(role: Role | None, requests: list[abci_pb.Request]) -> str:
    """The connection's role name (or that of the first role-bound request it brought)."""
    if role is None:
        for request in requests:
            role = ROLE_OF_REQUEST.get(request.WhichOneof("value") or "")
            if role is not None:
                break
    return role.value if role is not None else "unbound"


class ABCIServer:
    """Serves an Application to CometBFT over tcp://HOST:PORT or unix:///PATH."""

    def __init__(
        self,
        app: Application,
        address: str,
        *,
        on_fatal: OnFatal | None = None,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    ) -> None:
        self._app = app
        self._address: ListenAddress = parse_address(address)
        self._on_fatal = on_fatal if on_fatal is not None else self._stop_on_fatal
        self._max_frame_size = max_frame_size
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._stopped = asyncio.Event()
        self._stopping = False
        self._stop_task: asyncio.Task[None] | None = None
        self._fatal: FatalAppError | None = None
        self._bound: ListenAddress | None = None
        self._roles = RoleTable()

    @property
    def bound_address(self) -> str:
        """The address actually listened on (the real port when started on port 0)."""
        if self._bound is None:
            raise ABCIError("server not started")
        return str(self._bound)

    @property
    def fatal_error(self) -> FatalAppError | None:
        """The first fatal application error, if any."""
        return self._fatal

    async def start(self) -> None:
        """Bind and start accepting connections."""
        if self._server is not None:
            return
        addr = self._address
        if addr.scheme == "unix":
            _prepare_socket_dir(addr.path)
            _remove_stale_socket(addr.path)
            self._server = await asyncio.start_unix_server(self._serve_connection, path=addr.path)
            os.chmod(addr.path, SOCKET_MODE)
            self._bound = addr
        else:
            self._server = await asyncio.start_server(
                self._serve_connection, host=addr.host, port=addr.port
            )
            host, port = self._server.sockets[0].getsockname()[:2]
            self._bound = ListenAddress("tcp", host=host, port=port)
        LOGGER.info("ABCI server listening on %s", self._bound)

    async def stop(self) -> None:
        """Stop accepting, close every connection, remove the unix socket file."""
        if self._server is None or self._stopped.is_set():
            self._stopped.set()
            return
        if self._stopping:
            await self._stopped.wait()
            return
        self._stopping = True
        self._server.close()
        current = asyncio.current_task()
        tasks = [t for t in self._connections if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()
        if self._address.scheme == "unix":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._address.path)
        self._stopped.set()
        LOGGER.info("ABCI server on %s stopped", self._bound)

    async def serve_forever(self) -> None:
        """Start if needed and serve until stopped; raises FatalAppError after a fatal stop."""
        await self.start()
        try:
            await self._stopped.wait()
        finally:
            await self.stop()
        if self._fatal is not None:
            raise self._fatal

    def _stop_on_fatal(self, exc: FatalAppError) -> None:
        """Default on_fatal: stop the server (serve_forever then raises)."""
        if self._stop_task is None:
            self._stop_task = asyncio.get_running_loop().create_task(self.stop())

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Answer one connection's requests in order until it closes or breaks."""
        task = asyncio.current_task()
        if task is None:
            raise ABCIError("connection handler outside a task")
        peer = writer.get_extra_info("peername") or "unix peer"
        if len(self._connections) >= MAX_CONNECTIONS:
            LOGGER.warning(
                "refused ABCI connection from %s: %d connections are already open "
                "(CometBFT opens %d; is another process connecting to the app?)",
                peer,
                len(self._connections),
                MAX_CONNECTIONS,
            )
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            return
        self._connections.add(task)
        LOGGER.debug("ABCI connection from %s", peer)
        decoder = request_decoder(self._max_frame_size)
        roles = self._roles
        app = self._app
        observe: ObserveQueue | None = getattr(app, "observe_abci_queue", None)
        answered: list[bytes] = []  # frames of the requests answered since the last write
        try:
            while data := await reader.read(READ_CHUNK):
                decoder.push(data)
                requests, broken = _pop_all(decoder)
                if observe is not None and requests:
                    observe(_connection_of(roles.role_of(task), requests), len(requests))
                flush = False
                for request in requests:
                    kind = request.WhichOneof("value")
                    roles.admit(task, kind)
                    answered.append(encode_response_frame(respond_guarded_parts(app, request)))
                    flush = flush or kind == "flush"
                if observe is not None and requests:
                    observe(_connection_of(roles.role_of(task), requests), 0)
                if broken is not None:
                    raise broken
                # One write for every request this read brought (CometBFT's client sends them
                # in ~4 KiB writes, each ending in a Flush): one syscall and one wake-up of its
                # reader instead of one per response.
                writer.write(b"".join(answered))
                answered.clear()
                if flush or writer.transport.get_write_buffer_size() > WRITE_HIGH_WATER:
                    await writer.drain()
        except RoleRefused as exc:
            LOGGER.warning("refused ABCI request from %s, closing the connection: %s", peer, exc)
            exception = abci_pb.ResponseException(error=f"refused: {exc}")
            writer.write(b"".join(answered) + encode_frame(abci_pb.Response(exception=exception)))
        except FrameError as exc:
            LOGGER.error("malformed ABCI frame from %s, closing the connection: %s", peer, exc)
            exception = abci_pb.ResponseException(error=f"malformed frame: {exc}")
            writer.write(b"".join(answered) + encode_frame(abci_pb.Response(exception=exception)))
        except FatalAppError as exc:
            writer.write(b"".join(answered))
            self._handle_fatal(exc)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            LOGGER.debug("ABCI connection from %s lost: %s", peer, exc)
        except asyncio.CancelledError:
            # stop() cancels every connection and waits for it; ending normally here keeps
            # asyncio from logging each cancelled handler as an error.
            LOGGER.debug("ABCI connection from %s closed by the server's stop", peer)
        except Exception:
            LOGGER.exception("ABCI connection from %s failed; closing it", peer)
        finally:
            self._connections.discard(task)
            roles.release(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _handle_fatal(self, exc: FatalAppError) -> None:
        """Log a fatal error with its traceback and hand it to on_fatal; no response is sent."""
        LOGGER.critical("%s; stopping instead of answering", exc, exc_info=exc)
        if self._fatal is None:
            self._fatal = exc
        try:
            self._on_fatal(exc)
        except Exception:
            LOGGER.exception("on_fatal callback raised")


SOCKET_MODE = 0o600
"""A unix socket's mode: only the owner (the node's user) may connect."""

SOCKET_DIR_MODE = 0o700
"""The mode of a socket directory the server creates."""


def _prepare_socket_dir(path: str) -> None:
    """Create the socket's directory (mode 0700) if missing; warn when others may enter it."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=SOCKET_DIR_MODE)
        os.chmod(directory, SOCKET_DIR_MODE)
    elif os.stat(directory).st_mode & 0o077:
        LOGGER.info(
            "ABCI socket directory %s is open to other users; the socket itself is mode 0600",
            directory,
        )


def _remove_stale_socket(path: str) -> None:
    """Remove a socket file left by an earlier run; refuse to touch anything else."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise ABCIError(f"{path} exists and is not a socket")
    os.unlink(path)


def run(app: Application, address: str) -> None:
    """Serve app on address until SIGINT/SIGTERM; exit with status 1 after a fatal app error."""

    async def main() -> None:
        server = ABCIServer(app, address)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: loop.create_task(server.stop()))
        await server.serve_forever()

    try:
        asyncio.run(main())
    except FatalAppError as exc:
        LOGGER.critical("ABCI server stopped: %s", exc)
        raise SystemExit(1) from exc
