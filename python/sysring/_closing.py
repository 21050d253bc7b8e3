"""A context manager over close(), also run when the object is collected."""
from __future__ import annotations


class Closing:
    """Subclasses define close(); `with` and garbage collection both call it."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass
