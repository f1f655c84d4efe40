"""Grouped writes: the checks of many requests committed in one transaction (group commit).

A request that stores a check hands its rows to the process's :class:`GroupWriter` and waits. The first waiting
request becomes the *leader*: it takes everything queued (up to ``max_batch`` requests' rows), writes it in one
transaction and wakes the others; requests that arrive meanwhile queue for the next transaction, whose leader is one
of them. Under load a transaction holds as many checks as arrived during the previous commit; alone, a request
commits its own check at once, so grouping never adds a wait. There is no writer thread: nothing to start, stop or
lose across ``fork``, and the same code serves threads and greenlets.

**The acknowledgement rule.** :meth:`GroupWriter.write` returns only after the COMMIT of a transaction that holds
the caller's rows; when that fails it raises, and the request is answered with an error instead of "stored". So a
check the API acknowledges is durable: SQLite has it in the WAL when COMMIT returns, which survives ``kill -9`` of
any process (``synchronous=FULL`` adds power cuts), and PostgreSQL has committed it. A check in a transaction that a
crash interrupts was never acknowledged. If a grouped transaction fails, each request's rows are retried in their own
transaction, so one bad row (a site deleted meanwhile) fails only its own request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import StorageError

__all__ = ["GroupWriter", "Write"]


@dataclass(eq=False)
class Write:
    """One request's statements: ``(sql, [params, ...])`` pairs, run in order inside the group's transaction."""

    statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]
    order: Any = 0
    done: bool = False
    error: Exception | None = None


class GroupWriter:
    """Commits the writes of concurrent callers together (see the module docstring).

    Parameters
    ----------
    transaction : callable
        ``transaction()`` -> a context manager yielding an object with ``executemany`` that commits when the block
        ends (the database's :meth:`~.database.Database.appending`).
    single : callable, optional
        ``single(sql, params)`` runs one statement as its own atomic transaction (the database's ``write``): a group
        of one write of one row takes it, one statement instead of three.
    max_batch : int
        Most requests' writes in one transaction.
    """

    def __init__(
        self, transaction: Callable[[], Any], *, single: Callable[[str, Sequence[Any]], Any] | None = None,
        max_batch: int = 256,
    ):
        self._transaction = transaction
        self._single = single
        self.max_batch = max(1, int(max_batch))
        self._lock = threading.Lock()
        self._turn = threading.Condition(self._lock)
        self._queue: list[Write] = []
        self._leading = False
        #: Transactions committed and writes they held (the ratio is the mean group size).
        self.transactions = 0
        self.writes = 0

    def pending(self) -> int:
        """Writes queued for the next transaction."""
        with self._lock:
            return len(self._queue)

    @property
    def committing(self) -> bool:
        """Whether a leader is writing a transaction now."""
        return self._leading

    def write(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]], order: Any = 0) -> None:
        """Run ``statements`` in a committed transaction, possibly shared with other callers'; return after COMMIT.
        A group runs its writes by ``order`` (the site), so groups take the row locks they share in one order.

        Raises
        ------
        Exception
            What the database raised for these statements (they were not stored).
        """
        job = Write(statements, order)
        with self._lock:
            self._queue.append(job)
        while not job.done:  # a queue longer than a batch leaves some writes for the next leader
            with self._lock:
                while not job.done and self._leading:
                    self._turn.wait()
                if job.done:
                    break
                self._leading = True
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch:]
            try:
                self._commit(batch)
            finally:
                with self._lock:
                    self._leading = False
                    self._turn.notify_all()
        if job.error is not None:
            raise job.error

    def _commit(self, batch: list[Write]) -> None:
        try:
            self._run(batch)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for job in batch:  # one bad write must not fail the others: each alone
                    try:
                        self._run([job])
                    except Exception as alone:
                        job.error = alone
        except BaseException:
            # The leader was interrupted (its greenlet killed, a signal): nobody may be told "stored".
            for job in batch:
                job.error = StorageError("the write was interrupted before it was known to be committed")
            raise
        finally:
            for job in batch:
                job.done = True

    def _run(self, batch: list[Write]) -> None:
        if self._single is not None and len(batch) == 1 and len(batch[0].statements) == 1:
            statement, rows = batch[0].statements[0]
            if len(rows) == 1:
                self._single(statement, rows[0])
                self.transactions += 1
                self.writes += 1
                return
        with self._transaction() as conn:
            for job in sorted(batch, key=lambda j: j.order):
                for statement, rows in job.statements:
                    conn.executemany(statement, rows)
        self.transactions += 1
        self.writes += len(batch)

