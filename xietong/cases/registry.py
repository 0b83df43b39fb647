"""The case's door: what other apps plug into the case, registered once at start-up.

Modelled on NetBox's `netbox/registry.py`: a fixed set of stores, no others. The app that owns a
piece fills it in its `AppConfig.ready()`; once Django's app registry is ready the stores are
closed, and a late registration raises. `cases` itself imports nothing from the apps above it:
they come to it through these stores.

- `guards`: key → `guard(case, actor, note)` that raises a DomainError. The lifecycle table
  (`cases/workflow.py`) names guards by key; the owning app provides them (HMCTS's event
  declarations are owned by the feature in the same way).
- `panels`: key → `panel(request, case) -> CasePanel | None` on the case page. A transition whose
  form lives in a panel names that panel (`Transition.panel`).
- `receivers`: key → `Receiver(one, many)`: `one(case_id, transition_code, from_state, to_state)`
  is called after a transition commits (webhooks, follow-up work); `many(case_ids, ...)`, when
  given, takes the same step of many cases at once (a batch import's triage).
- `event_kinds`: code → the translated label of a timeline event. A case event of an unknown kind
  is refused when it is written; transitions are event kinds of their own.
- `demo_steps`: transition code → `handler(*, case_id, actor, note)` the demo's replay calls
  instead of the bare transition (the handler ends in that transition).
- `status_parts`: key → `StatusPart(build, schema)`: `build(case_ids) -> {case_id: section}` gives
  the app's section of the case's status document (`cases/status.py`), under that key, described by
  `schema` in the OpenAPI document; a section may name the case's next date (`"next": {"kind",
  "label", "on"}`, with `"at"`, an aware datetime, for what happens at a time). The document is rebuilt with each timeline event, so an app
  that changes what its section says after its last event of a transaction calls
  `status.case_status_refresh` itself.

`xietong.cases.checks` refuses start-up when the table names a guard or panel that nobody
registered, or a demo step names no transition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

T = TypeVar("T")

Guard = Callable[[Any, Any, str], None]  # (case, actor, note) -> raises DomainError
TransitionReceiver = Callable[[int, str, str, str], None]  # (case_id, code, from_state, to_state)
ManyReceiver = Callable[[list[int], str, str, str], None]  # (case_ids, code, from_state, to_state)
DemoStep = Callable[..., Any]  # handler(*, case_id, actor, note) -> the case, after its transition
StatusBuild = Callable[[list[int]], Mapping[int, Mapping[str, Any]]]  # case ids -> {case id: section}


class RegistryClosed(ImproperlyConfigured):
    """Raised by a registration after start-up: the stores are filled in AppConfig.ready() only."""


@dataclass(frozen=True)
class Receiver:
    one: TransitionReceiver
    many: ManyReceiver | None = None


@dataclass(frozen=True)
class StatusPart:
    build: StatusBuild
    schema: type  # the section's Schema (ninja), for the status call's OpenAPI document


@dataclass(frozen=True)
class EventKind:
    code: str
    label: str | Promise
    app: str


class Store(Generic[T]):
    """One store of the registry: keys are unique, a key is registered once (or again with the same value)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, key: str, value: T) -> T:
        if apps.ready:
            raise RegistryClosed(f"The case registry is closed: register {self.name}[{key!r}] in AppConfig.ready().")
        current = self._items.get(key)
        if current is not None and current != value:
            raise ImproperlyConfigured(f"{self.name}[{key!r}] is registered twice, with different values.")
        self._items[key] = value
        return value

    def __getitem__(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise ImproperlyConfigured(f"Nothing is registered as {self.name}[{key!r}].") from None

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())

    def values(self) -> list[T]:
        return list(self._items.values())


class Registry:
    """The fixed stores. There is one instance, `registry`, and no way to add a store."""

    __slots__ = ("demo_steps", "event_kinds", "guards", "panels", "receivers", "status_parts")

    def __init__(self) -> None:
        self.guards: Store[Guard] = Store("guards")
        self.panels: Store[Callable[..., Any]] = Store("panels")
        self.receivers: Store[Receiver] = Store("receivers")
        self.event_kinds: Store[EventKind] = Store("event_kinds")
        self.demo_steps: Store[DemoStep] = Store("demo_steps")
        self.status_parts: Store[StatusPart] = Store("status_parts")


registry = Registry()


def guard_register(key: str, guard: Guard) -> Guard:
    return registry.guards.register(key, guard)


def panel_register(key: str, provider: Callable[..., Any]) -> None:
    registry.panels.register(key, provider)


def receiver_register(key: str, receiver: TransitionReceiver, *, many: ManyReceiver | None = None) -> None:
    registry.receivers.register(key, Receiver(one=receiver, many=many))


def event_kinds_register(app: str, labels: dict[str, str | Promise]) -> None:
    """Declare the timeline events an app writes, each with its translated label."""
    for code, label in labels.items():
        registry.event_kinds.register(code, EventKind(code=code, label=label, app=app))


def demo_step_register(transition: str, handler: DemoStep) -> None:
    registry.demo_steps.register(transition, handler)


def status_part_register(key: str, build: StatusBuild, *, schema: type) -> None:
    registry.status_parts.register(key, StatusPart(build=build, schema=schema))
