"""The SpamAssassin runner: a local ``spamassassin -L`` scores each message in the background.

Optional: without ``spamassassin`` on the PATH the preview shows no score. Nothing leaves
the machine (``-L``), and the organizer's own SpamAssassin state is never touched.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["SpamChecker", "SpamResult", "parse_spamassassin"]

@dataclass(frozen=True)
class SpamResult:
    """SpamAssassin's verdict on one message."""

    state: str  # "pending", "done" or "error"
    score: float | None = None
    required: float | None = None
    rules: tuple[tuple[float, str, str], ...] = ()  # (points, name, description)
    message: str = ""


_SPAM_STATUS = re.compile(r"score=(-?\d+(?:\.\d+)?)\s+required=(-?\d+(?:\.\d+)?)")
_SPAM_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$")


def parse_spamassassin(output: bytes) -> SpamResult:
    """The score, threshold and rules from the output of ``spamassassin -t``."""
    text = output.decode("utf-8", "replace")
    head = text.split("\n\n", 1)[0]
    unfolded = re.sub(r"\r?\n[ \t]+", " ", head)
    status = next((line for line in unfolded.splitlines()
                   if line.lower().startswith("x-spam-status:")), "")
    match = _SPAM_STATUS.search(status)
    if not match:
        return SpamResult("error", message="SpamAssassin gave no X-Spam-Status header")
    rules: list[tuple[float, str, str]] = []
    _, found, report = text.partition("Content analysis details:")
    if found:
        for line in report.splitlines():
            rule = _SPAM_RULE.match(line)
            if rule:
                rules.append((float(rule[1]), rule[2], rule[3].strip()))
            elif rules and line.startswith(" " * 10) and line.strip():
                points, name, description = rules[-1]
                rules[-1] = (points, name, f"{description} {line.strip()}")
    # "or 0.0": SpamAssassin writes -0.0 for a sum of informational rules.
    return SpamResult("done", float(match[1]) or 0.0, float(match[2]), tuple(rules))


class SpamChecker:
    """Scores messages with a local ``spamassassin -L`` in the background, one at a time.

    Results are cached by a hash of the message, so an unchanged message is scored once.
    SpamAssassin runs offline (``-L``), without Bayes and without touching the user's
    preferences; ``sa-update`` is never run.
    """

    def __init__(self, command: str | None = None, *, timeout: float = 60.0,
                 cache_size: int = 64) -> None:
        self.command = command if command is not None else shutil.which("spamassassin")
        self.timeout = timeout
        self._cache_size = cache_size
        self._results: OrderedDict[str, SpamResult] = OrderedDict()
        self._queue: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Condition()
        self._closed = False
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None

    @property
    def available(self) -> bool:
        return self.command is not None

    @staticmethod
    def key(message: bytes) -> str:
        """The cache key of a message: its bytes without the Date (which moves with the clock)."""
        stable = re.sub(rb"(?im)^date:[^\n]*\n", b"", message, count=1)
        return hashlib.sha256(stable).hexdigest()[:32]

    def submit(self, message: bytes) -> str:
        """Queue ``message`` for scoring unless it was scored already; returns its key."""
        key = self.key(message)
        with self._lock:
            if key in self._results or key in self._queue or not self.available:
                return key
            self._queue[key] = message
            self._results[key] = SpamResult("pending")
            self._trim()
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="spamassassin",
                                                daemon=True)
                self._thread.start()
            self._lock.notify()
        return key

    def result(self, key: str) -> SpamResult | None:
        with self._lock:
            return self._results.get(key)

    def close(self) -> None:
        """Stop the worker and any SpamAssassin still running."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            self._lock.notify()
            process = self._process
        if process is not None and process.poll() is None:
            process.kill()

    def _trim(self) -> None:
        while len(self._results) > self._cache_size:
            oldest = next(iter(self._results))
            self._queue.pop(oldest, None)
            del self._results[oldest]

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                key, message = self._queue.popitem(last=False)
            result = self._score(message)
            with self._lock:
                if key in self._results:
                    self._results[key] = result

    def _score(self, message: bytes) -> SpamResult:
        assert self.command is not None
        argv = [self.command, "-L", "-t", "-x", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"]
        with tempfile.TemporaryDirectory(prefix="announce-sa-") as home:
            try:
                # Its per-user state goes to a throwaway HOME, not the organizer's.
                process = subprocess.Popen(  # noqa: S603 - a fixed argv, no shell
                    argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, env={**os.environ, "HOME": home},
                )
            except OSError as exc:
                return SpamResult("error", message=f"cannot run spamassassin: {exc.strerror}")
            with self._lock:
                self._process = process
            try:
                out, err = process.communicate(message, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                return SpamResult("error", message=f"spamassassin took over {self.timeout:g} s")
            finally:
                with self._lock:
                    self._process = None
        if process.returncode not in (0, 1) or not out:
            last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            return SpamResult("error", message=f"spamassassin failed: {last[0]}")
        return parse_spamassassin(out)
