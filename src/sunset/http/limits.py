"""What the server refuses before the app reads a request: a body larger than it accepts."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import HTTP_CODES, Refusal


class BodyLimit:
    """Refuse a request whose body is larger than ``max_bytes`` with 413, before it is read.

    A Content-Length over the limit is answered at once and the body never read (the server
    discards it as it arrives, a client sending ``Expect: 100-continue`` is never asked for it).
    Any other body (chunked) is counted as it streams and refused as soon as the count passes
    the limit: the read fails wherever the app is reading (a JSON body, a form), before any
    handler has it, and the app's handler of HTTP errors answers in the same shape.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            refusal = Refusal(code=HTTP_CODES[413], message=self._message())
            await JSONResponse(refusal.body(), status_code=413)(scope, receive, send)
            return
        # Counted even when the declared length is within the limit: a request may also say
        # Transfer-Encoding: chunked, which then frames the body instead (RFC 9112, 6.3).
        await self.app(scope, self._counted(receive), send)

    def _counted(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, detail=self._message())
            return message

        return counted

    def _message(self) -> str:
        return f"the request body is larger than the {self.max_bytes:,} bytes this server accepts"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
