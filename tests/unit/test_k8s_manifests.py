"""The Kubernetes manifests in deploy/k8s: current API versions only, one
Deployment per service running its exact class (plus the gateway), probes
and limits on every container, no secret values committed, and a
kustomization that lists every manifest. Pure: reads files, needs no
cluster."""
import re

import pytest
import yaml

from shared import config
from tools.platform import SERVICE_CLASSES

K8S = config.REPO_ROOT / "deploy" / "k8s"
DOCKERFILE = config.REPO_ROOT / "deploy" / "Dockerfile"
KUSTOMIZATION = K8S / "kustomization.yaml"
SECRET_NAME = "xianfeng-secrets"
CONFIGMAP_NAME = "xianfeng-config"
SERVICE_PORT = 8000
GATEWAY_PORT = 8080
GATEWAY_METRICS_PORT = 8081

ALLOWED = {
    ("v1", "Namespace"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("apps/v1", "Deployment"),
    ("policy/v1", "PodDisruptionBudget"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("networking.k8s.io/v1", "Ingress"),
}
SECRET_KEYS = {"AUTH_SECRET", "AMQP_URI"} | {f"{s.upper()}_DATABASE_URL" for s in SERVICE_CLASSES}
REPLICAS = {"supervision": 2, "scoring": 2, "activity": 2, "gateway": 2}
# user:password@ inside a URL, e.g. amqp://guest:guest@host/ or postgresql://u:p@h/db
CREDENTIAL_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.I)


def manifest_files():
    return sorted(p for p in K8S.iterdir()
                  if p.suffix in (".yaml", ".yml") and p.name != KUSTOMIZATION.name)


def load_documents():
    docs = []
    for path in manifest_files():
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                docs.append((path.name, doc))
    return docs


@pytest.fixture(scope="module")
def documents():
    docs = load_documents()
    assert docs, f"no manifests in {K8S}"
    return docs


@pytest.fixture(scope="module")
def deployments(documents):
    found = {}
    for _, doc in documents:
        if doc.get("kind") == "Deployment":
            name = doc["metadata"]["name"]
            assert name not in found, f"two Deployments named {name}"
            found[name] = doc
    return found


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


def test_every_document_uses_a_current_api(documents):
    for filename, doc in documents:
        pair = (doc.get("apiVersion"), doc.get("kind"))
        assert pair in ALLOWED, f"{filename}: {pair} is not one of the allowed current APIs"
        assert doc.get("metadata", {}).get("name"), f"{filename}: a {pair[1]} without a name"


def test_names_are_unique_per_kind(documents):
    seen = set()
    for filename, doc in documents:
        key = (doc["kind"], doc["metadata"]["name"])
        assert key not in seen, f"{filename}: {key} is defined twice"
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
    (configmap,) = [d for _, d in documents
                    if d["kind"] == "ConfigMap" and d["metadata"]["name"] == CONFIGMAP_NAME]
    assert configmap["data"]["XF_GATEWAY_THREADS"] == threads


def test_replicas(deployments):
    for name, deployment in deployments.items():
        assert deployment["spec"].get("replicas", 1) == REPLICAS.get(name, 1), name


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
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in containers(deployment):
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{name}: /tmp must be a writable volume"
            assert "emptyDir" in volumes[mounts["/tmp"]], name


def test_settings_come_from_the_configmap_and_the_secret(deployments, documents):
    configmaps = {d["metadata"]["name"] for _, d in documents if d["kind"] == "ConfigMap"}
    assert CONFIGMAP_NAME in configmaps
    for name, deployment in deployments.items():
        container = the_container(deployment)
        refs = [e["configMapRef"]["name"] for e in container.get("envFrom", [])
                if "configMapRef" in e]
        assert refs == [CONFIGMAP_NAME], name
        env = env_of(container)
        for var, entry in env.items():
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if var in SECRET_KEYS or var == "AUTH_SECRET_FILE":
                assert ref, f"{name}: {var} must come from a Secret reference"
            if ref:
                assert ref["name"] == SECRET_NAME, name
                assert ref["key"] in SECRET_KEYS, f"{name}: unknown secret key {ref['key']}"
        assert "AMQP_URI" in env, name
        if name in SERVICE_CLASSES:
            own = f"{name.upper()}_DATABASE_URL"
            assert env[own]["valueFrom"]["secretKeyRef"]["key"] == own
            others = {k for k in env if k.endswith("_DATABASE_URL")} - {own}
            assert not others, f"{name} is given other services' databases: {others}"
    gateway_env = env_of(the_container(deployments["gateway"]))
    assert gateway_env["AUTH_SECRET"]["valueFrom"]["secretKeyRef"]["key"] == "AUTH_SECRET"


def test_timezone_is_shanghai(documents):
    (configmap,) = [d for _, d in documents
                    if d["kind"] == "ConfigMap" and d["metadata"]["name"] == CONFIGMAP_NAME]
    assert configmap["data"]["XF_TIMEZONE"] == "Asia/Shanghai"


def test_no_secret_values_are_committed(documents):
    for filename, doc in documents:
        if doc.get("kind") == "Secret":
            assert not doc.get("data") and not doc.get("stringData"), \
                f"{filename}: a Secret with values is committed"
        if doc.get("kind") == "ConfigMap":
            leaked = SECRET_KEYS & set(doc.get("data") or {})
            assert not leaked, f"{filename}: secret keys {leaked} in a ConfigMap"
        for path, value in walk(doc):
            if isinstance(value, str):
                assert not CREDENTIAL_URL.search(value), \
                    f"{filename}{path}: a URL with a password in it"
    for path in manifest_files() + [KUSTOMIZATION]:
        text = path.read_text()
        assert not re.search(r"^kind:\s*Secret\s*$", text, re.M), f"{path.name} defines a Secret"
        assert "secretGenerator" not in text, f"{path.name} generates a Secret"


def test_kustomization_lists_every_manifest(kustomization):
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["namespace"] == "xianfeng"
    common = kustomization.get("labels") or [{"pairs": kustomization.get("commonLabels")}]
    assert any(entry.get("pairs") for entry in common), "no common labels"
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed)), "a resource is listed twice"
    for resource in listed:
        assert (K8S / resource).is_file(), f"kustomization lists {resource}, which does not exist"
    assert set(listed) == {p.name for p in manifest_files()}, \
        "every manifest must be listed in kustomization.yaml, and only those"


def test_namespace_is_created(documents):
    assert ("Namespace", "xianfeng") in {(d["kind"], d["metadata"]["name"]) for _, d in documents}


def test_gateway_service_ingress_hpa_and_pdbs(deployments, documents):
    by_kind = {}
    for _, doc in documents:
        by_kind.setdefault(doc["kind"], []).append(doc)
    gateway_labels = deployments["gateway"]["spec"]["template"]["metadata"]["labels"]
    gateway_ports = {p["name"]: p["containerPort"]
                     for p in the_container(deployments["gateway"])["ports"]}

    (service,) = [s for s in by_kind["Service"] if s["metadata"]["name"] == "gateway"]
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert service["spec"]["selector"].items() <= gateway_labels.items()
    (port,) = service["spec"]["ports"]
    assert port["port"] == 80
    assert gateway_ports.get(port["targetPort"], port["targetPort"]) == GATEWAY_PORT

    for ingress in by_kind["Ingress"]:
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] == "gateway"
                assert backend["port"].get("name") == port.get("name") \
                    or backend["port"].get("number") == 80

    (hpa,) = by_kind["HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "gateway"}
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert hpa["spec"]["minReplicas"] >= 2

    protected = set()
    for pdb in by_kind["PodDisruptionBudget"]:
        selector = pdb["spec"]["selector"]["matchLabels"]
        matched = [n for n, d in deployments.items()
                   if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(matched) == 1, f"PDB {pdb['metadata']['name']} matches {matched}"
        protected.add(matched[0])
    assert {"gateway", "supervision"} <= protected


def test_readme_creates_every_secret_key():
    readme = (K8S / "README.md").read_text()
    for key in SECRET_KEYS:
        assert f"--from-literal={key}=" in readme, f"README's secret command lacks {key}"
    assert "kubectl apply -k deploy/k8s" in readme


def test_dockerfile(deployments):
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
    assert yaml.safe_load(cmd.group(1)) == the_container(deployments["gateway"])["command"], \
        "the image's default command should be the gateway's"
    # The services' --config /app/config.yaml and the imports resolve in the image.
    assert re.search(r"^WORKDIR /app\s*$", text, re.M)
    assert "PYTHONPATH=/app" in text
