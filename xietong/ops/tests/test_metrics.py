import pytest
from django.conf import settings
from django.test import override_settings

from xietong.ops.tests.sample_tasks import count_me

WITH_METRICS = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    *settings.MIDDLEWARE,
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]


@override_settings(XIETONG_METRICS=False)
def test_metrics_are_not_served_when_off(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
@override_settings(XIETONG_METRICS=True, MIDDLEWARE=WITH_METRICS)
def test_metrics_count_requests_latency_and_the_queue_when_on(client):
    count_me.enqueue()
    count_me.enqueue()
    assert client.get("/healthz").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_total_by_view_transport_method_total" in text
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert "xietong_tasks_ready 2.0" in text
    assert "xietong_tasks_failed_24h 0.0" in text
    assert "xietong_imports_running 0.0" in text
