"""How one app hears of another without importing it: hooks.

An app that has something to announce (an employee left, a device was handed over,
an agreement ended) or to ask for (what must be met before an agreement becomes
active) declares a `Hook` in its own `hooks.py`. Apps that care connect a receiver
in their `AppConfig.ready()`. The emitting app never imports its listeners, so apps
depend downward only.

Each hook says when its receivers run:

- `IN_TRANSACTION`: at once, inside the caller's transaction. A receiver's writes
  commit or roll back with the caller's, and an exception undoes everything.
- `AFTER_COMMIT`: once the caller's transaction has committed
  (`transaction.on_commit`); a rolled-back change announces nothing.

Receivers are called in the order they were connected, that is in the order of
INSTALLED_APPS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")

IN_TRANSACTION: Literal["in_transaction"] = "in_transaction"
AFTER_COMMIT: Literal["after_commit"] = "after_commit"


@dataclass
class Hook(Generic[P, R]):
    """A named point other apps subscribe to. `P` is what receivers are called with."""

    name: str
    runs: Literal["in_transaction", "after_commit"]
    doc: str = ""
    _receivers: list[tuple[str, Callable[P, R]]] = field(default_factory=list, repr=False)

    def connect(self, receiver: Callable[P, R], *, label: str = "") -> Callable[P, R]:
        """Subscribe once (connecting the same receiver again changes nothing)."""
        if all(existing is not receiver for _label, existing in self._receivers):
            self._receivers.append((label, receiver))
        return receiver

    def disconnect(self, receiver: Callable[P, R]) -> None:
        self._receivers = [(lb, r) for lb, r in self._receivers if r is not receiver]

    @property
    def receivers(self) -> list[tuple[str, Callable[P, R]]]:
        """(label, receiver) pairs in the order they were connected."""
        return list(self._receivers)

    def send(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Tell every receiver, now or after the commit, as the hook says."""
        receivers = [receiver for _label, receiver in self._receivers]
        if not receivers:
            return
        if self.runs == AFTER_COMMIT:
            transaction.on_commit(lambda: _call_all(receivers, args, kwargs))
        else:
            _call_all(receivers, args, kwargs)

    def collect(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        """Ask every receiver now and return their answers (hooks that ask, not tell)."""
        if self.runs != IN_TRANSACTION:
            raise TypeError(f"Hook {self.name} runs after the commit and cannot answer.")
        return [receiver(*args, **kwargs) for _label, receiver in self._receivers]


def _call_all(receivers: list[Callable[..., Any]], args: tuple, kwargs: dict) -> None:
    for receiver in receivers:
        receiver(*args, **kwargs)
