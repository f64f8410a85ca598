"""Every metric the alerts and the dashboard name (deploy/k8s/base/monitoring/)
is one the running platform exports: scraped from each service's /metrics
(its nameko HTTP port) and the gateway's (the port of gunicorn's master),
as Prometheus scrapes them through podmonitor.yaml. And the figures the
alerts stand on are measured, not only declared: each service counts its
consumers' queues and dead-letter queues, supervision's period close reports
its runs, the relays their backlog, the gateway its requests and calls."""
import uuid

import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.queue_gauge import queues_of
from tests import monitoring as mon
from tests.e2e.conftest import admin, eventually
from tools.platform import SERVICE_CLASSES


def scrape(url):
    """({sample names the families declare}, [(sample name, labels)] present)."""
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    declared, present = set(), []
    for family in text_string_to_metric_families(response.text):
        declared |= mon.sample_names(family.name, family.type)
        for sample in family.samples:
            declared.add(sample.name)
            present.append((sample.name, sample.labels))
    return declared, present


def scrape_all(platform):
    targets = {"gateway": platform.metrics_url}
    targets.update({name: f"http://127.0.0.1:{platform.service_port(name)}/metrics"
                    for name in SERVICE_CLASSES})
    return {name: scrape(url) for name, url in targets.items()}


def has(present, name, **labels):
    return any(n == name and all(got.get(k) == v for k, v in labels.items())
               for n, got in present)


def test_every_metric_the_alerts_and_dashboard_name_is_scraped_from_the_platform(platform):
    client = admin(platform)
    client.create_org(f"市指标{uuid.uuid4().hex[:6]}", "CITY")       # an RPC, an event
    refused = client.post("query($id: ID!) { organization(id: $id) { id } }",
                          {"id": "x\x00"})                          # refused: a NUL
    assert refused.status_code == 200 and refused.json()["data"] is None

    used = mon.used_names()
    wanted = set(used) - mon.PROMETHEUS_SERIES
    assert wanted and all(n.startswith("xianfeng_") for n in wanted), sorted(wanted)

    def check():
        scraped = scrape_all(platform)
        declared = set().union(*[d for d, _ in scraped.values()])
        missing = {name: used[name] for name in wanted - declared}
        assert not missing, f"named by the monitoring, absent from every scrape: {missing}"

        gateway = scraped["gateway"][1]
        assert has(gateway, "xianfeng_http_request_duration_seconds_count", path="/graphql")
        assert has(gateway, "xianfeng_gateway_rpc_duration_seconds_bucket",
                   service="organization")
        assert has(gateway, "xianfeng_gateway_refused_total", reason="text")
        assert has(scraped["supervision"][1], "xianfeng_sweep_last_success_timestamp_seconds",
                   service="supervision", sweep="auto_close")
        assert has(scraped["organization"][1], "xianfeng_outbox_backlog",
                   service="organization")
        for service in SERVICE_CLASSES:
            present = scraped[service][1]
            for queue, kind in queues_of(service):
                assert has(present, "xianfeng_queue_messages", service=service, queue=queue,
                           kind=kind), f"{service} does not count {queue}"
        return scraped

    eventually(check, timeout=30, interval=0.5,
               what="every name of the alerts and the dashboard on the platform's /metrics")
