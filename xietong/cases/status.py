"""The case's status document: what a bank polling `GET /api/v1/cases/{id}/status` reads.

A bank's system asks "where is my case now?" many times a day. The full case (`GET /api/v1/cases/{id}`)
answers with parties, the timeline and the steps the caller may take: five statements and ~6 ms of CPU,
most of it Django compiling SQL and building models (bench/README.md). The status document answers
the polling question only, and is kept ready: one row per case (`CaseStatusDoc`), holding the JSON
body as it is served and the ids the case's visibility is decided on. The status call reads that row
by its primary key, decides visibility on its ids (`may(actor, "cases.view_status", doc)`, the same
rule as `Case.objects.restrict`), and returns the stored bytes with an ETag.

What the document says: the case's id, its number and every number it was given, its state with the
state's label in every language of the platform, when it ended, its channel, track and colour, its
latest step (the newest timeline event) and when, the sections other apps register
(`registry.status_parts`: the repayment summary, the hearing scheduled), the nearest date one of them
names (`next`: its day, and its moment for what happens at a time), and
`updated_at` (the later of the case row's last change and its newest event).

When it is built: with every timeline event (`services.case_event_record` calls
`case_status_refresh`), in the transaction of the change. Every change of a case writes an event
(xietong/stats relies on the same rule), and the services write the case's row before its event; an
app that changes its own section after its last event of a transaction (the repayment follow-up)
calls `case_status_refresh` itself. Cases opened in bulk (`bulk.cases_create_bulk`) get theirs in
bulk. A document whose body and ids are unchanged is not written again (its version and ETag stay).

`manage.py case_status_rebuild` builds every case's document again (after a release that changes the
document or its labels; `--check` only reports the stale ones). A case without a document (a database
from before this table) is answered all the same: its document is built for the call, not written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone, translation
from ninja.responses import NinjaJSONEncoder

from xietong.core.bulk import BulkWriter

from .choices import CaseState, NumberKind
from .models import Case, CaseEvent, CaseNumber, CaseParty, CaseStatusDoc, Category
from .registry import registry
from .workflow import TRANSITIONS

T = TypeVar("T")
CHUNK = 2000  # cases per round of queries when building many (each query's IN list stays small)


@dataclass(frozen=True)
class StatusDoc:
    """A case's document as the status call reads it: the body and the ids, no model instance."""

    case_id: int
    court_id: int
    station_id: int | None
    mediator_id: int | None
    parties: Mapping[str, Any]  # {"organisations": [...], "persons": [...], "acting": [[agent, person, auth]]}
    body: str
    etag: str

    def row(self) -> tuple[Any, ...]:
        """What decides whether a stored document must be written again."""
        return (self.court_id, self.station_id, self.mediator_id, dict(self.parties), self.etag)


class Labels:
    """The label of a value in every language of the platform, each computed once per build."""

    def __init__(self) -> None:
        self.languages = [code for code, _name in settings.LANGUAGES]
        self._cache: dict[tuple[str, str], dict[str, str]] = {}

    def of(self, kind: str, code: str, label: Any) -> dict[str, str]:
        key = (kind, code)
        found = self._cache.get(key)
        if found is None:
            found = {}
            for language in self.languages:
                with translation.override(language):
                    found[language] = str(label)
            self._cache[key] = found
        return found


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _dump(body: Mapping[str, Any]) -> str:
    # The API's own encoder: dates, times and amounts written as every other response writes them.
    return json.dumps(body, cls=NinjaJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def _event_label(kind: str) -> Any:
    if kind in TRANSITIONS:
        return TRANSITIONS[kind].label
    found = registry.event_kinds.get(kind)
    return found.label if found is not None else kind


@dataclass
class _Assembled:
    body: dict[str, Any]
    court_id: int
    station_id: int | None
    mediator_id: int | None
    parties: dict[str, list[Any]]


def _with_sections(body: dict[str, Any], sections: Mapping[str, Mapping[int, Any]], pk: int) -> None:
    """The registered sections of case `pk` into its body, and the nearest date they name as `next`."""
    upcoming = []
    for key, found in sections.items():
        section = found.get(pk)
        body[key] = section
        if section and section.get("next"):
            upcoming.append(section["next"])
    if upcoming:
        nearest = min(upcoming, key=_when)
        body["next"] = {
            "kind": nearest["kind"],
            "label": nearest["label"],
            "on": nearest["on"],
            "at": nearest.get("at"),
        }
    else:
        body["next"] = None


def _when(upcoming: Mapping[str, Any]) -> tuple[str, int, float]:
    """The order of the dates sections name: by day; on one day, what happens at a time (a hearing at
    9:00) before what is due by the day's end (an instalment), and earlier times first."""
    at = upcoming.get("at")
    if at is not None:
        return (str(upcoming["on"]), 0, at.timestamp())
    return (str(upcoming["on"]), 1, 0.0)


def _etag(text: str, court_id: int, station_id: int | None, mediator_id: int | None, parties: Any) -> str:
    """Of the body and of the ids visibility is decided on: a document is written again when either changes."""
    ids = json.dumps([court_id, station_id, mediator_id, parties], sort_keys=True)
    return hashlib.sha256(f"{text}\n{ids}".encode()).hexdigest()[:32]


def _doc(pk: int, a: _Assembled, text: str) -> StatusDoc:
    return StatusDoc(
        case_id=pk,
        court_id=a.court_id,
        station_id=a.station_id,
        mediator_id=a.mediator_id,
        parties=a.parties,
        body=text,
        etag=_etag(text, a.court_id, a.station_id, a.mediator_id, a.parties),
    )


def _build_chunk(ids: list[int], labels: Labels) -> dict[int, StatusDoc]:
    return {pk: _doc(pk, a, _dump(a.body)) for pk, a in _assemble(ids, labels).items()}


def _assemble(ids: list[int], labels: Labels) -> dict[int, _Assembled]:
    latest = CaseEvent.objects.filter(case_id=OuterRef("pk")).order_by("-at", "-pk").values("pk")[:1]
    cases = list(
        Case.objects.filter(pk__in=ids)
        .annotate(latest_event_id=Subquery(latest))
        .values(
            "pk",
            "number",
            "state",
            "court_id",
            "station_id",
            "mediator_id",
            "channel",
            "track",
            "category__colour",
            "closed_at",
            "updated_at",
            "latest_event_id",
        )
    )
    if not cases:
        return {}
    numbers: dict[int, list[dict[str, Any]]] = {}
    for case_id, kind, text, assigned_at in (
        CaseNumber.objects.filter(case_id__in=ids)
        .order_by("case_id", "assigned_at", "pk")
        .values_list("case_id", "kind", "text", "assigned_at")
    ):
        numbers.setdefault(case_id, []).append(
            {
                "kind": kind,
                "kind_label": labels.of("number", kind, NumberKind(kind).label),
                "text": text,
                "assigned_at": assigned_at,
            }
        )
    events = {
        case_id: (kind, at, to_state)
        for case_id, kind, at, to_state in CaseEvent.objects.filter(
            pk__in=[c["latest_event_id"] for c in cases if c["latest_event_id"]]
        ).values_list("case_id", "kind", "at", "to_state")
    }
    parties: dict[int, dict[str, list[Any]]] = {}
    for case_id, organisation_id, person_id, agent_id, authorisation_id in (
        CaseParty.objects.filter(case_id__in=ids)
        .order_by("case_id", "pk")
        .values_list("case_id", "organisation_id", "person_id", "agent_id", "authorisation_id")
    ):
        mine = parties.setdefault(case_id, {"organisations": [], "persons": [], "acting": []})
        if organisation_id is not None:
            mine["organisations"].append(organisation_id)
        if person_id is not None:
            mine["persons"].append(person_id)
        if agent_id is not None:
            mine["acting"].append([agent_id, person_id, authorisation_id])
    sections = {key: part.build(ids) for key, part in registry.status_parts.items()}

    docs: dict[int, _Assembled] = {}
    for c in cases:
        pk = c["pk"]
        event = events.get(pk)
        latest_step = None
        updated_at: dt.datetime = c["updated_at"]
        if event is not None:
            kind, at, to_state = event
            latest_step = {
                "kind": kind,
                "label": labels.of("event", kind, _event_label(kind)),
                "at": at,
                "to_state": to_state or None,
            }
            updated_at = max(updated_at, at)
        body: dict[str, Any] = {
            "id": pk,
            "number": c["number"],
            "numbers": numbers.get(pk, []),
            "state": c["state"],
            "state_label": labels.of("state", c["state"], CaseState(c["state"]).label),
            "closed_at": c["closed_at"],
            "channel": c["channel"],
            "track": c["track"],
            "colour": c["category__colour"] or None,
            "latest_step": latest_step,
            "next": None,
        }
        _with_sections(body, sections, pk)
        body["updated_at"] = updated_at
        docs[pk] = _Assembled(
            body=body,
            court_id=c["court_id"],
            station_id=c["station_id"],
            mediator_id=c["mediator_id"],
            parties=parties.get(pk, {"organisations": [], "persons": [], "acting": []}),
        )
    return docs


def status_docs_build(case_ids: Iterable[int]) -> dict[int, StatusDoc]:
    """The documents of these cases as the tables say now (nothing is written). Unknown ids are left out."""
    ids = sorted(set(case_ids))
    labels = Labels()
    found: dict[int, StatusDoc] = {}
    for chunk in chunks(ids):
        found.update(_build_chunk(chunk, labels))
    return found


def status_docs_save(case_ids: Iterable[int]) -> int:
    """Build these cases' documents and write those that changed, in the caller's transaction.
    Returns how many were written."""
    ids = sorted(set(case_ids))
    now = timezone.now()
    written = 0
    for chunk in chunks(ids):
        built = _build_chunk(chunk, Labels())
        if len(built) == 1:  # a timeline event: one statement when the document changed, as it mostly has
            (doc,) = built.values()
            if (
                CaseStatusDoc.objects.filter(pk=doc.case_id)
                .exclude(etag=doc.etag)
                .update(**_fields(doc), version=F("version") + 1, built_at=now)
            ):
                written += 1
            elif not CaseStatusDoc.objects.filter(pk=doc.case_id).exists():
                CaseStatusDoc.objects.create(case_id=doc.case_id, **_fields(doc), built_at=now)
                written += 1
            continue
        stored = dict(CaseStatusDoc.objects.filter(pk__in=chunk).values_list("pk", "etag"))
        new = [CaseStatusDoc(case_id=pk, **_fields(doc), built_at=now) for pk, doc in built.items() if pk not in stored]
        changed = [pk for pk, doc in built.items() if pk in stored and stored[pk] != doc.etag]
        if new:
            CaseStatusDoc.objects.bulk_create(new)
        for pk in changed:
            CaseStatusDoc.objects.filter(pk=pk).update(**_fields(built[pk]), version=F("version") + 1, built_at=now)
        written += len(new) + len(changed)
    return written


def _fields(doc: StatusDoc) -> dict[str, Any]:
    return {
        "court_id": doc.court_id,
        "station_id": doc.station_id,
        "mediator_id": doc.mediator_id,
        "parties": dict(doc.parties),
        "body": doc.body,
        "etag": doc.etag,
    }


class Opened(NamedTuple):
    """What may differ between cases opened together (`bulk.cases_create_bulk`)."""

    case_id: int
    number: str
    channel: str
    track: str
    category_id: int | None
    respondent_id: int


def status_docs_insert_opened(opened: Sequence[Opened], *, writer: BulkWriter) -> None:
    """The documents of cases just opened together by `bulk.cases_create_bulk`, in its transaction.

    The first case's document is built from the tables like any other. The others differ from it only
    in what differs between the cases — id, number, channel, track, colour, respondent — and in the
    registered sections (built for all of them, a chunk at a time): same court, institution, state,
    timeline and times. They are inserted raw, as the cases were (a 100,000-case batch would otherwise
    spend more on its documents than on its cases; bench/README.md). The tests compare each with a
    fresh build."""
    if not opened:
        return
    labels = Labels()
    first = _assemble([opened[0].case_id], labels)[opened[0].case_id]
    template = _plain(first.body)
    assert len(template["numbers"]) == 1 and not first.parties["acting"], "a case opened in bulk"
    organisations = first.parties["organisations"]
    colours = dict(
        Category.objects.filter(pk__in={o.category_id for o in opened if o.category_id}).values_list("pk", "colour")
    )
    now = writer.dt(timezone.now())
    columns = ("case_id", "court_id", "station_id", "mediator_id", "parties", "body", "etag", "version", "built_at")
    for chunk in chunks(opened):
        sections = {key: part.build([o.case_id for o in chunk]) for key, part in registry.status_parts.items()}
        rows = []
        for o in chunk:
            body = dict(template)
            body["id"], body["number"] = o.case_id, o.number
            body["numbers"] = [{**template["numbers"][0], "text": o.number}]
            body["channel"], body["track"] = o.channel, o.track
            body["colour"] = (colours.get(o.category_id) if o.category_id else None) or None
            _with_sections(body, sections, o.case_id)
            text = _dump(body)
            parties = {"organisations": organisations, "persons": [o.respondent_id], "acting": []}
            etag = _etag(text, first.court_id, None, None, parties)
            rows.append((o.case_id, first.court_id, None, None, json.dumps(parties), text, etag, 1, now))
        writer.insert(CaseStatusDoc, columns, rows)


def _plain(value: Any) -> Any:
    """The value with its dates, times and amounts as the API's encoder writes them (encoded once)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | Decimal):
        return _ENCODER.default(value)
    return value


_ENCODER = NinjaJSONEncoder()


_deferred: ContextVar[set[int] | None] = ContextVar("status_docs_deferred", default=None)


def case_status_refresh(case: Case | int) -> None:
    """Bring one case's document up to date (in the caller's transaction), or, within
    `status_docs_deferred`, mark it for the rebuild at the block's end."""
    case_id = case.pk if isinstance(case, Case) else case
    pending = _deferred.get()
    if pending is not None:
        pending.add(case_id)
        return
    status_docs_save([case_id])


@contextmanager
def status_docs_deferred() -> Iterator[set[int]]:
    """Within the block, a timeline event marks its case's document stale instead of rebuilding it; when
    the block ends without an exception, each marked document is rebuilt once, in chunks, still inside the
    caller's transaction. For a replay of thousands of events in one transaction (the demo region: four
    events a case on average, each a rebuild of its own otherwise). A read of a marked case within the
    block builds its document fresh. Nested blocks join the outermost one."""
    outer = _deferred.get()
    if outer is not None:
        yield outer
        return
    pending: set[int] = set()
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)
    status_docs_save(pending)


def case_status_read(case_id: int) -> StatusDoc | None:
    """The case's stored document: one read by primary key. A case without one yet is built for the
    call (not written; `case_status_rebuild` writes them). None: no such case."""
    if not 0 < case_id < 2**63:  # no id of any case (and no SQL integer past 2**63 - 1)
        return None
    pending = _deferred.get()
    if pending is not None and case_id in pending:  # marked stale within status_docs_deferred
        return status_docs_build([case_id]).get(case_id)
    # One statement written out: the ORM would spend more compiling it than the database answering it
    # (bench/README.md). The JSON column comes back as text on SQLite and PostgreSQL alike.
    with connection.cursor() as cursor:
        cursor.execute(_READ, [case_id])
        row = cursor.fetchone()
    if row is None:
        return status_docs_build([case_id]).get(case_id)
    court_id, station_id, mediator_id, parties, body, etag = row
    return StatusDoc(case_id, court_id, station_id, mediator_id, json.loads(parties), body, etag)


def _read_statement() -> str:
    meta = CaseStatusDoc._meta
    q = connection.ops.quote_name
    column = {f.name: str(f.column) for f in meta.concrete_fields}
    names = ", ".join(q(column[f]) for f in ("court_id", "station_id", "mediator_id", "parties", "body", "etag"))
    return f"SELECT {names} FROM {q(meta.db_table)} WHERE {q(column['case'])} = %s"  # noqa: S608 - the model's names


_READ = _read_statement()


def status_docs_stale(*, batch: int = CHUNK) -> list[int]:
    """The cases whose stored document differs from a fresh build, or that have none (ascending ids)."""
    stale: list[int] = []
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for chunk in chunks(ids, batch):
        built = _build_chunk(chunk, Labels())
        stored = dict(CaseStatusDoc.objects.filter(pk__in=chunk).values_list("pk", "etag"))
        stale.extend(pk for pk in chunk if pk in built and stored.get(pk) != built[pk].etag)
    # Documents of cases that are gone cannot exist (the row cascades with its case).
    return stale


def status_docs_rebuild(*, batch: int = CHUNK) -> int:
    """Every case's document built again and written where it changed. Returns how many were written."""
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for chunk in chunks(ids, batch):
        written += status_docs_save(chunk)
    return written
