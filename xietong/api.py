"""The platform's API, version 1: /api/v1/ with its OpenAPI document at /api/v1/openapi.json."""

from ninja import NinjaAPI, Swagger

from xietong.accounts.api import router as accounts_router
from xietong.agreements.api import router as agreements_router
from xietong.batches.api import router as batches_router
from xietong.cases.api import router as cases_router
from xietong.cases.api import stats_router
from xietong.core.api import ActiveSessionAuth, TokenAuth, install_error_handlers
from xietong.intake.api import router as intake_router
from xietong.judiciary.api import router as judiciary_router
from xietong.lookup.api import router as lookup_router
from xietong.mediation.api import router as mediation_router
from xietong.repayment.api import files_router as repayment_files_router
from xietong.repayment.api import router as repayment_router
from xietong.risk.api import router as risk_router
from xietong.service.api import router as service_router
from xietong.stats.api import router as stats_dashboard_router
from xietong.suggestions.api import router as suggestions_router
from xietong.triage.api import router as triage_router
from xietong.webhooks.api import router as webhooks_router

api = NinjaAPI(
    title="Xietong API",
    version="1.0.0",
    description=(
        "API of the Xietong financial dispute center. Institutions authenticate with "
        "`Authorization: Bearer <token>`; every response is scoped to the caller's institution. "
        'Errors always have the form `{"error": {"code", "message", "details"}}`.'
    ),
    auth=[TokenAuth(), ActiveSessionAuth()],
    docs=Swagger(settings={"persistAuthorization": True}),
    urls_namespace="api-1",
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/cases", cases_router)
api.add_router("/stats", stats_router)
api.add_router("/stats", stats_dashboard_router)
api.add_router("/triage", triage_router)
api.add_router("/disputes", intake_router)
api.add_router("/lookup", lookup_router)
api.add_router("/batches", batches_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("/mediation", mediation_router)
api.add_router("/agreements", agreements_router)
api.add_router("/judiciary", judiciary_router)
api.add_router("/service", service_router)
api.add_router("/cases", repayment_router)
api.add_router("/repayment", repayment_files_router)
api.add_router("/risk", risk_router)
api.add_router("/suggestions", suggestions_router)
