"""Service of documents (xietong/service). The walk fills record/document ids with 0 (nothing there):
logged-in users get 404, anonymous users the login page. Per-role checks with real records are in
xietong/service/tests/test_views.py and test_api.py."""

from tests.policies import Rule

SENDERS = frozenset({"admin", "clerk", "judge", "other_judge", "mediator", "other_mediator"})
FAILURE_READERS = frozenset({"admin", "clerk", "judge", "other_judge", "regulator", "bank", "other_bank"})

POLICY: dict[str, Rule] = {
    # Court staff of the case's court, its mediator and the center send documents (empty form: back to the case).
    "service-send": Rule(method="POST", case=True, roles=SENDERS, data={}),
    "service-document": Rule(public=True, status=frozenset({302, 404})),
    "service-attempt": Rule(method="POST", public=True, status=frozenset({302, 404})),
    "service-alternative": Rule(method="POST", public=True, status=frozenset({302, 404})),
    "service-failures": Rule(roles=FAILURE_READERS),
    # The party's link: public, the token is the credential; an unknown token is 404.
    "service-open": Rule(public=True, status=frozenset({404})),
    "service-open-file": Rule(public=True, status=frozenset({404})),
    "api-1:service_case": Rule(web=False, case=True),
    "api-1:service_failures": Rule(web=False, roles=FAILURE_READERS | frozenset({"token:bank", "token:other_bank"})),
}
