"""The Kubernetes manifests in deploy/k8s, as an operator applies them: each
overlay under deploy/k8s/overlays rendered with `kubectl kustomize` (no
cluster needed). Current API versions only; one Deployment per service
running its exact class (plus the gateway); probes, limits, non-root and a
read-only root on every container; the broker's and each service's database
credentials read from the operators' Secrets and nothing secret committed;
the sizes each overlay promises; NetworkPolicies that let through what the
platform needs and nothing else; a base kustomization that lists every
manifest."""
import re

import pytest
import yaml
from sqlalchemy.engine import make_url

from shared import config
from tests.kube import render
from tools.platform import SERVICE_CLASSES

K8S = config.REPO_ROOT / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = K8S / "overlays"
DOCKERFILE = config.REPO_ROOT / "deploy" / "Dockerfile"
KUSTOMIZATION = BASE / "kustomization.yaml"
NAMESPACE = "xianfeng"
SECRET_NAME = "xianfeng-secrets"
BROKER = "xianfeng-rabbitmq"
BROKER_SECRET = "xianfeng-rabbitmq-default-user"
PG_CLUSTER = "xianfeng-pg"
CONFIGMAP_NAME = "xianfeng-config"
SERVICE_PORT = 8000
GATEWAY_PORT = 8080
GATEWAY_METRICS_PORT = 8081
INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"

ALLOWED = {
    ("v1", "Namespace"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("apps/v1", "Deployment"),
    ("policy/v1", "PodDisruptionBudget"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "Database"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
}
CLUSTER_SCOPED = {"Namespace"}
# What the overlays promise: (pods of each Deployment, broker nodes, PostgreSQL instances)
SIZES = {"single-node": (1, 1, 1), "city": (2, 3, 3)}
# The secret keys a container may read, by Secret: AUTH_SECRET (the gateway's),
# the broker's generated credentials, and a service's own database role.
BROKER_KEYS = {"username", "password", "host", "port"}
ROLE_KEYS = {"username", "password"}
# user:password@ inside a URL, e.g. amqp://guest:guest@host/ or postgresql://u:p@h/db
CREDENTIAL_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)
# $(VAR): a reference to another variable of the container, not a value
VARIABLE_REFERENCE = re.compile(r"\$\(\w+\)")
def overlay_names():
    return sorted(p.name for p in OVERLAYS.iterdir() if (p / "kustomization.yaml").is_file())


def manifest_files():
    """Every YAML file under deploy/k8s (base, overlays, monitoring, ...)."""
    return sorted(p for p in K8S.rglob("*") if p.suffix in (".yaml", ".yml"))


def base_manifests():
    return sorted(p for p in BASE.iterdir()
                  if p.suffix in (".yaml", ".yml") and p.name != KUSTOMIZATION.name)


def test_the_two_overlays_exist():
    assert set(SIZES) <= set(overlay_names()), overlay_names()


@pytest.fixture(scope="module")
def rendered():
    """{overlay: [(overlay, object), ...]} for every overlay, rendered once."""
    everything = {}
    for name in overlay_names():
        docs = render(OVERLAYS / name)
        assert docs, f"{name} renders nothing"
        everything[name] = [(name, doc) for doc in docs]
    return everything


@pytest.fixture(scope="module", params=overlay_names())
def overlay(request):
    return request.param


@pytest.fixture(scope="module")
def documents(rendered, overlay):
    return rendered[overlay]


@pytest.fixture(scope="module")
def deployments(documents):
    return deployments_of(documents)


def deployments_of(documents):
    found = {}
    for _, doc in documents:
        if doc.get("kind") == "Deployment":
            name = doc["metadata"]["name"]
            assert name not in found, f"two Deployments named {name}"
            found[name] = doc
    return found


def by_kind(documents, kind):
    return [doc for _, doc in documents if doc["kind"] == kind]


def the_one(documents, kind):
    (doc,) = by_kind(documents, kind)
    return doc


@pytest.fixture(scope="module")
def kustomization():
    return yaml.safe_load(KUSTOMIZATION.read_text())


def containers(deployment):
    return deployment["spec"]["template"]["spec"]["containers"]


def the_container(deployment):
    (container,) = containers(deployment)
    return container


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def walk(node, path=""):
    """Every (path, scalar) in a parsed YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}[{i}]")
    else:
        yield path, node


def resolved_env(container, secrets):
    """The container's environment as Kubernetes would set it: secret
    references looked up in ``secrets`` ({(name, key): value}), config map
    references left out, $(VAR) replaced by a variable defined ABOVE it (a
    later one is not expanded, as in Kubernetes)."""
    values = {}
    for entry in container.get("env", []):
        if "value" in entry:
            values[entry["name"]] = re.sub(
                r"\$\((\w+)\)", lambda m: values.get(m.group(1), m.group(0)), entry["value"])
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            values[entry["name"]] = secrets[(ref["name"], ref["key"])]
    return values


def test_every_document_uses_a_current_api(documents):
    for overlay, doc in documents:
        pair = (doc.get("apiVersion"), doc.get("kind"))
        assert pair in ALLOWED, f"{overlay}: {pair} is not one of the allowed current APIs"
        assert doc.get("metadata", {}).get("name"), f"{overlay}: a {pair[1]} without a name"


def test_everything_lives_in_the_namespace_with_the_common_labels(documents):
    for overlay, doc in documents:
        where = f"{overlay}: {doc['kind']} {doc['metadata']['name']}"
        if doc["kind"] not in CLUSTER_SCOPED:
            assert doc["metadata"].get("namespace") == NAMESPACE, f"{where} is not in {NAMESPACE}"
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "xianfeng", where


def test_names_are_unique_per_kind(documents):
    seen = set()
    for overlay, doc in documents:
        key = (doc["kind"], doc["metadata"]["name"])
        assert key not in seen, f"{overlay}: {key} is defined twice"
        seen.add(key)


def test_one_deployment_per_service_running_its_class(deployments):
    assert set(deployments) == set(SERVICE_CLASSES) | {"gateway"}
    for service, class_path in SERVICE_CLASSES.items():
        container = the_container(deployments[service])
        command = list(container.get("command", [])) + list(container.get("args", []))
        assert command[:2] == ["nameko", "run"], f"{service}: {command}"
        assert command[-1] == class_path, f"{service} runs {command[-1]}, not {class_path}"
        assert "--config" in command
        assert command[command.index("--config") + 1] == "/app/config.yaml"


def test_gateway_runs_gunicorn_gthread_on_8080(deployments):
    command = the_container(deployments["gateway"])["command"]
    assert command[0] == "gunicorn"
    assert command[-1] == "gateway.app:application"
    joined = " ".join(command)
    assert "--worker-class gthread" in joined
    assert "--config python:gateway.gunicorn_conf" in joined and "--workers" not in command
    env = env_of(the_container(deployments["gateway"]))
    assert int(env["XF_GATEWAY_WORKERS"]["value"]) >= 1
    assert env["PROMETHEUS_MULTIPROC_DIR"]["value"].startswith("/tmp/")
    assert f"--bind 0.0.0.0:{GATEWAY_PORT}" in joined


def test_gateway_threads_match_the_rpc_pool(deployments, documents):
    command = the_container(deployments["gateway"])["command"]
    threads = command[command.index("--threads") + 1]
    (configmap,) = [d for d in by_kind(documents, "ConfigMap")
                    if d["metadata"]["name"] == CONFIGMAP_NAME]
    assert configmap["data"]["XF_GATEWAY_THREADS"] == threads


def test_replicas(overlay, deployments):
    assert overlay in SIZES, f"say in SIZES what the overlay {overlay} promises"
    pods, _, _ = SIZES[overlay]
    for name, deployment in deployments.items():
        replicas = deployment["spec"].get("replicas", 1)
        if overlay == "city":
            assert replicas >= pods, f"{overlay}: {name} runs {replicas} pods"
        else:
            assert replicas == pods, f"{overlay}: {name} runs {replicas} pods"


def test_selectors_match_pod_labels(deployments):
    for name, deployment in deployments.items():
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector and selector.items() <= labels.items(), name


def test_every_container_has_probes_and_limits(deployments):
    for name, deployment in deployments.items():
        for container in containers(deployment):
            where = f"{name}/{container['name']}"
            for probe in ("readinessProbe", "livenessProbe"):
                assert container.get(probe), f"{where} has no {probe}"
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), \
                    f"{where} lacks cpu/memory {kind}"


def millicores(cpu):
    return float(cpu[:-1]) if str(cpu).endswith("m") else float(cpu) * 1000


def test_single_node_asks_for_little(rendered):
    for name, deployment in deployments_of(rendered["single-node"]).items():
        requests = the_container(deployment)["resources"]["requests"]
        assert millicores(requests["cpu"]) <= 100, f"single-node: {name} asks for {requests['cpu']}"


def test_services_serve_health_and_metrics_on_8000(deployments):
    for service in SERVICE_CLASSES:
        deployment = deployments[service]
        container = the_container(deployment)
        assert env_of(container)["WEB_SERVER_ADDRESS"]["value"] == f"0.0.0.0:{SERVICE_PORT}"
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports.get("metrics") == SERVICE_PORT, service
        for probe in ("readinessProbe", "livenessProbe"):
            get = container[probe]["httpGet"]
            assert get["path"] == "/healthz" and get["port"] in ("metrics", SERVICE_PORT), \
                f"{service} {probe}: {get}"
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations == {"prometheus.io/scrape": "true",
                               "prometheus.io/port": str(SERVICE_PORT),
                               "prometheus.io/path": "/metrics"}, service


def test_gateway_probes_and_scrape_annotations(deployments):
    deployment = deployments["gateway"]
    container = the_container(deployment)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert GATEWAY_PORT in ports.values()
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert ports["metrics"] == GATEWAY_METRICS_PORT
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    assert env["XF_METRICS_PORT"] == str(GATEWAY_METRICS_PORT)
    assert env["XF_METRICS_HOST"] == "0.0.0.0"
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(GATEWAY_METRICS_PORT)
    assert annotations["prometheus.io/path"] == "/metrics"


def test_pods_run_as_non_root_with_a_read_only_root(deployments):
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in containers(deployment):
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{name}: /tmp must be a writable volume"
            assert "emptyDir" in volumes[mounts["/tmp"]], name


def allowed_secret_keys(name):
    """{(Secret, key)} the container of Deployment ``name`` may read."""
    keys = {(BROKER_SECRET, key) for key in BROKER_KEYS}
    if name == "gateway":
        return keys | {(SECRET_NAME, "AUTH_SECRET")}
    return keys | {(f"{PG_CLUSTER}-{name}", key) for key in ROLE_KEYS}


def test_settings_come_from_the_configmap_and_secrets_from_secrets(deployments, documents):
    configmaps = {d["metadata"]["name"] for d in by_kind(documents, "ConfigMap")}
    assert CONFIGMAP_NAME in configmaps
    for name, deployment in deployments.items():
        container = the_container(deployment)
        refs = [e["configMapRef"]["name"] for e in container.get("envFrom", [])
                if "configMapRef" in e]
        assert refs == [CONFIGMAP_NAME], name
        assert not [e for e in container.get("envFrom", []) if "secretRef" in e], \
            f"{name}: a whole Secret in the environment; name the keys it needs"
        env = env_of(container)
        for var, entry in env.items():
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if re.search(r"PASSWORD|SECRET|USERNAME|_USER$", var):
                assert ref, f"{name}: {var} must come from a Secret reference"
            if ref:
                assert (ref["name"], ref["key"]) in allowed_secret_keys(name), \
                    f"{name}: may not read {ref['key']} of {ref['name']}"
        assert "AMQP_URI" in env, name
        if name in SERVICE_CLASSES:
            own = f"XF_{name.upper()}_DB_"
            others = {k for k in env if re.search(r"_DATABASE_URL$|_DB_", k)
                      and not k.startswith(own)}
            assert not others, f"{name} is given other services' databases: {others}"
    gateway_env = env_of(the_container(deployments["gateway"]))
    assert gateway_env["AUTH_SECRET"]["valueFrom"]["secretKeyRef"] == \
        {"name": SECRET_NAME, "key": "AUTH_SECRET"}
    assert not {k for k in gateway_env if "_DB_" in k or k.endswith("_DATABASE_URL")}


FAKE_PASSWORD = "p@ss:w/rd#1"


def fake_secrets():
    secrets = {(BROKER_SECRET, "username"): "broker-user",
               (BROKER_SECRET, "password"): "broker-pass_-X",
               (BROKER_SECRET, "host"): f"{BROKER}.{NAMESPACE}.svc",
               (BROKER_SECRET, "port"): "5672",
               (SECRET_NAME, "AUTH_SECRET"): "s"}
    for service in SERVICE_CLASSES:
        secrets[(f"{PG_CLUSTER}-{service}", "username")] = f"xf_{service}"
        secrets[(f"{PG_CLUSTER}-{service}", "password")] = FAKE_PASSWORD
    return secrets


def test_the_broker_uri_is_built_from_the_operators_secret(deployments):
    for name, deployment in deployments.items():
        env = resolved_env(the_container(deployment), fake_secrets())
        assert env["AMQP_URI"] == f"amqp://broker-user:broker-pass_-X@{BROKER}.{NAMESPACE}.svc:5672/", \
            f"{name}: AMQP_URI is {env['AMQP_URI']!r} (a $(VAR) must refer to a variable above it)"


def test_each_service_reaches_its_own_database(deployments, monkeypatch):
    for service in SERVICE_CLASSES:
        env = resolved_env(the_container(deployments[service]), fake_secrets())
        with monkeypatch.context() as patched:
            for var in env:
                patched.setenv(var, env[var])
            url = config.database_url(service)
        parsed = make_url(url)
        assert (parsed.drivername, parsed.username, parsed.password, parsed.host,
                parsed.port, parsed.database) == \
            ("postgresql", f"xf_{service}", FAKE_PASSWORD, f"{PG_CLUSTER}-rw", 5432, service), url


def test_timezone_is_shanghai(documents):
    (configmap,) = [d for d in by_kind(documents, "ConfigMap")
                    if d["metadata"]["name"] == CONFIGMAP_NAME]
    assert configmap["data"]["XF_TIMEZONE"] == "Asia/Shanghai"


def test_no_secret_values_are_committed(documents):
    secret_words = re.compile(r"PASSWORD|SECRET|_DATABASE_URL$|^AMQP_URI$")
    for overlay, doc in documents:
        assert doc.get("kind") != "Secret", f"{overlay}: renders a Secret"
        if doc.get("kind") == "ConfigMap":
            leaked = {k for k in doc.get("data") or {} if secret_words.search(k)}
            assert not leaked, f"{overlay}: secret keys {leaked} in a ConfigMap"
        for path, value in walk(doc):
            if isinstance(value, str):
                assert not CREDENTIAL_URL.search(VARIABLE_REFERENCE.sub("", value)), \
                    f"{overlay}{path}: a URL with a password in it"
    for path in manifest_files():
        text = path.read_text()
        assert not re.search(r"^kind:\s*Secret\s*$", text, re.M), f"{path} defines a Secret"
        assert "secretGenerator" not in text, f"{path} generates a Secret"


def test_kustomization_lists_every_manifest(kustomization):
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["namespace"] == NAMESPACE
    common = kustomization.get("labels") or [{"pairs": kustomization.get("commonLabels")}]
    assert any(entry.get("pairs") for entry in common), "no common labels"
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed)), "a resource is listed twice"
    for resource in listed:
        assert (BASE / resource).is_file() or (BASE / resource / "kustomization.yaml").is_file(), \
            f"kustomization lists {resource}, which does not exist"
    files = {r for r in listed if (BASE / r).is_file()}
    assert files == {p.name for p in base_manifests()}, \
        "every manifest must be listed in kustomization.yaml, and only those"
    directories = {r for r in listed if (BASE / r).is_dir()}
    expected = {p.name for p in BASE.iterdir() if (p / "kustomization.yaml").is_file()}
    assert directories == expected, "every folder of base/ with a kustomization, and only those"


def test_overlays_build_on_the_base():
    for name in overlay_names():
        overlay = yaml.safe_load((OVERLAYS / name / "kustomization.yaml").read_text())
        assert "../../base" in overlay["resources"], name
        assert overlay.get("namespace", NAMESPACE) == NAMESPACE, name


def test_namespace_is_created(documents):
    assert ("Namespace", NAMESPACE) in {(d["kind"], d["metadata"]["name"]) for _, d in documents}


def test_gateway_service_and_ingress(deployments, documents):
    gateway_labels = deployments["gateway"]["spec"]["template"]["metadata"]["labels"]
    gateway_ports = {p["name"]: p["containerPort"]
                     for p in the_container(deployments["gateway"])["ports"]}

    (service,) = [s for s in by_kind(documents, "Service") if s["metadata"]["name"] == "gateway"]
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert service["spec"]["selector"].items() <= gateway_labels.items()
    (port,) = service["spec"]["ports"]
    assert port["port"] == 80
    assert gateway_ports.get(port["targetPort"], port["targetPort"]) == GATEWAY_PORT

    ingresses = by_kind(documents, "Ingress")
    assert ingresses
    for ingress in ingresses:
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["path"] == "/graphql"
                backend = path["backend"]["service"]
                assert backend["name"] == "gateway"
                assert backend["port"].get("name") == port.get("name") \
                    or backend["port"].get("number") == 80


def test_single_node_has_no_autoscalers_or_budgets(rendered):
    kinds = {d["kind"] for _, d in rendered["single-node"]}
    # One pod of each: a PodDisruptionBudget would block every node drain.
    assert not kinds & {"HorizontalPodAutoscaler", "PodDisruptionBudget"}, kinds


def test_city_scales_and_keeps_pods_through_disruptions(rendered):
    documents = rendered["city"]
    deployments = deployments_of(documents)
    scaled = {}
    for hpa in by_kind(documents, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
        assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
        assert hpa["spec"]["minReplicas"] >= 2
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        assert deployments[target["name"]]["spec"]["replicas"] == hpa["spec"]["minReplicas"], \
            f"{target['name']}: the Deployment's replicas and the HPA's minimum differ"
        scaled[target["name"]] = hpa
    assert set(scaled) == set(deployments), "an HPA on the gateway and on every consumer"

    protected = set()
    for pdb in by_kind(documents, "PodDisruptionBudget"):
        selector = pdb["spec"]["selector"]["matchLabels"]
        matched = [n for n, d in deployments.items()
                   if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(matched) == 1, f"PDB {pdb['metadata']['name']} matches {matched}"
        assert pdb["spec"]["minAvailable"] < deployments[matched[0]]["spec"]["replicas"], \
            f"PDB {pdb['metadata']['name']} would block every drain"
        protected.add(matched[0])
    assert protected == set(deployments)

    for name, deployment in deployments.items():
        keys = {c["topologyKey"]
                for c in deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]}
        assert {"kubernetes.io/hostname", "topology.kubernetes.io/zone"} <= keys, name


def test_quorum_queues_in_the_city_only(rendered):
    def flag(name):
        (configmap,) = [d for d in by_kind(rendered[name], "ConfigMap")
                        if d["metadata"]["name"] == CONFIGMAP_NAME]
        return configmap["data"].get("XF_QUORUM_QUEUES")
    assert flag("city") == "1"
    assert flag("single-node") is None, "a one-node broker gains nothing from quorum queues"


def test_the_broker(overlay, documents):
    _, nodes, _ = SIZES[overlay]
    broker = the_one(documents, "RabbitmqCluster")
    assert broker["metadata"]["name"] == BROKER
    spec = broker["spec"]
    assert spec["replicas"] == nodes
    assert spec["persistence"]["storage"]
    assert {"cpu", "memory"} <= set(spec["resources"]["requests"])
    assert {"cpu", "memory"} <= set(spec["resources"]["limits"])
    settings = spec["rabbitmq"]["additionalConfig"]
    # per-queue depth on the Prometheus plugin's /metrics (DLQ and lag alerts)
    assert "prometheus.return_per_object_metrics = true" in settings
    size = re.search(r"^quorum_queue.initial_cluster_size = (\d+)$", settings, re.M)
    assert size and int(size.group(1)) == nodes


def test_postgres_cluster_roles_and_databases(overlay, documents):
    _, _, instances = SIZES[overlay]
    cluster = the_one(documents, "Cluster")
    assert cluster["metadata"]["name"] == PG_CLUSTER
    spec = cluster["spec"]
    assert spec["instances"] == instances
    assert spec["storage"]["size"]
    assert spec["enableSuperuserAccess"] is False
    assert {"cpu", "memory"} <= set(spec["resources"]["requests"])
    roles = {r["name"]: r for r in spec["managed"]["roles"]}
    assert set(roles) == {f"xf_{s}" for s in SERVICE_CLASSES}
    for service in SERVICE_CLASSES:
        role = roles[f"xf_{service}"]
        assert role["login"] is True and role.get("ensure", "present") == "present"
        assert not role.get("superuser") and not role.get("createrole")
        assert role["passwordSecret"] == {"name": f"{PG_CLUSTER}-{service}"}
    databases = {d["spec"]["name"]: d for d in by_kind(documents, "Database")}
    assert set(databases) == set(SERVICE_CLASSES)
    for service, database in databases.items():
        assert database["spec"]["cluster"] == {"name": PG_CLUSTER}
        assert database["spec"]["owner"] == f"xf_{service}"
        assert database["spec"]["databaseReclaimPolicy"] == "retain"
    # pg_hba is read top down: each role into its own database, then nowhere.
    hba = [line.split() for line in spec["postgresql"]["pg_hba"]]
    for service in SERVICE_CLASSES:
        own = ["hostssl", service, f"xf_{service}", "all", "scram-sha-256"]
        elsewhere = ["host", "all", f"xf_{service}", "all", "reject"]
        assert own in hba and elsewhere in hba and hba.index(own) < hba.index(elsewhere), service
    assert not [line for line in hba if line[2] not in roles], "pg_hba lines for other roles"


# NetworkPolicies, evaluated the way Kubernetes does: a pod that no policy of
# a direction selects is open in that direction; otherwise a connection passes
# when a rule of some selecting policy lets its peer and port through.
def labels_match(selector, labels):
    assert set(selector) <= {"matchLabels"}, f"only matchLabels is evaluated here: {selector}"
    return selector.get("matchLabels", {}).items() <= labels.items()


def peer_matches(peer, policy_namespace, namespace, labels):
    assert set(peer) <= {"podSelector", "namespaceSelector"}, peer
    if "namespaceSelector" in peer:
        ns_ok = labels_match(peer["namespaceSelector"],
                             {"kubernetes.io/metadata.name": namespace})
    else:
        ns_ok = namespace == policy_namespace
    return ns_ok and labels_match(peer.get("podSelector", {}), labels)


def allows(documents, direction, pod, peer, port):
    """Whether ``pod`` = (namespace, labels) lets ``peer`` = (namespace,
    labels) through on TCP ``port`` in ``direction`` ("Ingress": peer → pod,
    "Egress": pod → peer)."""
    namespace, labels = pod
    key = "from" if direction == "Ingress" else "to"
    selecting = [p for p in by_kind(documents, "NetworkPolicy")
                 if p["metadata"]["namespace"] == namespace
                 and direction in p["spec"]["policyTypes"]
                 and labels_match(p["spec"]["podSelector"], labels)]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get(direction.lower(), []):
            peers = rule.get(key)
            if peers and not any(peer_matches(p, namespace, *peer) for p in peers):
                continue
            ports = rule.get("ports")
            for entry in ports or []:
                assert isinstance(entry["port"], int), f"{policy['metadata']['name']}: named port"
            if not ports or any(e["port"] == port and e.get("protocol", "TCP") == "TCP"
                                for e in ports):
                return True
    return False


def pod_of(deployment):
    return NAMESPACE, deployment["spec"]["template"]["metadata"]["labels"]


BROKER_POD = (NAMESPACE, {"app.kubernetes.io/name": BROKER,
                          "app.kubernetes.io/component": "rabbitmq",
                          "app.kubernetes.io/part-of": "rabbitmq"})
PG_POD = (NAMESPACE, {"cnpg.io/cluster": PG_CLUSTER, "cnpg.io/instanceRole": "primary",
                      "role": "primary"})
INGRESS_POD = (INGRESS_NAMESPACE, {"app.kubernetes.io/name": "ingress-nginx"})
PROMETHEUS_POD = (MONITORING_NAMESPACE, {"app.kubernetes.io/name": "prometheus"})
STRANGER = ("default", {"app": "curious"})
DNS_POD = ("kube-system", {"k8s-app": "kube-dns"})


def connects(documents, source, target, port):
    """Both ends' policies let source open TCP ``port`` on target."""
    return allows(documents, "Egress", source, target, port) and \
        allows(documents, "Ingress", target, source, port)


def test_only_the_gateway_takes_traffic_from_the_ingress(deployments, documents):
    gateway = pod_of(deployments["gateway"])
    assert connects(documents, INGRESS_POD, gateway, GATEWAY_PORT)
    assert not connects(documents, STRANGER, gateway, GATEWAY_PORT)
    assert not connects(documents, INGRESS_POD, gateway, GATEWAY_METRICS_PORT)
    for service in SERVICE_CLASSES:
        pod = pod_of(deployments[service])
        assert not connects(documents, INGRESS_POD, pod, SERVICE_PORT), service
        assert not connects(documents, gateway, pod, SERVICE_PORT), service


def test_metrics_only_from_the_monitoring_namespace(deployments, documents):
    gateway = pod_of(deployments["gateway"])
    assert connects(documents, PROMETHEUS_POD, gateway, GATEWAY_METRICS_PORT)
    assert not connects(documents, STRANGER, gateway, GATEWAY_METRICS_PORT)
    assert not connects(documents, PROMETHEUS_POD, gateway, GATEWAY_PORT), \
        "Prometheus has no business with the API"
    for service in SERVICE_CLASSES:
        pod = pod_of(deployments[service])
        assert connects(documents, PROMETHEUS_POD, pod, SERVICE_PORT), service
        assert not connects(documents, STRANGER, pod, SERVICE_PORT), service
    assert connects(documents, PROMETHEUS_POD, BROKER_POD, 15692)
    assert connects(documents, PROMETHEUS_POD, PG_POD, 9187)


def test_services_talk_only_to_the_broker_and_their_database(deployments, documents):
    for name, deployment in deployments.items():
        pod = pod_of(deployment)
        assert connects(documents, pod, BROKER_POD, 5672), name
        assert allows(documents, "Egress", pod, DNS_POD, 53), name
        assert connects(documents, pod, PG_POD, 5432) == (name in SERVICE_CLASSES), name
        assert not connects(documents, pod, STRANGER, 443), f"{name} reaches the outside"
        for other_name, other in deployments.items():
            if other_name != name:
                assert not connects(documents, pod, pod_of(other), SERVICE_PORT), \
                    f"{name} reaches {other_name}"
    assert not connects(documents, STRANGER, BROKER_POD, 5672)
    assert not connects(documents, STRANGER, PG_POD, 5432)


def test_the_operators_still_reach_their_clusters(documents):
    assert connects(documents, ("rabbitmq-system", {"app.kubernetes.io/name": "rabbitmq-cluster-operator"}),
                    BROKER_POD, 15672)
    assert connects(documents, BROKER_POD, BROKER_POD, 25672), "broker nodes cluster"
    assert connects(documents, ("cnpg-system", {"app.kubernetes.io/name": "cloudnative-pg"}),
                    PG_POD, 8000)
    assert connects(documents, PG_POD, PG_POD, 5432), "replicas stream from the primary"


def test_readme_takes_an_operator_from_an_empty_cluster_to_the_platform():
    readme = (K8S / "README.md").read_text()
    steps = ["kubectl create namespace xianfeng",
             f"kubectl -n xianfeng create secret generic {SECRET_NAME}",
             "--from-literal=AUTH_SECRET=",
             "kubectl apply -k deploy/k8s/overlays/"]
    for service in SERVICE_CLASSES:
        steps.append(f"create secret generic {PG_CLUSTER}-{service} --type=kubernetes.io/basic-auth")
        assert f"--from-literal=username=xf_{service}" in readme, service
    for step in steps:
        assert step in readme, f"deploy/k8s/README.md lacks {step!r}"
    # The Secrets exist before the manifests that need them are applied.
    assert readme.index(f"{PG_CLUSTER}-pioneer --type") < readme.index("kubectl apply -k deploy/k8s/overlays/")
    main = (config.REPO_ROOT / "README.md").read_text()
    section = main.split("## Deployment", 1)[1].split("\n## ", 1)[0]
    assert "deploy/k8s/README.md" in section and "kubectl apply -k deploy/k8s/overlays/" in section


def test_dockerfile(rendered):
    gateway = deployments_of(rendered["single-node"])["gateway"]
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert "pip install --require-hashes -r requirements.lock" in text
    copied = set(re.findall(r"^COPY (?!--from)(\S+)", text, re.M))
    for needed in ("shared", "services", "gateway", "tools", "rules", "config.yaml",
                   "contract"):
        assert needed in copied, f"the image does not copy {needed}"
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0].isdigit() and users[-1].split(":")[0] != "0", \
        "the image must end as a numeric non-root user (runAsNonRoot needs a UID)"
    cmd = re.search(r'^CMD\s+(\[.*?\])\s*$', text.replace("\\\n", " "), re.M)
    assert cmd, "no exec-form CMD"
    assert yaml.safe_load(cmd.group(1)) == the_container(gateway)["command"], \
        "the image's default command should be the gateway's"
    # The services' --config /app/config.yaml and the imports resolve in the image.
    assert re.search(r"^WORKDIR /app\s*$", text, re.M)
    assert "PYTHONPATH=/app" in text
