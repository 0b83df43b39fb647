"""The import of a checked batch in two phases: prepare in memory, then write in one short transaction.

Phase 1, `prepare` (no transaction held): read the valid rows, check them again against the
institution's open cases and the persons on file, decide each case's triage with the same
`triage_decide` as a single dispute (rules and memorandum read once), and build every row to
insert. Progress (`Batch.done`, `heartbeat_at`) is committed as it goes, in small autocommit
updates, so the page sees it on SQLite (one writer at a time) as on PostgreSQL.

Phase 2, `write` (one `transaction.atomic`): the new persons through `parties.persons_create_bulk`,
then the cases through `cases.bulk.cases_create_bulk` — the one write path for cases opened together,
which writes what `case_create` and the triage transition write for one case, numbers from
`cases.numbers` — with the triage decisions (`triage`) and the service-address confirmations
(`intake`) as its steps; then the batch rows' links, one audit entry for the batch, and the batch
marked imported. Every insert is a raw `executemany` on SQLite, a `COPY` on PostgreSQL
(`core.bulk.BulkWriter`). It commits whole or not at all: a worker killed at any point leaves
nothing of the batch (see services.batch_recover_stale).

The audit trail gets one `person.create_bulk` and one `case.create_bulk` entry (naming every person
and case) and the batch's `batch.import` entry (count, first and last case number, persons created),
instead of a `person.create`, `case.create`, `triage.decide`, `case.transition` and
`intake.service_address` entry per case; each case still has its "created" and "triage" timeline
events, its TriageDecision and its number history, as a single dispute has.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.models import Organisation
from xietong.audit.services import ActorRef
from xietong.cases.bulk import NewCase, cases_create_bulk
from xietong.cases.choices import Door
from xietong.cases.models import Case, CaseParty, Category
from xietong.core.bulk import BulkWriter
from xietong.core.errors import DomainError
from xietong.core.validators import normalize_phone, parse_resident_id
from xietong.intake.services import ServiceAddressRow, service_addresses_confirm_bulk
from xietong.parties.models import Address, Person
from xietong.parties.services import NewPerson, persons_create_bulk
from xietong.triage.services import (
    AutoDecision,
    Facts,
    active_rules,
    memorandum_in_force,
    triage_decide,
    triage_decisions_record_bulk,
)

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
class Prepared:
    """Everything to write, one entry per case in file order. Persons: an id on file or a NewPerson index."""

    row_ids: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    persons: list[tuple[int | None, int | None]] = field(default_factory=list)  # (person id, new index)
    new_persons: list[NewPerson] = field(default_factory=list)
    amounts: list[tuple[Decimal, Decimal, Decimal, Decimal]] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    triage: list[AutoDecision] = field(default_factory=list)
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
    facts_text = facts_template()
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
            out.new_persons.append(NewPerson(name, idn, birth, sex, phone, "", str(d.get("address") or "").strip()))
        p, interest, pen = Decimal(d["principal"]), Decimal(d["interest"]), Decimal(d["penalty"])
        total = p + interest + pen
        text = dispute_facts(d, facts_text)
        draft = Draft(
            court=court,
            institution=institution,
            product=d["product"],
            total=total,
            submitted_at=now,
            facts=text,
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
        out.facts.append(text)
        out.triage.append(
            AutoDecision(
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


def facts_template() -> str:
    return _("Overdue since %(date)s (%(days)s days); card or contract number %(contract)s.")


def dispute_facts(data: dict[str, Any], text: str | None = None) -> str:
    """The case's facts, from a row's checked data (the same words for a case opened one at a time)."""
    return (text or facts_template()) % {
        "date": data["overdue_since"],
        "days": data.get("overdue_days", ""),
        "contract": data["contract_number"],
    }


class Draft:
    """What the triage rules read of a case about to be opened: a Model instance per row would cost
    more than the decision itself (Model.__init__ was the top of the profile)."""

    __slots__ = (
        "category",
        "category_id",
        "court",
        "court_id",
        "facts",
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
        facts: str = "",
        category: Category | None = None,
    ) -> None:
        self.category, self.category_id = category, category.pk if category else None
        self.court, self.court_id = court, court.pk
        self.facts = facts
        self.institution, self.institution_id = institution, institution.pk
        self.product, self.total, self.submitted_at = product, total, submitted_at


def _birth_and_sex(idn: str) -> tuple[dt.date, str]:
    """From an ID number already checked at upload (checked again if it does not look so)."""
    if len(idn) != 18 or not idn[:17].isdigit():
        rid = parse_resident_id(idn)
        return rid.birth_date, rid.sex
    return dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14])), ("M" if int(idn[16]) % 2 else "F")


# Phase 2 ------------------------------------------------------------------------------------------


def set_row_cases(w: BulkWriter, row_ids: list[int], case_ids: list[int]) -> None:
    """Link each batch row to its new case."""
    with connection.cursor() as c:
        if w.vendor == "postgresql":
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
    w.after_insert()


@dataclass(frozen=True)
class Written:
    case_ids: list[int]
    first_number: str
    last_number: str
    persons_created: int
    service_addresses: int


def write(*, batch: Batch, court: Organisation, prepared: Prepared, actor: ActorRef, now: dt.datetime) -> Written:
    """Phase 2: every insert of the batch, through the owning apps' bulk services. Must run inside the
    import's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("the batch write must run inside a transaction")
    w = BulkWriter(now, after_insert=pause)
    if w.vendor == "sqlite":
        with connection.cursor() as c:  # index pages of the big tables stay in memory (this connection only)
            c.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")

    person_ids = persons_create_bulk(actor=actor, persons=prepared.new_persons, writer=w)
    person_of = [pid if pid is not None else person_ids[cast(int, i)] for pid, i in prepared.persons]
    disputes = [
        NewCase(pid, product, a[0], a[1], a[2], facts, t.category_id, t.channel, t.track, t.team_id)
        for pid, product, a, facts, t in zip(
            person_of, prepared.products, prepared.amounts, prepared.facts, prepared.triage, strict=True
        )
    ]
    addresses = [
        ServiceAddressRow(pid, s[0], s[1], s[2], s[3]) if s else None
        for pid, s in zip(person_of, prepared.service, strict=True)
    ]
    created = cases_create_bulk(
        actor=actor,
        court=court,
        institution=batch.institution,
        door=Door.BATCH,
        disputes=disputes,
        transition="triage",
        submitted_at=now,
        writer=w,
        steps=[
            partial(triage_decisions_record_bulk, decisions=prepared.triage, writer=w),
            partial(service_addresses_confirm_bulk, addresses=addresses, writer=w),
        ],
    )
    set_row_cases(w, prepared.row_ids, created.case_ids)
    return Written(
        case_ids=created.case_ids,
        first_number=created.first_number,
        last_number=created.last_number,
        persons_created=len(person_ids),
        service_addresses=int(created.written.get("service_addresses", 0)),
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
