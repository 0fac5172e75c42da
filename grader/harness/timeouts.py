"""The exception that ends a check that ran out of time (shared by the plugin, which
arms the alarm, and the remote calls, which may be waiting on the candidate's process)."""


class CheckTimeout(BaseException):
    """Raised by the alarm inside a check that runs too long. A BaseException, so a
    candidate's `except Exception:` cannot swallow it. `where` is the candidate's line
    that was running, when the candidate's own process reported it."""

    def __init__(self, limit: float = 0, where: dict | None = None):
        super().__init__(limit)
        self.where = where
