"""Length-prefixed frames over a pipe, between backdev and its own API worker process.

Each frame is a 4-byte big-endian length and a pickle. Pickle is safe here because both ends are
backdev's own code in processes the person started: text from the model or the repository is
only ever a `str` inside a frame, never pickle opcodes.
"""

from __future__ import annotations

import pickle
import struct
import threading
from typing import Any, BinaryIO

_HEADER = struct.Struct(">I")


class FrameWriter:
    """Writes whole frames to a binary stream, one writer at a time."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def write(self, frame: Any) -> None:
        """Send one frame (raises OSError, BrokenPipeError included, when the other end is gone)."""
        data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._stream.write(_HEADER.pack(len(data)) + data)
            self._stream.flush()

    def close(self) -> None:
        """Close the stream: the other end reads the end of input."""
        with self._lock:
            try:
                self._stream.close()
            except OSError:  # already gone: nothing to tell it
                pass


def read_frame(stream: BinaryIO) -> Any | None:
    """The next frame from `stream`, or None at the end of input (or a frame cut short)."""
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    body = _read_exactly(stream, _HEADER.unpack(header)[0])
    return None if body is None else pickle.loads(body)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    parts: list[bytes] = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            return None
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)
