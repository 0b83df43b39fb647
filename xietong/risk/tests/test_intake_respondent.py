"""A dispute against a company that is not a licensed institution, filed at intake, is counted and triaged."""

from __future__ import annotations

import pytest

from xietong.cases.choices import Channel, PartyRole, Product
from xietong.core.errors import DomainError
from xietong.intake.services import DisputeDetails, PartyDetails, staff_file
from xietong.risk.choices import Dimension
from xietong.risk.models import NamedRespondent, RiskWarning
from xietong.risk.services import risk_detect
from xietong.triage.models import TriageRule

from .test_services import fake_id


def file_against(world, i: int, name: str, *, institutions=()):
    return staff_file(
        user=world.users["station"],
        person=PartyDetails(name=f"村民{i}", id_number=fake_id(i), phone=f"1380000{i:04d}"),
        institutions=list(institutions),
        dispute=DisputeDetails(
            product=Product.OTHER, principal="30000", facts="投资款到期未兑付", respondent_name=name
        ),
        consent_online_mediation=True,
        consent_electronic_service=False,
        service_address=None,
    )


@pytest.mark.django_db
def test_villagers_naming_one_company_become_a_lead_and_later_disputes_go_to_group_risk(world):
    TriageRule.objects.create(
        name="风险分层：群体性风险", position=40, set_channel=Channel.GROUP_RISK, in_risk_stratum=True
    )
    for i in range(5):
        case = file_against(world, 60 + i, "龙岩鑫汇投资有限公司").application.cases.get()
        assert case.institution is None and case.channel == Channel.MEDIABLE
        assert case.parties.get().role == PartyRole.APPLICANT
    assert NamedRespondent.objects.filter(key="name:龙岩鑫汇投资有限公司").count() == 5
    risk_detect()
    lead = RiskWarning.objects.get(dimension=Dimension.RESPONDENT, detector="respondent_cluster")
    assert lead.claimants == 5
    later = file_against(world, 70, "龙岩 鑫汇投资 有限公司").application.cases.get()
    assert later.channel == Channel.GROUP_RISK


@pytest.mark.django_db
def test_no_institution_and_no_named_respondent_is_refused(world):
    with pytest.raises(DomainError):
        file_against(world, 80, "")
