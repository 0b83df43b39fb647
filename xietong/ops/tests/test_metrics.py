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


@pytest.mark.django_db
@override_settings(XIETONG_METRICS=True, MIDDLEWARE=WITH_METRICS)
def test_with_several_processes_the_gauges_are_served_beside_every_process_s_counters(client, monkeypatch, tmp_path):
    """PROMETHEUS_MULTIPROC_DIR (several gunicorn processes): the files of all processes, and the gauges."""
    import subprocess
    import sys

    # Another process counts in the shared directory, as a second gunicorn worker would.
    other = "from prometheus_client import Counter; Counter('xietong_probe', 'probe').inc(3)"
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", other], env=env, check=True, timeout=60)
    assert list(tmp_path.glob("counter_*.db"))
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    count_me.enqueue()
    text = client.get("/metrics").content.decode()
    assert "xietong_probe_total 3.0" in text
    assert "xietong_tasks_ready 1.0" in text
    assert "xietong_imports_running 0.0" in text
    assert text.count("# TYPE xietong_tasks_ready gauge") == 1


@pytest.mark.django_db
def test_registering_the_gauges_runs_no_query(django_assert_num_queries):
    from prometheus_client.registry import CollectorRegistry

    from xietong.ops.metrics import QueueCollector

    with django_assert_num_queries(0):
        CollectorRegistry().register(QueueCollector())
