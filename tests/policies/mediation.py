"""Routes of xietong/mediation. Per-role checks with real sessions and offers are in xietong/mediation/tests."""

from __future__ import annotations

from tests.policies import Rule

STAFF = frozenset({"admin", "clerk"})
MEDIATORS = frozenset({"mediator", "other_mediator"})
# Who may make and answer offers: the case's mediator, parties and institution operators.
OFFERERS = frozenset({"mediator", "other_mediator", "party", "stranger", "bank", "other_bank"})
API_OFFERERS = OFFERERS | {"token:bank", "token:other_bank"}

POLICY: dict[str, Rule] = {
    "mediation-my": Rule(roles=MEDIATORS),
    "mediation-pool": Rule(roles=STAFF),
    # <user_id> is 0 in the walk: no such mediator (404) for the admin, 403 for every other role.
    "mediation-profile": Rule(public=True, status=frozenset({302, 403, 404})),
    # Case forms: a visible case answers a redirect with a message (the walk's data is incomplete).
    "mediation-assign": Rule(method="POST", case=True, roles=STAFF),
    "mediation-contact": Rule(method="POST", case=True, roles=MEDIATORS),
    "mediation-session": Rule(method="POST", case=True, roles=MEDIATORS),
    "mediation-session-status": Rule(method="POST", case=True, roles=MEDIATORS),
    "mediation-offer": Rule(method="POST", case=True, roles=OFFERERS),
    "mediation-offer-answer": Rule(method="POST", case=True, roles=OFFERERS),
    "mediation-affordability": Rule(method="POST", case=True, roles=MEDIATORS),
    # A person's time zone: the case's mediator, or a party for their own person.
    "mediation-timezone": Rule(method="POST", case=True, roles=MEDIATORS | {"party", "stranger"}),
    "api-1:mediation_offers_list": Rule(web=False, case=True),
    # The world's cases are not in mediation: a permitted caller gets 400 (state), others 403 or 404.
    "api-1:mediation_offers_create": Rule(
        method="POST",
        web=False,
        case=True,
        roles=API_OFFERERS,
        data={"total": "100.00", "instalments": 2, "first_payment_on": "2099-01-01"},
    ),
    # <offer_id> is 0: no such offer (404) for callers who may answer, 403 for others, 401 anonymous.
    "api-1:mediation_offers_answer": Rule(
        method="POST", public=True, web=False, data={"answer": "accept"}, status=frozenset({401, 403, 404})
    ),
    "api-1:mediation_sessions_list": Rule(web=False, case=True),
}
