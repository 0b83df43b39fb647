"""The import of a checked batch in two phases: prepare in memory, then write in one short transaction.

Phase 1, `prepare` (no transaction held): read the valid rows, check them again against the
institution's open cases and the persons on file, decide each case's triage with the same
`triage_decide` as a single dispute (rules and memorandum read once), and build every row to
insert. Progress (`Batch.done`, `heartbeat_at`) is committed as it goes, in small autocommit
updates, so the page sees it on SQLite (one writer at a time) as on PostgreSQL.

Phase 2, `write` (one `transaction.atomic`): reserve the case numbers (one locked update of
`CaseSequence`, gapless because it rolls back with the rest), then a few bulk inserts — raw
`executemany` on SQLite, `COPY` on PostgreSQL — of persons, addresses, cases, parties, numbers,
timeline events, triage decisions and service-address confirmations, the batch rows' links, one
audit entry for the batch, and the batch marked imported. It commits whole or not at all: a
worker killed at any point leaves nothing of the batch (see services.batch_recover_stale).

The audit trail gets one `batch.import` entry per batch (count, first and last case number,
persons created) instead of one `case.create` + `triage.decide` + `case.transition` per case;
each case still has its "created" and "triage" timeline events and its TriageDecision.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.models import Organisation
from xietong.audit.services import SYSTEM, ActorRef
from xietong.cases.choices import CaseState, Door, NumberKind, PartyRole
from xietong.cases.models import Case, CaseEvent, CaseNumber, CaseParty, CaseSequence, Category
from xietong.cases.numbers import format_case_number
from xietong.core.errors import DomainError
from xietong.core.validators import normalize_phone, parse_resident_id
from xietong.intake.models import ServiceAddressConfirmation
from xietong.parties.choices import AddressKind
from xietong.parties.models import Address, Person
from xietong.triage.choices import DecisionKind
from xietong.triage.models import TriageDecision
from xietong.triage.services import Facts, active_rules, memorandum_in_force, triage_decide

from .models import Batch, BatchRow
from .selectors import open_case_keys

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 500  # rows between two progress updates
LOOKUP_CHUNK = 2000
SQLITE_CACHE_KIB = 65536  # 64 MB of page cache for the write (SQLite's default is 2 MB)


class ImportAborted(Exception):
    """The batch is no longer this worker's to import (recovery marked it failed)."""


def pause() -> None:
    """Tests slow the import down to kill a worker in the middle (settings.BATCH_IMPORT_PAUSE_SECONDS)."""
    seconds = float(getattr(settings, "BATCH_IMPORT_PAUSE_SECONDS", 0) or 0)
    if seconds:
        time.sleep(seconds)


def refuse(number: int, reason: str, code: str) -> DomainError:
    return DomainError(_("Row %(row)s: %(reason)s") % {"row": number, "reason": reason}, code=code)


@dataclass
class NewPerson:
    name: str
    id_number: str
    birth_date: dt.date
    sex: str
    phone: str
    address: str
    row: int  # the first row that names this person


@dataclass
class Prepared:
    """Everything to write, one entry per case in file order. Persons: an id on file or a NewPerson index."""

    row_ids: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    persons: list[tuple[int | None, int | None]] = field(default_factory=list)  # (person id, new index)
    new_persons: list[NewPerson] = field(default_factory=list)
    amounts: list[tuple[Decimal, Decimal, Decimal, Decimal]] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    # (category id, channel, track, team id, rule id, rule name, reasons as JSON)
    triage: list[tuple[int | None, str, str, int | None, int | None, str, str]] = field(default_factory=list)
    service: list[tuple[str, str, str, bool] | None] = field(default_factory=list)  # address, phone, email, consent

    def __len__(self) -> int:
        return len(self.row_ids)


Progress = Callable[[int], None]


def prepare(*, batch: Batch, court: Organisation, now: dt.datetime, progress: Progress) -> Prepared:
    """Phase 1: read, check again, find persons, decide the triage. Raises DomainError naming a bad row."""
    institution = batch.institution
    rows = list(
        BatchRow.objects.filter(batch=batch, is_valid=True, case__isnull=True)
        .order_by("number")
        .values_list("pk", "number", "id_number", "contract_number", "data")
    )
    open_keys = open_case_keys(institution=institution)
    on_file: dict[str, tuple[int, str]] = {}
    ids = sorted({r[2] for r in rows})
    for i in range(0, len(ids), LOOKUP_CHUNK):
        for idn, pk, name in Person.objects.filter(id_number__in=ids[i : i + LOOKUP_CHUNK]).values_list(
            "id_number", "pk", "name"
        ):
            on_file[idn] = (pk, name)
    abroad: dict[int, list[str]] = {}
    person_ids = [pk for pk, _name in on_file.values()]
    for i in range(0, len(person_ids), LOOKUP_CHUNK):
        for pid, country in (
            Address.objects.filter(person_id__in=person_ids[i : i + LOOKUP_CHUNK])
            .exclude(country="CN")
            .values_list("person_id", "country")
        ):
            abroad.setdefault(pid, []).append(country)

    rules = active_rules()
    category = batch.category  # the operator's, for every case; a triage rule that sets one decides as for any door
    memo = memorandum_in_force(institution_id=institution.pk, on=timezone.localtime(now).date())
    out = Prepared()
    new_index: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    facts_text = _("Overdue since %(date)s (%(days)s days); card or contract number %(contract)s.")
    encode = DjangoJSONEncoder(ensure_ascii=False).encode
    for k, (pk, number, idn, contract, d) in enumerate(rows):
        key = (idn, contract)
        if key in open_keys or key in seen:
            raise refuse(
                number,
                _(
                    "this person now has an open case for this card/contract. Import again: the rows are "
                    "checked again against the cases open now (or upload the file again)."
                ),
                "batch_duplicate",
            )
        seen.add(key)
        name = str(d["name"]).strip()
        person_id: int | None = None
        new_i: int | None = None
        countries: list[str] = []
        if idn in on_file:
            person_id, on_file_name = on_file[idn]
            if name and on_file_name != name:
                raise refuse(
                    number,
                    _("This ID number is on file under another name; check the name and the number."),
                    "batch_person",
                )
            countries = sorted(set(abroad.get(person_id, [])))
        elif idn in new_index:
            new_i = new_index[idn]
            if out.new_persons[new_i].name != name:
                raise refuse(
                    number,
                    _("This ID number is on file under another name; check the name and the number."),
                    "batch_person",
                )
        else:
            try:
                birth, sex = _birth_and_sex(idn)
                phone = normalize_phone(d["phone"]) if d.get("phone") else ""
            except ValidationError as e:
                raise refuse(number, " ".join(e.messages), "batch_person") from None
            new_i = new_index[idn] = len(out.new_persons)
            out.new_persons.append(
                NewPerson(
                    name=name,
                    id_number=idn,
                    birth_date=birth,
                    sex=sex,
                    phone=phone,
                    address=str(d.get("address") or "").strip(),
                    row=number,
                )
            )
        p, interest, pen = Decimal(d["principal"]), Decimal(d["interest"]), Decimal(d["penalty"])
        total = p + interest + pen
        draft = Draft(
            court=court,
            institution=institution,
            product=d["product"],
            total=total,
            submitted_at=now,
            category=category,
        )
        case = cast(Case, draft)
        facts = Facts(
            case=case,
            party_count=2,
            overseas_countries=countries,
            risk_warnings=[],  # an institution's own delivery belongs to no risk stratum
        )
        ev = triage_decide(case, facts, rules=rules, memo=memo)
        out.row_ids.append(pk)
        out.numbers.append(number)
        out.persons.append((person_id, new_i))
        out.amounts.append((p, interest, pen, total))
        out.products.append(d["product"])
        out.facts.append(
            facts_text
            % {"date": d["overdue_since"], "days": d.get("overdue_days", ""), "contract": d["contract_number"]}
        )
        out.triage.append(
            (
                ev.category.pk if ev.category else None,
                ev.channel,
                ev.track,
                ev.team.pk if ev.team else None,
                ev.rule.pk if ev.rule else None,
                ev.rule.name if ev.rule else "",
                encode(ev.reasons),
            )
        )
        address = str(d.get("service_address") or "").strip()
        if address:
            sphone = d.get("service_phone") or d.get("phone") or ""
            out.service.append((address, sphone, str(d.get("service_email") or ""), bool(d.get("consent_e_service"))))
        else:
            out.service.append(None)
        if (k + 1) % PROGRESS_EVERY == 0:
            progress(k + 1)
            pause()
    return out


class Draft:
    """What the triage rules read of a case about to be opened: a Model instance per row would cost
    more than the decision itself (Model.__init__ was the top of the profile)."""

    __slots__ = (
        "category",
        "category_id",
        "court",
        "court_id",
        "institution",
        "institution_id",
        "product",
        "submitted_at",
        "total",
    )
    team = None
    team_id = None
    pk = None
    wishes: list[str] = []

    def __init__(
        self,
        *,
        court: Organisation,
        institution: Organisation,
        product: str,
        total: Decimal,
        submitted_at: dt.datetime,
        category: Category | None = None,
    ) -> None:
        self.category, self.category_id = category, category.pk if category else None
        self.court, self.court_id = court, court.pk
        self.institution, self.institution_id = institution, institution.pk
        self.product, self.total, self.submitted_at = product, total, submitted_at


def _birth_and_sex(idn: str) -> tuple[dt.date, str]:
    """From an ID number already checked at upload (checked again if it does not look so)."""
    if len(idn) != 18 or not idn[:17].isdigit():
        rid = parse_resident_id(idn)
        return rid.birth_date, rid.sex
    return dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14])), ("M" if int(idn[16]) % 2 else "F")


# Phase 2 ------------------------------------------------------------------------------------------


class Writer:
    """Bulk inserts with ids reserved up front: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, now: dt.datetime) -> None:
        self.vendor = connection.vendor
        self.now = now
        self.now_db = self.dt(now)

    def dt(self, value: dt.datetime) -> Any:
        if self.vendor == "sqlite":
            return connection.ops.adapt_datetimefield_value(value)
        return value

    def money(self, value: Decimal) -> Any:
        return str(value) if self.vendor == "sqlite" else value

    def reserve_ids(self, model: type[models.Model], n: int) -> list[int]:
        table = model._meta.db_table
        if n == 0:
            return []
        with connection.cursor() as c:
            if self.vendor == "postgresql":
                c.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
                return [r[0] for r in c.fetchall()]
            # SQLite: the IMMEDIATE transaction holds the write lock, so nobody else takes these ids.
            c.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')  # noqa: S608 - a model's table
            top = int(c.fetchone()[0])
            c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='sqlite_sequence'")
            if c.fetchone():
                c.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = c.fetchone()
                if row:
                    top = max(top, int(row[0]))
            return list(range(top + 1, top + 1 + n))

    def _defaults(self, model: type[models.Model], columns: Sequence[str]) -> tuple[list[str], tuple[Any, ...]]:
        """NOT NULL columns not given, with the model's default (fields added later keep working)."""
        fields, values = self._default_fields(model, columns)
        return [f.column for f in fields], values

    def _default_fields(
        self, model: type[models.Model], columns: Sequence[str]
    ) -> tuple[list[models.Field[Any, Any]], tuple[Any, ...]]:
        known = set(columns)
        cols: list[models.Field[Any, Any]] = []
        values: list[Any] = []
        for f in model._meta.concrete_fields:
            if f.column in known or f.primary_key or f.null:
                continue
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                value: Any = self.now_db
            elif not f.has_default():
                raise RuntimeError(f"cannot fill {model.__name__}.{f.name}: NOT NULL without a default")
            elif isinstance(f, models.JSONField):
                value = json.dumps(f.get_default())
            elif isinstance(f, models.DateTimeField):
                value = self.dt(f.get_default())
            else:
                value = f.get_db_prep_save(f.get_default(), connection)
            cols.append(f)
            values.append(value)
        return cols, tuple(values)

    def insert(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        extra_cols, extra = self._defaults(model, columns)
        cols = [*columns, *extra_cols]
        table = model._meta.db_table
        names = ", ".join(f'"{c}"' for c in cols)
        with connection.cursor() as c:
            raw = c.cursor
            if self.vendor == "postgresql":
                with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for r in rows:
                        copy.write_row(r + extra if extra else r)
            else:
                marks = ", ".join("?" for _c in cols)
                raw.executemany(
                    f'INSERT INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608 - a model's table
                    (r + extra for r in rows) if extra else rows,
                )
        pause()

    def insert_from_cases(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        select: str,
        params: Sequence[Any],
        case_ids: list[int],
    ) -> None:
        """Rows derived from the batch's new cases in SQL, one per case in id order: no Python per row.

        `select` gives one expression per column over `cases_case` AS c (placeholders %s for `params`).
        """
        if not case_ids:
            return
        fields, extra = self._default_fields(model, columns)
        cols = [*columns, *(f.column for f in fields)]
        marks = "".join(", %s" if self.vendor == "sqlite" else f", CAST(%s AS {f.db_type(connection)})" for f in fields)
        first, last = case_ids[0], case_ids[-1]
        where_params: list[Any]
        if last - first + 1 == len(case_ids):  # SQLite reserves a range under the write lock
            where, where_params = 'c."id" BETWEEN %s AND %s', [first, last]
        elif self.vendor == "postgresql":  # ids from the sequence, interleaved with another writer's
            where, where_params = 'c."id" = ANY(%s)', [case_ids]
        else:
            where, where_params = 'c."id" IN (SELECT "value" FROM json_each(%s))', [json.dumps(case_ids)]
        names = ", ".join(f'"{c}"' for c in cols)
        with connection.cursor() as c:
            c.execute(
                f'INSERT INTO "{model._meta.db_table}" ({names}) '  # noqa: S608 - a model's table and columns
                f'SELECT {select}{marks} FROM "cases_case" AS c WHERE {where} ORDER BY c."id"',
                [*params, *extra, *where_params],
            )
        pause()

    def json_object(self, *pairs: str) -> str:
        """A JSON object built in SQL from (key literal, SQL expression) pairs."""
        fn = "json_object" if self.vendor == "sqlite" else "jsonb_build_object"
        return f"{fn}({', '.join(pairs)})"

    def json_literal(self, text: str) -> str:
        return f"'{text}'" if self.vendor == "sqlite" else f"'{text}'::jsonb"

    def set_row_cases(self, row_ids: list[int], case_ids: list[int]) -> None:
        with connection.cursor() as c:
            if self.vendor == "postgresql":
                c.execute(
                    'UPDATE "batches_batchrow" AS r SET "case_id" = v.case_id '
                    "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::bigint[]) AS case_id) AS v "
                    "WHERE r.id = v.id",
                    [row_ids, case_ids],
                )
            else:
                c.cursor.executemany(
                    'UPDATE "batches_batchrow" SET "case_id" = ? WHERE "id" = ?', zip(case_ids, row_ids, strict=True)
                )


@dataclass(frozen=True)
class Written:
    case_ids: list[int]
    first_number: str
    last_number: str
    persons_created: int
    service_addresses: int


def reserve_numbers(*, court: Organisation, n: int, year: int) -> int:
    """Reserve n consecutive 诉前调 sequence numbers in one locked update; returns the first."""
    kind = NumberKind.PRE_MEDIATION
    CaseSequence.objects.get_or_create(court=court, kind=kind, year=year, defaults={"last": 0})
    seq = CaseSequence.objects.select_for_update().get(court=court, kind=kind, year=year)
    first = seq.last + 1
    seq.last += n
    seq.save(update_fields=["last"])
    return first


def write(*, batch: Batch, court: Organisation, prepared: Prepared, actor: ActorRef, now: dt.datetime) -> Written:
    """Phase 2: every insert of the batch. Must run inside the import's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("the batch write must run inside a transaction")
    w = Writer(now)
    if w.vendor == "sqlite":
        with connection.cursor() as c:  # index pages of the big tables stay in memory (this connection only)
            c.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    n = len(prepared)
    inst_id = batch.institution_id
    created_by = actor.id if actor.kind == "user" else None

    # Persons (new ones only) and their residence.
    person_ids = w.reserve_ids(Person, len(prepared.new_persons))
    w.insert(
        Person,
        ("id", "name", "id_number", "birth_date", "sex", "phone", "email", "created_at"),
        (
            (pid, np.name, np.id_number, np.birth_date.isoformat(), np.sex, np.phone, "", w.now_db)
            for pid, np in zip(person_ids, prepared.new_persons, strict=True)
        ),
    )
    with_address = [(pid, np.address) for pid, np in zip(person_ids, prepared.new_persons, strict=True) if np.address]
    if with_address:
        w.insert(
            Address,
            ("person_id", "kind", "country", "region", "line", "postcode"),
            ((pid, AddressKind.RESIDENCE.value, "CN", "", line, "") for pid, line in with_address),
        )
    person_of = [pid if pid is not None else person_ids[cast(int, i)] for pid, i in prepared.persons]

    # Numbers: one range, reserved under the sequence's lock.
    year = timezone.localdate(now).year
    first_seq = reserve_numbers(court=court, n=n, year=year)
    texts = [
        format_case_number(year=year, court_code=court.court_code, kind=NumberKind.PRE_MEDIATION, seq=first_seq + k)
        for k in range(n)
    ]

    case_ids = w.reserve_ids(Case, n)
    wishes = "[]"
    w.insert(
        Case,
        (
            "id",
            "number",
            "state",
            "court_id",
            "institution_id",
            "product",
            "category_id",
            "channel",
            "track",
            "team_id",
            "door",
            "principal",
            "interest",
            "penalty",
            "total",
            "facts",
            "claims",
            "wishes",
            "submitted_at",
            "created_by_id",
            "updated_at",
        ),
        (
            (
                cid,
                texts[k],
                CaseState.TRIAGED.value,
                court.pk,
                inst_id,
                prepared.products[k],
                prepared.triage[k][0],
                prepared.triage[k][1],
                prepared.triage[k][2],
                prepared.triage[k][3],
                Door.BATCH.value,
                w.money(a[0]),
                w.money(a[1]),
                w.money(a[2]),
                w.money(a[3]),
                prepared.facts[k],
                "",
                wishes,
                w.now_db,
                created_by,
                w.now_db,
            )
            for k, (cid, a) in enumerate(zip(case_ids, prepared.amounts, strict=True))
        ),
    )
    # What follows from the case rows alone is derived in SQL: the applicant (the institution), the
    # number's history, the two timeline events. The respondent comes from the file.
    party_columns = ("case_id", "role", "person_id", "organisation_id")
    w.insert(
        CaseParty,
        party_columns,
        ((cid, PartyRole.RESPONDENT.value, pid, None) for cid, pid in zip(case_ids, person_of, strict=True)),
    )
    w.insert_from_cases(
        CaseParty, party_columns, 'c."id", %s, NULL, c."institution_id"', [PartyRole.APPLICANT.value], case_ids
    )
    w.insert_from_cases(
        CaseNumber,
        ("case_id", "kind", "court_id", "year", "seq", "text", "assigned_at"),
        'c."id", %s, c."court_id", %s, %s + ROW_NUMBER() OVER (ORDER BY c."id") - 1, c."number", c."submitted_at"',
        [NumberKind.PRE_MEDIATION.value, year, first_seq],
        case_ids,
    )
    system = SYSTEM.label
    event_columns = ("case_id", "at", "kind", "from_state", "to_state", "actor_label", "note", "data")
    w.insert_from_cases(
        CaseEvent,
        event_columns,
        "c.\"id\", c.\"submitted_at\", 'created', '', %s, %s, '', "
        + w.json_object("'number'", 'c."number"', "'door'", 'c."door"'),
        [CaseState.SUBMITTED.value, actor.label],
        case_ids,
    )
    w.insert_from_cases(
        CaseEvent,
        event_columns,
        f"c.\"id\", c.\"submitted_at\", 'triage', %s, %s, %s, '', {w.json_literal('{}')}",
        [CaseState.SUBMITTED.value, CaseState.TRIAGED.value, system],
        case_ids,
    )
    w.insert(
        TriageDecision,
        (
            "case_id",
            "kind",
            "rule_id",
            "rule_name",
            "reasons",
            "reason",
            "category_id",
            "channel",
            "track",
            "team_id",
            "actor_id",
            "actor_label",
            "at",
        ),
        (
            (cid, DecisionKind.AUTO.value, t[4], t[5], t[6], "", t[0], t[1], t[2], t[3], None, system, w.now_db)
            for cid, t in zip(case_ids, prepared.triage, strict=True)
        ),
    )
    service = [(cid, pid, s) for cid, pid, s in zip(case_ids, person_of, prepared.service, strict=True) if s]
    if service:
        w.insert(
            ServiceAddressConfirmation,
            (
                "case_id",
                "person_id",
                "country",
                "address",
                "phone",
                "email",
                "consent_electronic_service",
                "confirmed_by_id",
                "confirmed_at",
            ),
            ((cid, pid, "CN", s[0], s[1], s[2], s[3], pid, w.now_db) for cid, pid, s in service),
        )
    w.set_row_cases(prepared.row_ids, case_ids)
    return Written(
        case_ids=case_ids,
        first_number=texts[0] if texts else "",
        last_number=texts[-1] if texts else "",
        persons_created=len(person_ids),
        service_addresses=len(service),
    )


ANALYZE_AFTER = 1000  # cases: a batch this large refreshes the planner's statistics (PostgreSQL)
# The tables the next batch's check and import look up (ID numbers, open cases, addresses).
ANALYZED_MODELS: tuple[type[models.Model], ...] = (Person, Address, Case, CaseParty, BatchRow)


def refresh_statistics(cases: int) -> None:
    """After a large import has committed, ANALYZE the tables it wrote that later batches read (PostgreSQL).

    Autovacuum would do it within a minute or so, but until then the planner believes the tables as
    small as before: a second batch checked right after the first looked up its 100,000 ID numbers
    with sequential scans (minutes instead of a second).
    """
    if cases < ANALYZE_AFTER or connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in ANALYZED_MODELS)
    try:
        with connection.cursor() as c:
            c.execute(f"ANALYZE {tables}")
    except DatabaseError:  # the batch is in: autovacuum will catch up
        logger.warning("ANALYZE after a batch import failed", exc_info=True)


def rows_per_second(batch: Batch, now: dt.datetime | None = None) -> float:
    if not batch.import_started_at or not batch.done:
        return 0.0
    end = batch.import_finished_at or now or timezone.now()
    seconds = max((end - batch.import_started_at).total_seconds(), 0.001)
    return batch.done / seconds
