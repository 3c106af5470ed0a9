"""How fast the pool goes: message starts spaced to the rate limit, and the wait, with
jitter, before a temporary failure is tried again."""

from __future__ import annotations

import asyncio
import random
import time

__all__ = ["BACKOFF_CAP_SECONDS", "Limiter", "backoff_delay"]

# The longest wait between two attempts, however many came before.
BACKOFF_CAP_SECONDS = 60.0


class Limiter:
    """Spaces message starts ``60 / rate`` seconds apart, across all workers."""

    def __init__(self, rate_per_minute: int):
        self.interval = 60.0 / rate_per_minute if rate_per_minute > 0 else 0.0
        self.next_at = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        # Reserve the slot before sleeping: the event loop is single-threaded, so the
        # read-modify-write above and below cannot interleave with another worker's.
        at = max(now, self.next_at)
        self.next_at = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)



def backoff_delay(base: float, attempts: int) -> float:
    """How long to wait after ``attempts`` tries: about ``base``, twice that, four times,
    ... (never more than :data:`BACKOFF_CAP_SECONDS`), less a random part of up to half."""
    delay: float = min(BACKOFF_CAP_SECONDS, base * 2 ** (attempts - 1))
    # Jitter spreads retries so that workers do not hit a recovering server at once.
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - timing, not security
