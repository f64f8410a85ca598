"""The monitoring of deploy/k8s/base/monitoring/, checked offline: the alerts
parse and pass their promtool unit tests (which can fail), the dashboard's
queries parse, every metric they name is one shared/metrics.py exports
(with its labels), each alert has its runbook section, and the
kustomization ships the dashboard in a ConfigMap Grafana's sidecar loads.
promtool comes with Debian's `prometheus` package (scripts/bootstrap.sh)."""
import json
import re
import shutil

import pytest
import yaml

from tests import monitoring as mon
from tests.kube import render

ALERTS = {"XianfengOutboxBacklogGrowing", "XianfengDeadLetters", "XianfengConsumerLag",
          "XianfengGatewayErrors", "XianfengRpcSlow", "XianfengPeriodCloseNotRun",
          "XianfengServiceDown"}


def run_rule_tests(folder, groups=None):
    mon.write_rules(folder, groups)
    tests = sorted(mon.RULES_TESTS.glob("*.yaml"))
    assert tests, f"no promtool test files in {mon.RULES_TESTS}"
    for test in tests:
        shutil.copy(test, folder / test.name)
    return mon.promtool("test", "rules", *[t.name for t in tests], cwd=folder)


def test_the_alerts_pass_promtool_check_rules(tmp_path):
    result = mon.promtool("check", "rules", str(mon.write_rules(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in result.stdout


def test_the_dashboard_queries_parse_as_recording_rules(tmp_path):
    exprs = mon.dashboard_exprs()
    assert len(exprs) >= 15
    for title, ref, expr in exprs:
        assert "$" not in expr, f"panel {title!r} {ref}: a Grafana variable promtool " \
                                f"cannot read (add it to GRAFANA_VARIABLES): {expr}"
    rules = mon.write_rules(tmp_path, mon.dashboard_as_rules())
    result = mon.promtool("check", "rules", str(rules))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in result.stdout


def test_promtool_check_refuses_a_broken_expression(tmp_path):
    """The two checks above can fail."""
    broken = {"groups": [{"name": "x", "rules": [
        {"record": "x:y", "expr": "sum by (service (xianfeng_outbox_backlog)"}]}]}
    result = mon.promtool("check", "rules", str(mon.write_rules(tmp_path, broken)))
    assert result.returncode != 0


def test_the_alerts_pass_their_promtool_unit_tests(tmp_path):
    result = run_rule_tests(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout + result.stderr


def test_the_unit_tests_cover_every_alert_with_a_firing_case():
    firing, quiet = set(), set()
    for path in mon.RULES_TESTS.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        assert doc["rule_files"] == [mon.RULES_FILE], path
        for test in doc["tests"]:
            for case in test.get("alert_rule_test", []):
                (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    assert firing == ALERTS
    assert {"XianfengDeadLetters", "XianfengOutboxBacklogGrowing"} <= quiet


def _threshold_one(rule):
    rule["expr"] = rule["expr"].replace(") > 0", ") > 1")   # one dead letter no longer fires


def _sooner(rule):
    rule["for"] = "1m"                                        # fires before 5 minutes of growth


def _any_backlog(rule):
    rule["expr"] = rule["expr"].split("and")[0]               # a steady backlog would fire


@pytest.mark.parametrize("alert, change", [
    ("XianfengDeadLetters", _threshold_one),
    ("XianfengOutboxBacklogGrowing", _sooner),
    ("XianfengOutboxBacklogGrowing", _any_backlog),
])
def test_the_unit_tests_catch_a_changed_alert(tmp_path, alert, change):
    """The DLQ and outbox tests fail when their alert changes meaning."""
    groups = mon.rule_groups()
    rule, = [r for g in groups["groups"] for r in g["rules"] if r.get("alert") == alert]
    before = dict(rule)
    change(rule)
    assert rule != before, f"{change.__name__} changes nothing in {alert}"
    result = run_rule_tests(tmp_path, groups)
    assert result.returncode != 0
    assert f"alertname: {alert}" in result.stdout + result.stderr


def test_seven_alerts_each_with_severity_summary_description_and_runbook_section():
    runbook = mon.RUNBOOK.read_text()
    sections = re.findall(r"^## (\S+)\n(.*?)(?=^## |\Z)", runbook, re.S | re.M)
    assert {name for name, _ in sections} == ALERTS
    for name, body in sections:
        assert "**Look at.**" in body and "**Do.**" in body, name
    rules = mon.alerts()
    assert {a["alert"] for a in rules} == ALERTS
    for a in rules:
        assert a["labels"]["severity"] in ("warning", "critical"), a["alert"]
        assert {"summary", "description", "runbook_url"} <= set(a["annotations"]), a["alert"]
        url = a["annotations"]["runbook_url"]
        assert url.endswith(f"deploy/k8s/RUNBOOK.md#{a['alert'].lower()}"), url


def test_every_metric_named_is_one_the_platform_exports_with_those_labels():
    exported = mon.exported()
    for where, expr in mon.all_exprs():
        for name, labels in mon.selectors(expr):
            assert name, f"{where}: a selector without a metric name: {expr}"
            if name in mon.PROMETHEUS_SERIES:
                known = mon.TARGET_LABELS
            else:
                assert name in exported, \
                    f"{where}: {name} is not exported by shared/metrics.py"
                known = exported[name] | mon.TARGET_LABELS
            assert set(labels) <= known, f"{where}: {name} has no label " \
                                         f"{sorted(set(labels) - known)}"
        names = mon.metric_names(expr)
        known = set().union(*[exported.get(n, mon.TARGET_LABELS) for n in names]) \
            | mon.TARGET_LABELS
        assert set(mon.grouping_labels(expr)) <= known, \
            f"{where}: groups by a label none of {sorted(names)} has"


def test_the_name_check_sees_an_unknown_metric():
    assert mon.metric_names(
        'sum by (queue) (rate(xianfeng_dlq_depth{kind="x"}[5m])) / on(queue) other_metric '
        'and time() - 1e3 > 0.5') == {"xianfeng_dlq_depth", "other_metric"}
    assert "xianfeng_dlq_depth" not in mon.exported()


def test_the_dashboard_has_the_panels_the_issue_lists():
    used = {}
    for panel in mon.dashboard_panels():
        for target in panel.get("targets", []):
            used.setdefault(panel["title"], set()).update(mon.metric_names(target["expr"]))
    everything = set().union(*used.values())
    for name in ("xianfeng_http_request_duration_seconds_count",    # request rate, errors
                 "xianfeng_gateway_rpc_duration_seconds_bucket",    # latency per operation
                 "xianfeng_gateway_rpc_duration_seconds_count",     # calls, errors per operation
                 "xianfeng_events_handled_total",                   # events per type
                 "xianfeng_outbox_backlog", "xianfeng_queue_messages", "xianfeng_quotas"):
        assert name in everything, name
    quota_panels = [t for t, names in used.items() if "xianfeng_quotas" in names]
    for panel in mon.dashboard_panels():
        if panel["title"] in quota_panels:
            assert all("bureau" in mon.grouping_labels(t["expr"]) for t in panel["targets"])
    ids = [p["id"] for p in mon.dashboard_panels()]
    assert len(ids) == len(set(ids))
    assert mon.dashboard()["uid"] == "xianfeng"


def render_monitoring():
    return render(mon.MONITORING)


def test_the_kustomization_ships_the_monitors_rules_and_dashboard_for_the_sidecar():
    objects = {(o["kind"], o["metadata"]["name"]): o for o in render_monitoring()}
    assert set(objects) == {("PodMonitor", "xianfeng"), ("PrometheusRule", "xianfeng"),
                            ("ConfigMap", "xianfeng-grafana-dashboard")}
    config_map = objects["ConfigMap", "xianfeng-grafana-dashboard"]
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(config_map["data"]["xianfeng.json"]) == mon.dashboard()
    assert objects["PrometheusRule", "xianfeng"]["spec"] == mon.rule_groups()

    monitor = objects["PodMonitor", "xianfeng"]["spec"]
    assert monitor["jobLabel"] == "app.kubernetes.io/name"
    assert monitor["selector"]["matchLabels"] == {"app.kubernetes.io/name": "xianfeng"}
    components = set(monitor["selector"]["matchExpressions"][0]["values"])
    assert [e["port"] for e in monitor["podMetricsEndpoints"]] == ["metrics"]
    relabel, = monitor["podMetricsEndpoints"][0]["relabelings"]
    assert relabel["targetLabel"] == "component"
    # every component the alerts expect is scraped, and every one scraped is expected
    down = next(a for a in mon.alerts() if a["alert"] == "XianfengServiceDown")
    assert set(re.findall(r'component="(\w+)"', down["expr"])) == components

    from tools.platform import SERVICE_CLASSES
    assert components == set(SERVICE_CLASSES) | {"gateway"}
