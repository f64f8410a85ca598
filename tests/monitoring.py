"""What the monitoring tests share: the alerts and the dashboard of
deploy/k8s/base/monitoring/, their PromQL expressions, the metric names
those expressions use, and promtool (tests/unit/test_monitoring.py checks
them offline, tests/e2e/test_metric_names.py against a running platform)."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MONITORING = ROOT / "deploy" / "k8s" / "base" / "monitoring"
RULE = MONITORING / "prometheusrule.yaml"
DASHBOARD = MONITORING / "dashboards" / "xianfeng.json"
RULES_TESTS = ROOT / "deploy" / "prometheus" / "rules-tests"
RUNBOOK = ROOT / "deploy" / "k8s" / "RUNBOOK.md"
RULES_FILE = "xianfeng.rules.yaml"  # the name the rules-tests files load

# Series Prometheus makes itself, not the platform: one per scrape target.
PROMETHEUS_SERIES = {"up"}
# Labels a series gets from its scrape (podmonitor.yaml), beside its own.
TARGET_LABELS = {"job", "component", "pod", "namespace", "instance", "container", "endpoint"}

# Grafana's variables in the dashboard, as promtool sees them.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}

INSTALL_HINT = ("promtool is missing: `make bootstrap` (scripts/bootstrap.sh) installs it, "
                "or as root `apt-get install -y prometheus` (Debian's package has promtool)")


def promtool(*args, cwd=None):
    """Run promtool; fail (never skip) when it is not installed."""
    exe = shutil.which("promtool")
    assert exe, INSTALL_HINT
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def rule_groups():
    """The PrometheusRule's groups: what a Prometheus rules file holds."""
    return yaml.safe_load(RULE.read_text())["spec"]


def alerts():
    return [r for g in rule_groups()["groups"] for r in g["rules"] if "alert" in r]


def dashboard():
    return json.loads(DASHBOARD.read_text())


def dashboard_panels():
    out = []
    for panel in dashboard()["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))  # a collapsed row holds its panels
    return out


def dashboard_exprs():
    """[(panel title, refId, expression with Grafana's variables replaced)]."""
    found = []
    for panel in dashboard_panels():
        for target in panel.get("targets", []):
            expr = target["expr"]
            for name, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(name, value)
            found.append((panel["title"], target["refId"], expr))
    return found


def dashboard_as_rules():
    """The dashboard's expressions wrapped as recording rules, for promtool."""
    rules = [{"record": f"dashboard:panel{i}:{ref.lower()}", "expr": expr}
             for i, (_, ref, expr) in enumerate(dashboard_exprs())]
    return {"groups": [{"name": "xianfeng-dashboard", "rules": rules}]}


def write_rules(folder, groups=None):
    path = Path(folder) / RULES_FILE
    path.write_text(yaml.safe_dump(groups if groups is not None else rule_groups(),
                                   sort_keys=False, allow_unicode=True))
    return path


def all_exprs():
    """[(where, expression)] of every alert and dashboard query."""
    return ([(f"alert {a['alert']}", a["expr"]) for a in alerts()] +
            [(f"panel {title!r} {ref}", expr) for title, ref, expr in dashboard_exprs()])


# ---- the metric names an expression uses --------------------------------
_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
             "group_right", "bool", "offset", "inf", "nan"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_MATCHER = re.compile(r"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*\"(?:[^\"\\]|\\.)*\"\s*,?")


def selectors(expr):
    """[(metric name, [label names matched])] of every vector selector."""
    out = []
    masked = _RANGE.sub(" ", _GROUPING.sub(" ", expr))

    def take_selector(match):
        labels = []
        body = match.group(2)
        pos = 0
        while pos < len(body):
            m = _MATCHER.match(body, pos)
            assert m, f"cannot read the label matchers {{{body}}} in: {expr}"
            labels.append(m.group(1))
            pos = m.end()
            if not body[pos:].strip():
                break
        out.append((match.group(1), labels))
        return " "

    masked = _SELECTOR.sub(take_selector, masked)
    masked = _STRING.sub(" ", masked)
    for m in _NAME.finditer(masked):
        name = m.group(0)
        after = masked[m.end():].lstrip()
        if after.startswith("(") or name.lower() in _KEYWORDS:
            continue  # a function or an operator
        if m.start() > 0 and (masked[m.start() - 1].isdigit() or masked[m.start() - 1] == "."):
            continue  # the unit of a number (1e3) or a duration
        out.append((name, []))
    return out


def grouping_labels(expr):
    """The label names of every by/without/on/ignoring clause."""
    masked = _STRING.sub('""', expr)
    return [label.strip() for m in _GROUPING.finditer(masked)
            for label in m.group(2).split(",") if label.strip()]


def metric_names(expr):
    return {name for name, _ in selectors(expr) if name}


def used_names():
    """{metric name: [where it is used]} over the alerts and the dashboard."""
    used = {}
    for where, expr in all_exprs():
        for name in metric_names(expr):
            used.setdefault(name, []).append(where)
    return used


def sample_names(family_name, family_type):
    """The names of the samples a metric family of this type exposes."""
    if family_type == "counter":
        return {family_name + "_total", family_name + "_created"}
    if family_type == "histogram":
        return {family_name + s for s in ("_bucket", "_sum", "_count", "_created")}
    if family_type == "summary":
        return {family_name, family_name + "_sum", family_name + "_count", family_name + "_created"}
    return {family_name}


def exported():
    """{sample name: its label names} of every metric shared/metrics.py defines."""
    from prometheus_client.metrics import MetricWrapperBase

    from shared import metrics

    names = {}
    for collector in vars(metrics).values():
        if not isinstance(collector, MetricWrapperBase):
            continue
        for family in collector.describe():
            for name in sample_names(family.name, family.type):
                labels = set(collector._labelnames)
                if name.endswith("_bucket"):
                    labels.add("le")
                names[name] = labels
    return names
