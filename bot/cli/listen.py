"""The listening sockets, bound before anything else starts.

A second `make run` on a busy port must fail before it starts the sending process or arms
deadlines on the same database: so the port is bound first, and the app, its database and
its background work start only once it is ours.
"""

from __future__ import annotations

import errno
import socket

_BACKLOG = 128


def listen(host: str, port: int) -> list[socket.socket]:
    """Bound, listening sockets for every address `host` names (as asyncio would bind)."""
    found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(found):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(_BACKLOG)
            sock.setblocking(False)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def bound_port(sockets: list[socket.socket]) -> int:
    """The port actually bound (the one asked for, or the one chosen for port 0)."""
    return int(sockets[0].getsockname()[1])


def cannot_listen(host: str, port: int, error: OSError) -> str:
    """The one line an operator reads when the port cannot be had."""
    reason = error.strerror or str(error)
    line = f"tobira: cannot listen on {host}:{port}: {reason}."
    if error.errno == errno.EADDRINUSE:
        other = port + 1 if 0 < port < 65535 else 8081
        line += (
            " Is tobira already running? Choose another port:"
            f" --port {other}, or TOBIRA_PORT={other} make run."
        )
    return line
