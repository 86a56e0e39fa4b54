"""Running the app: one uvicorn process, or several that share the port through SO_REUSEPORT.

uvicorn's own workers share one listening socket: whichever process is awake accepts a burst of
connections, and with keep-alive clients one worker could end up serving them all while the
other sat idle (half the throughput, measured). Here each worker binds its own socket with
SO_REUSEPORT and the kernel spreads new connections across them. The socket is created as TCP
explicitly so that asyncio sets TCP_NODELAY on each connection (else every answer waits ~40 ms
for the client's delayed ACK).
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
from collections.abc import Callable
from types import FrameType

APP = "sunset.server.main:app"


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """Bind a TCP socket on ``host:port`` (shared with sibling processes when ``reuse_port``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, reuse_port: bool, proxies: list[str]) -> None:
    import uvicorn

    # Forwarded headers are believed only from the proxies given: uvicorn's default believes
    # any client on 127.0.0.1 (or $FORWARDED_ALLOW_IPS), so a local client could claim any
    # address to the comment and sign-in limits.
    config = uvicorn.Config(
        APP,
        host=host,
        port=port,
        log_level="warning",
        factory=True,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
    )
    uvicorn.Server(config).run(sockets=[listening_socket(host, port, reuse_port=reuse_port)])


def serve(
    host: str,
    port: int,
    workers: int,
    *,
    listening: Callable[[], None],
    proxies: list[str] | None = None,
) -> None:
    """Serve until interrupted; with several workers, stop them all when one is asked to.

    ``proxies``: addresses or networks whose X-Forwarded-For gives the client's address (none:
    the address is always the connection's own). Raises OSError, before any worker starts, when
    ``host:port`` cannot be listened on; ``listening`` is called once it can.
    """
    trusted = list(proxies or [])
    # Bound here first so that a port in use is reported at once, not by each worker.
    guard = listening_socket(host, port, reuse_port=workers > 1)
    listening()
    if workers == 1:
        guard.close()
        _worker(host, port, False, trusted)
        return
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_worker, args=(host, port, True, trusted), daemon=False)
        for _ in range(workers)
    ]
    for child in children:
        child.start()
    guard.close()

    def stop(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
