"""Overlap producing chunks with consuming them: read and validate on one core, write on another."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetch(source: Iterator[T], *, depth: int = 2) -> Iterator[T]:
    """Run ``source`` in a background thread, keeping up to ``depth`` items ready.

    An exception in the producer is raised in the consumer at the point it occurred. Stopping the
    consumer early (break, exception) stops the producer at its next item.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in source:
                if stop.is_set():
                    return
                items.put(item)
            items.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            items.put(exc)

    worker = threading.Thread(target=produce, name="sunset-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                items.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
