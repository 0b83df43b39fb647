"""Story 6 on the small world: the villagers' filings become a lead the PBoC regulator sees and acts on."""

from __future__ import annotations

import pytest
from django.test import Client

from xietong.audit.services import SYSTEM
from xietong.risk import demo
from xietong.risk.choices import Detector, Dimension, WarningState
from xietong.risk.models import NamedRespondent, RiskWarning


@pytest.mark.django_db
def test_story_6_lead_seen_acknowledged_and_escalated_by_pboc(world):
    demo.seed(actor=SYSTEM)
    assert NamedRespondent.objects.filter(name=demo.COMPANY).count() == demo.VILLAGERS
    lead = RiskWarning.objects.get(dimension=Dimension.RESPONDENT, detector=Detector.CLUSTER)
    assert lead.claimants == demo.VILLAGERS and lead.state == WarningState.NEW
    assert not RiskWarning.objects.filter(dimension__in=[Dimension.INSTITUTION, Dimension.COLLECTION]).exists()
    pboc = Client()
    pboc.force_login(world.users["regulator"])
    listing = pboc.get("/risk/warnings/").content.decode()
    assert demo.COMPANY in listing
    pboc.post(f"/risk/warnings/{lead.pk}/step/", {"step": "acknowledge"})
    from xietong.accounts.choices import OrganisationKind
    from xietong.accounts.services import organisation_create

    bureau = organisation_create(actor=SYSTEM, kind=OrganisationKind.FINANCIAL_REGULATOR, name="龙岩市地方金融管理局")
    pboc.post(f"/risk/warnings/{lead.pk}/step/", {"step": "escalate", "agency": bureau.pk, "note": "疑似非法集资"})
    lead.refresh_from_db()
    assert (lead.state, lead.escalated_to) == (WarningState.ESCALATED, bureau)
    staff = Client()
    staff.force_login(world.users["clerk"])
    assert staff.get(f"/risk/warnings/{lead.pk}/").content.decode().count('href="/cases/') == demo.VILLAGERS
