"""Walk every URL and every API route as every role, and prove who sees what.

Every route must appear in POLICY below: a new page or endpoint fails this test until someone
decides, here, who may open it. The expected visibility is written out by hand (VISIBLE), not
computed from the code under test.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.policies import Rule, app_policies

ROLES = [
    "anonymous", "admin", "clerk", "judge", "other_judge", "mediator", "other_mediator",
    "bank", "other_bank", "regulator", "station", "party", "stranger",
    "token:bank", "token:other_bank",
]  # fmt: skip

# Which of the world's cases each role may see (see tests/support/world.py).
ALL = {"bank", "other_bank", "station", "other_court"}
VISIBLE: dict[str, set[str]] = {
    "anonymous": set(),
    "admin": ALL,
    "clerk": {"bank", "other_bank", "station"},
    "judge": {"bank", "other_bank", "station"},
    "other_judge": {"other_court"},
    "mediator": {"bank"},
    "other_mediator": set(),
    "bank": {"bank", "other_court"},
    "other_bank": {"other_bank", "station"},
    "regulator": set(),
    "station": {"station"},
    "party": {"bank", "other_bank"},
    "stranger": set(),
    "token:bank": {"bank", "other_court"},
    "token:other_bank": {"other_bank", "station"},
}
PERSONAL_DATA_ROLES = {r for r in ROLES if r not in ("anonymous", "regulator")}


STATS = frozenset({"admin", "regulator", "clerk", "judge", "other_judge"})
POLICY: dict[str, Rule] = {
    "set_language": Rule(method="POST", public=True, data={"language": "en", "next": "/"}),
    "login": Rule(public=True),
    "logout": Rule(method="POST", public=True),
    "password_change": Rule(),
    "password_change_done": Rule(),
    # Regulators land on the dashboard, parties on their own cases with the next step.
    "home": Rule(redirects=frozenset({"regulator", "party", "stranger"})),
    "case-detail": Rule(case=True),
    "case-transition": Rule(method="POST", case=True, data={"code": "no-such-step"}),
    "party-reveal": Rule(method="POST", case=True, ok=200),
    # The world has no attachments: a visible case answers 404 for attachment 0 (downloads: cases/tests).
    "case-attachment": Rule(case=True, ok=404),
    # A relative's authorisation: the family, the center, the court's staff and mediators of the case; its
    # answer differs by case (two of the world's cases have one) and by role among those who see the case
    # (the bank 403), so the walk only bounds it; every role, case by case: intake/tests/test_authorisations.py.
    "case-party-authorisation": Rule(case=True, public=True, status=frozenset({200, 302, 403, 404})),
    "authorisation-document": Rule(public=True, status=frozenset({302, 403, 404})),  # no authorisation 0
    "api-1:openapi-json": Rule(public=True, web=False),
    "api-1:openapi-view": Rule(public=True, web=False),
    "api-1:api-root": Rule(public=True, web=False, status=frozenset({404})),
    "api-1:me": Rule(web=False),
    "api-1:cases_list": Rule(web=False),
    "api-1:cases_by_number": Rule(web=False, case=True),
    "api-1:cases_detail": Rule(web=False, case=True),
    "api-1:cases_status": Rule(web=False, case=True),
    "api-1:cases_transition": Rule(method="POST", web=False, case=True, data={"code": "no-such-step"}),
    "api-1:stats_overview": Rule(web=False, roles=STATS),
    # Intake (xietong/intake): parties apply; clerks at the counter; station agents for villagers.
    "intake-apply": Rule(roles=frozenset({"party", "stranger"})),
    "intake-apply-relative": Rule(roles=frozenset({"party", "stranger"})),
    "intake-counter": Rule(roles=frozenset({"admin", "clerk"})),
    "intake-station": Rule(roles=frozenset({"station"})),
    "intake-register": Rule(public=True),  # logged-in users are sent home
    "intake-claim": Rule(public=True),  # staff are sent home
    "api-1:disputes_create": Rule(  # institutions' API clients only: each files one dispute here
        method="POST",
        web=False,
        roles=frozenset({"token:bank", "token:other_bank"}),
        data={
            "respondent": {"name": "邱某某", "id_number": "350802199203070015", "phone": "+6281234567890"},
            "product": "credit_card",
            "principal": "1,000.00",
        },
    ),
    "api-1:disputes_detail": Rule(web=False, case=True),
    # Triage (xietong/triage): worklists for the center and the courts; overrides by the center and clerks.
    "worklists": Rule(roles=frozenset({"admin", "clerk", "judge", "other_judge"})),
    "worklist-assign": Rule(method="POST", roles=frozenset({"admin", "clerk"})),  # empty form: 200 with errors
    "triage-override": Rule(method="POST", case=True, roles=frozenset({"admin", "clerk"}), data={"reason": ""}),
    "api-1:triage_case": Rule(web=False, case=True),
    # Pre-filing lookup (xietong/lookup): center and court only; opening cases: center and clerks.
    "lookup": Rule(roles=frozenset({"admin", "clerk", "judge", "other_judge"})),
    "lookup-open": Rule(method="POST", roles=frozenset({"admin", "clerk"})),
    "my-cases": Rule(roles=frozenset({"party", "stranger"})),
    "my-lookup": Rule(roles=frozenset({"party", "stranger"})),
    "status-check": Rule(public=True, status=frozenset({200})),
    # Outreach (xietong/outreach): everybody reads; station agents and the center write. The walk
    # fills <pk> with 0, no article: anonymous → login, other roles 403, authors 404 (per-role checks
    # with real articles are in xietong/outreach/tests/test_views.py).
    "learn": Rule(public=True, status=frozenset({200})),
    "learn-station": Rule(public=True, status=frozenset({404})),
    "learn-article": Rule(public=True, status=frozenset({404})),
    "learn-new": Rule(roles=frozenset({"admin", "station"})),
    "learn-mine": Rule(roles=frozenset({"admin", "station"})),
    "learn-edit": Rule(public=True, status=frozenset({302, 403, 404})),
    "learn-publish": Rule(method="POST", public=True, status=frozenset({302, 403, 404})),
    "learn-withdraw": Rule(method="POST", public=True, status=frozenset({302, 403, 404})),
    # Batches (xietong/batches): institution operators for their own institution, the center admin for any.
    # The walk fills <pk> with 0, no batch: 404 for them, 403 for other roles (per-role checks with
    # real batches, another bank's 404 included, are in xietong/batches/tests/test_upload.py).
    "batch-list": Rule(roles=frozenset({"admin", "bank", "other_bank"})),
    "batch-upload": Rule(roles=frozenset({"admin", "bank", "other_bank"})),
    "batch-template": Rule(roles=frozenset({"admin", "bank", "other_bank"})),
    "batch-detail": Rule(public=True, status=frozenset({302, 403, 404})),
    "batch-errors": Rule(public=True, status=frozenset({302, 403, 404})),
    "batch-mapping": Rule(public=True, status=frozenset({302, 403, 404})),
    "batch-import": Rule(method="POST", public=True, status=frozenset({302, 403, 404})),
    "api-1:lookup_person": Rule(web=False, roles=frozenset({"admin", "clerk", "judge", "other_judge"})),
    "api-1:lookup_status_code": Rule(
        method="POST", public=True, web=False, data={"number": "nope"}, status=frozenset({202})
    ),
    "api-1:lookup_status_verify": Rule(
        method="POST", public=True, web=False, data={"number": "nope", "code": "000000"}, status=frozenset({400})
    ),
    # Webhooks (xietong/webhooks): institution operators (their own) and the center. The walk fills
    # <pk> with 0, no endpoint: managers 404, other roles 403 (per-role checks with real endpoints
    # and deliveries are in xietong/webhooks/tests/test_views_api.py).
    "webhooks": Rule(roles=frozenset({"admin", "bank", "other_bank"})),
    "webhook-deliveries": Rule(public=True, status=frozenset({302, 403, 404})),
    "webhook-delete": Rule(method="POST", public=True, status=frozenset({302, 403, 404})),
    "webhook-replay": Rule(method="POST", public=True, status=frozenset({302, 403, 404})),
    "api-1:webhooks_list": Rule(
        web=False, roles=frozenset({"admin", "bank", "other_bank", "token:bank", "token:other_bank"})
    ),
    "api-1:webhooks_create": Rule(
        method="POST", public=True, web=False, data={"url": "ftp://nope"}, status=frozenset({400, 401, 403})
    ),
    "api-1:webhooks_detail": Rule(public=True, web=False, status=frozenset({401, 403, 404})),
    "api-1:webhooks_delete": Rule(public=True, web=False, status=frozenset({401, 403, 404})),
    "api-1:webhooks_deliveries": Rule(public=True, web=False, status=frozenset({401, 403, 404})),
    "api-1:webhooks_replay": Rule(method="POST", public=True, web=False, status=frozenset({401, 403, 404})),
}
# The newer apps keep their routes' rules beside this file, one module each (tests/policies/<app>.py).
for _name, _rule in app_policies().items():
    assert _name not in POLICY, f"route {_name} has two policies"
    POLICY[_name] = _rule


def walk(patterns, prefix="", ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""))
        elif isinstance(p, URLPattern):
            yield ns + str(p.name), prefix + str(p.pattern)


def fill(route: str, case, party) -> str:
    url = re.sub(r"<(?:int:)?(pk|case_id)>", str(case.pk) if case else "0", route)
    url = url.replace("<int:party_pk>", str(party.pk) if party else "0").replace("<str:what>", "id")
    url = url.replace("<int:attachment_pk>", "0")
    url = url.replace("<id_number>", "110101199003070011")  # valid, on file for nobody (lookup)
    # Any other parameter: no such object (0, or a token that matches nothing).
    url = re.sub(r"<int:\w+>", "0", url)
    url = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", url)
    url = re.sub(r"<(?:str|slug):\w+>|<\w+>", "nothing", url)
    return "/" + url


def client_for(world, role: str) -> Client:
    """A new client of this role (a login of its own: a session the walk's requests may change)."""
    c = Client()
    if role.startswith("token:"):
        token = world.api_token if role == "token:bank" else world.other_api_token
        c.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    elif role != "anonymous":
        c.force_login(world.users[role])
    return c


def _cookies(client: Client) -> dict[str, str]:
    return {k: v.value for k, v in client.cookies.items() if k != "csrftoken"}


class Clients:
    """One client per role, reused while its cookies stay as its login left them (a login costs more than
    most pages); a request that changes them (logout, a language, a session rotated) retires the client."""

    def __init__(self, world) -> None:
        self.world = world
        self._clients: dict[str, tuple[Client, dict[str, str]]] = {}

    def get(self, role: str) -> Client:
        held = self._clients.get(role)
        if held is None or _cookies(held[0]) != held[1]:
            client = client_for(self.world, role)
            held = self._clients[role] = (client, _cookies(client))
        return held[0]


def expected(rule: Rule, role: str, case_key: str | None) -> set[int]:
    is_token = role.startswith("token:")
    if rule.public:
        return set(rule.status)
    if role == "anonymous" or (is_token and rule.web):
        return {302} if rule.web else {401}
    if role in rule.redirects:
        return {302}
    if rule.roles is not None and role not in rule.roles:
        return {403}
    if not rule.case:
        return {200}
    if role == "regulator":
        return {403} if rule.web else {404}
    if case_key not in VISIBLE[role]:
        return {404}
    if rule.ok is not None:
        return {rule.ok}
    if rule.method == "POST":
        return {302} if rule.web else {400}
    return {200}


@pytest.mark.django_db
def test_every_route_as_every_role(world):
    routes = list(walk(get_resolver().url_patterns))
    unknown = [name for name, _ in routes if name not in POLICY]
    assert not unknown, f"routes without a permission policy: {unknown}"

    all_ids = {p.id_number for p in world.persons.values()}
    all_phones = {p.phone for p in world.persons.values() if p.phone}
    failures = []
    clients = Clients(world)
    first_party = {key: case.parties.filter(person__isnull=False).first() for key, case in world.cases.items()}
    for role in ROLES:
        visible_ids = {
            cp.person.id_number
            for key in VISIBLE[role]
            for cp in world.cases[key].parties.filter(person__isnull=False).select_related("person")
        }
        for name, route in routes:
            rule = POLICY[name]
            targets = list(world.cases.items()) if rule.case else [(None, None)]
            for key, case in targets:
                party = first_party[key] if case else None
                url = fill(route, case, party)
                client = clients.get(role)
                kwargs = {}
                if name == "api-1:cases_by_number":
                    url += f"?number={case.number}"
                if rule.method == "POST":
                    if rule.web:
                        resp = client.post(url, rule.data or {})
                    else:
                        resp = client.post(url, rule.data or {}, content_type="application/json")
                else:
                    resp = client.get(url, **kwargs)
                want = expected(rule, role, key)
                if rule.web and "script-src 'self'" not in resp.get("Content-Security-Policy", ""):
                    failures.append(f"{role} {url} ({name}): no Content-Security-Policy")
                if resp.status_code not in want:
                    failures.append(f"{role} {rule.method} {url} ({name}): {resp.status_code}, expected {sorted(want)}")
                    continue
                body = resp.content.decode("utf-8", "replace")
                leaked = {i for i in all_ids if i in body} - (visible_ids if name == "party-reveal" else set())
                if leaked:
                    failures.append(f"{role} {url}: full ID number in the page: {sorted(leaked)}")
                if role not in PERSONAL_DATA_ROLES or name != "party-reveal":
                    leaked_phones = {p for p in all_phones if p in body}
                    if leaked_phones:
                        failures.append(f"{role} {url}: full phone number in the page")
                if name == "api-1:cases_list" and resp.status_code == 200:
                    seen = {c["number"] for c in resp.json()["items"]}
                    want_numbers = {world.cases[k].number for k in VISIBLE[role]}
                    if seen != want_numbers:
                        failures.append(f"{role} sees {sorted(seen)} in the API list, expected {sorted(want_numbers)}")
                if name == "home" and resp.status_code == 200:
                    for k, c in world.cases.items():
                        if (c.number in body) != (k in VISIBLE[role]):
                            failures.append(f"{role} home page: case {k} shown={c.number in body}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_back_office_is_for_the_center_admin_only(world):
    for role in ROLES:
        if role.startswith("token:"):
            continue
        resp = client_for(world, role).get("/admin/")
        if role == "admin":
            assert resp.status_code == 200, role
        else:
            assert resp.status_code == 302 and "/admin/login/" in resp["Location"], role


# The menu each role sees (xietong/templates/base.html), written out by hand: every link opens for the
# role (no 403), and no page the role works with is missing from it.
_COURT = {
    "home",
    "worklists",
    "judiciary-worklist",
    "lookup",
    "repayment-worklist",
    "service-failures",
    "risk-warnings",
    "suggestion-list",
    "dashboard",
}
_BANK = {
    "home", "repayment-worklist", "batch-list", "webhooks", "api-clients", "service-failures", "risk-warnings",
    "suggestion-list", "dashboard",
}  # fmt: skip
_PARTY = {"my-cases", "my-repayments", "intake-apply", "intake-apply-relative", "my-lookup"}
MENU: dict[str, set[str]] = {
    "admin": _COURT | {"mediation-pool", "intake-counter", "batch-list", "webhooks", "api-clients", "learn-new", "admin:index"},
    "clerk": _COURT | {"mediation-pool", "intake-counter"},
    "judge": _COURT,
    "other_judge": _COURT,
    "mediator": {"home", "mediation-my", "repayment-worklist", "dashboard"},
    "other_mediator": {"home", "mediation-my", "repayment-worklist", "dashboard"},
    "bank": _BANK,
    "other_bank": _BANK,
    "regulator": {"service-failures", "risk-warnings", "suggestion-list", "dashboard"},
    "station": {"home", "intake-station", "learn-new"},
    "party": _PARTY,
    "stranger": _PARTY,
}  # fmt: skip
NAV = re.compile(r'<nav class="topnav">(.*?)</nav>', re.S)


@pytest.mark.django_db
def test_the_menu_links_only_to_pages_the_role_may_open(world):
    from django.urls import resolve

    failures = []
    for role, want in MENU.items():
        client = client_for(world, role)
        nav = NAV.search(client.get("/learn/").content.decode())
        assert nav is not None, role
        hrefs = set(re.findall(r'<a href="([^"]+)"', nav.group(1)))
        names = {resolve(h).view_name for h in hrefs} - {"password_change"}
        if names != want:
            failures.append(f"{role}: menu {sorted(names)}, expected {sorted(want)}")
        for href in sorted(hrefs):
            status = client.get(href).status_code
            if status != 200:
                failures.append(f"{role}: menu link {href} answers {status}")
    assert not failures, "\n".join(failures)
