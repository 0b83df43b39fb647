"""The mediation panel of the case page: what each role sees and may do there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from xietong.accounts.permissions import may
from xietong.cases.choices import CaseState
from xietong.cases.models import Case
from xietong.cases.panels import CasePanel
from xietong.cases.permissions import actor_person_id
from xietong.core.timezones import zone_choices
from xietong.parties.models import Person

from .choices import LOAD_STATES, OfferSide
from .forms import AffordabilityForm, AssignForm, ContactForm, OfferForm, SessionForm, TimezoneForm
from .selectors import (
    affordability_for,
    assignments_for,
    contacts_for,
    mediator_loads,
    offers_for,
    session_participants,
    session_times,
    sessions_for,
    viewer_timezone,
)
from .services import OFFER_STATES, WORK_STATES, actor_offer_side

ASSIGN_STATES = frozenset({CaseState.SUBMITTED, CaseState.TRIAGED, CaseState.MEDIATING})


def _next_month_first(today: dt.date) -> dt.date:
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def mediation_panel(request: HttpRequest, case: Case) -> CasePanel | None:
    user: Any = request.user
    if not may(user, "cases.view"):
        return None
    is_mediator = may(user, "mediation.work", case)
    worksheet = may(user, "mediation.worksheet", case)
    side = actor_offer_side(user, case)  # "" for the mediator (either side), None: no offers
    tz_name = viewer_timezone(user)

    sessions = list(sessions_for(case))
    participants = session_participants(case) if sessions else []
    session_rows = [
        {"session": s, "yours": s.local_time(tz_name), "times": session_times(s, participants)} for s in sessions
    ]
    offers = list(offers_for(case))
    open_offer = next((o for o in offers if o.status == "open"), None)
    may_answer = (
        open_offer is not None
        and case.state in OFFER_STATES
        and side is not None
        and (side == "" or side == open_offer.other_side)
    )
    may_offer = side is not None and case.state in OFFER_STATES
    ctx: dict[str, Any] = {
        "case": case,
        "is_mediator": is_mediator,
        "worksheet": worksheet,
        "side": side,
        "side_label": OfferSide(side).label if side else "",
        "tz_name": tz_name,
        "sessions": session_rows,
        "participants": participants,
        "offers": offers,
        "open_offer": open_offer,
        "may_answer": may_answer,
        "may_offer": may_offer,
        "today": timezone.localdate(),
    }
    sheet = None
    if worksheet:
        ctx["assignments"] = list(assignments_for(case))
        sheet = affordability_for(case)
        ctx["sheet"] = sheet
    if may(user, "mediation.assign") and case.state in ASSIGN_STATES:
        form = AssignForm()
        mediators = list(form.fields["mediator"].queryset.select_related("mediator_profile"))  # type: ignore[attr-defined]
        loads = mediator_loads([m.pk for m in mediators])
        ctx["assign"] = [
            {
                "user": m,
                "load": loads.get(m.pk, 0),
                "capacity": getattr(getattr(m, "mediator_profile", None), "capacity", None),
            }
            for m in mediators
        ]
        ctx["may_assign"] = True
    if is_mediator:
        works = case.state in WORK_STATES
        ctx["contacts"] = list(contacts_for(case)[:50])
        ctx["may_work"] = works
        if works:
            ctx["contact_form"] = ContactForm(case=case)
            ctx["session_form"] = SessionForm()
            ctx["afford_form"] = AffordabilityForm(
                case=case,
                initial=(
                    {
                        "person": sheet.person_id,
                        "monthly_income": sheet.monthly_income,
                        "monthly_expenses": sheet.monthly_expenses,
                        "other_debts": sheet.other_debts,
                        "dependants": sheet.dependants,
                        "note": sheet.note,
                    }
                    if sheet
                    else None
                ),
            )
    if may_offer:
        initial: dict[str, Any] = {"first_payment_on": _next_month_first(ctx["today"]), "waived": "0.00"}
        if sheet is not None and request.GET.get("offer_from") == "worksheet":
            initial.update(
                {
                    "side": OfferSide.DEBTOR,
                    "total": sheet.suggested_total,
                    "instalments": sheet.suggested_months,
                }
            )
            ctx["prefilled"] = True
        ctx["offer_form"] = OfferForm(initial=initial)
    if may_answer:
        ctx["counter_form"] = OfferForm(
            prefix="counter",
            initial={
                "total": open_offer.total if open_offer else None,
                "instalments": open_offer.instalments if open_offer else 12,
                "first_payment_on": open_offer.first_payment_on if open_offer else None,
                "waived": open_offer.waived if open_offer else 0,
            },
        )
    ctx["in_mediation"] = case.state in LOAD_STATES
    if is_mediator:
        ctx["tz_people"] = list(TimezoneForm(case=case).fields["person"].queryset.order_by("pk"))  # type: ignore[attr-defined]
        ctx["tz_current"] = ""
    elif may(user, "mediation.own_timezone"):
        pid = actor_person_id(user)
        own = Person.objects.filter(pk=pid).first() if pid is not None else None
        ctx["tz_people"] = [own] if own is not None else []
        ctx["tz_current"] = own.timezone if own is not None else ""
    # The zones offered by their human names (雅加达时间 (UTC+7)); the party's own first if it is another.
    ctx["tz_choices"] = zone_choices(ctx.get("tz_current"))
    return CasePanel(template="mediation/_case_panel.html", context=ctx, column="main", order=20)
