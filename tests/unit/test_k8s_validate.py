"""Every overlay under deploy/k8s/overlays renders with `kubectl kustomize`,
and every object it renders is one a cluster would take: the built-in kinds
against Kubernetes' own schemas (kubernetes-validate, strict), the operators'
kinds against the openAPIV3Schema of their CRDs in deploy/k8s/crds/.

Strict on both sides, because `kubectl apply` is: since Kubernetes 1.27 the
API server's field validation rejects an unknown or misspelt field instead of
dropping it, for custom resources too (their schemas are structural). What
cannot be checked offline: the CRDs' CEL rules (x-kubernetes-validations)
and the operators' admission webhooks.

Offline and without a cluster; needs kubectl, which scripts/bootstrap.sh
installs."""
import copy
import functools
import importlib.resources
import json
import textwrap

import jsonschema
import kubernetes_validate
import pytest
import referencing
import yaml

from shared import config
from tests.kube import YAML_LOADER, kubectl, render

K8S = config.REPO_ROOT / "deploy" / "k8s"
OVERLAYS = K8S / "overlays"
CRDS = K8S / "crds"
# The fixed layout's two installations; any further overlay is checked too.
EXPECTED_OVERLAYS = {"single-node", "city"}
# The Kubernetes release the built-in objects are checked against: the
# oldest minor still maintained upstream when this was written (1.35, with
# 1.36 and 1.37). Raise it when a city's cluster is upgraded past it.
KUBERNETES_VERSION = "1.35"
def overlay_names():
    found = {p.name for p in OVERLAYS.iterdir() if p.is_dir()} if OVERLAYS.is_dir() else set()
    return sorted(found | EXPECTED_OVERLAYS)


@functools.cache
def rendered(overlay):
    directory = OVERLAYS / overlay
    assert (directory / "kustomization.yaml").is_file(), f"{directory}/kustomization.yaml is missing"
    return tuple(render(directory))


def name_of(obj):
    meta = obj.get("metadata") or {}
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj.get('apiVersion')} {obj.get('kind')} {where}{meta.get('name')}"


def at(path):
    return "." + ".".join(str(p) for p in path) if path else "(the object)"


# --- the operators' schemas --------------------------------------------------

def strict(schema):
    """A copy of a structural CRD schema that rejects what the API server's
    strict field validation rejects: a field not among `properties` (unless
    the schema preserves unknown fields or declares additionalProperties),
    and a null where the schema is not nullable. anyOf/allOf/oneOf/not only
    narrow values in a structural schema, so they are left as they are."""
    schema = copy.copy(schema)
    if "(?i)" in schema.get("pattern", "")[1:]:
        # Go's regexp takes a flag anywhere (PrometheusRule's "^(?i)(abort|warn)?$");
        # Python's only at the start.
        schema["pattern"] = "(?i)" + schema["pattern"].replace("(?i)", "")
    if schema.get("nullable") and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    if "properties" in schema:
        properties = {k: strict(v) for k, v in schema["properties"].items()}
        if schema.get("x-kubernetes-embedded-resource"):
            for field in ("apiVersion", "kind", "metadata"):
                properties.setdefault(field, {})
        schema["properties"] = properties
        if ("additionalProperties" not in schema
                and not schema.get("x-kubernetes-preserve-unknown-fields")):
            schema["additionalProperties"] = False
    if isinstance(schema.get("additionalProperties"), dict):
        schema["additionalProperties"] = strict(schema["additionalProperties"])
    if isinstance(schema.get("items"), dict):
        schema["items"] = strict(schema["items"])
    return schema


@functools.cache
def crd_schemas():
    """{(apiVersion, kind): validator} for every served version of every CRD
    in deploy/k8s/crds/."""
    schemas = {}
    for path in sorted(CRDS.glob("*.yaml")):
        for crd in yaml.load_all(path.read_text(), Loader=YAML_LOADER):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if not version.get("served", True):
                    continue
                schema = strict(version["schema"]["openAPIV3Schema"])
                # OpenAPI 3.0's schema objects are JSON Schema draft 4's
                # (exclusiveMinimum is a boolean there).
                jsonschema.Draft4Validator.check_schema(schema)
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                schemas[key] = jsonschema.Draft4Validator(schema)
    return schemas


@functools.cache
def object_meta():
    """Kubernetes' own (strict) schema of metadata: a CRD's schema says only
    `metadata: {type: object}`, the API server checks it as for any object."""
    folder = importlib.resources.files("kubernetes_validate").joinpath(
        "kubernetes-json-schema", f"v{KUBERNETES_VERSION}.0-local-strict")
    definitions = json.loads(folder.joinpath("_definitions.json").read_text())
    registry = referencing.Registry().with_resource(
        definitions["$id"], referencing.Resource.from_contents(definitions))
    return jsonschema.Draft202012Validator(
        {"$ref": f"{definitions['$id']}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
        registry=registry)


# --- validation --------------------------------------------------------------

def problems(obj):
    """What a cluster with the operators installed would refuse in obj, as
    sentences; empty when it would take it."""
    key = (obj.get("apiVersion"), obj.get("kind"))
    validator = crd_schemas().get(key)
    if validator is not None:
        errors = sorted(validator.iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
        found = [f"{name_of(obj)} at {at(e.absolute_path)}: {e.message} "
                 f"(against its CRD in {CRDS.relative_to(config.REPO_ROOT)})" for e in errors]
        if isinstance(obj.get("metadata"), dict):
            found += [f"{name_of(obj)} at {at(['metadata', *e.absolute_path])}: {e.message} "
                      f"(Kubernetes {KUBERNETES_VERSION}'s ObjectMeta, strict)"
                      for e in object_meta().iter_errors(obj["metadata"])]
        return found
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return [f"{name_of(obj)}: neither Kubernetes {KUBERNETES_VERSION} has this kind nor is "
                f"its CRD in {CRDS.relative_to(config.REPO_ROOT)} (copy the operator's CRD "
                "there, with its source and licence in crds/README.md)"]
    except kubernetes_validate.ValidationError as e:
        return [f"{name_of(obj)} at {at(e.absolute_path)}: {e.message} "
                f"(Kubernetes {KUBERNETES_VERSION}, strict)"]
    return []


def is_custom(obj):
    return (obj.get("apiVersion"), obj.get("kind")) in crd_schemas()


# --- the overlays ------------------------------------------------------------

def test_the_layouts_overlays_exist():
    missing = sorted(n for n in EXPECTED_OVERLAYS if not (OVERLAYS / n / "kustomization.yaml").is_file())
    assert not missing, f"no kustomization.yaml in deploy/k8s/overlays/{{{','.join(missing)}}}"


@pytest.mark.parametrize("overlay", overlay_names())
def test_overlay_renders_objects_with_kind_name_and_namespace(overlay):
    objects = rendered(overlay)
    seen = set()
    for obj in objects:
        assert obj.get("apiVersion") and obj.get("kind") and obj.get("metadata", {}).get("name"), \
            f"{overlay}: an object without apiVersion, kind or metadata.name: {obj}"
        key = (obj["apiVersion"].split("/")[0], obj["kind"], obj["metadata"].get("namespace"),
               obj["metadata"]["name"])
        assert key not in seen, f"{overlay}: {name_of(obj)} rendered twice"
        seen.add(key)


@pytest.mark.parametrize("overlay", overlay_names())
def test_built_in_objects_validate_strictly(overlay):
    built_in = [obj for obj in rendered(overlay) if not is_custom(obj)]
    assert built_in, f"{overlay} renders no built-in object"
    found = [p for obj in built_in for p in problems(obj)]
    assert not found, f"{overlay}:\n" + "\n".join(found)


@pytest.mark.parametrize("overlay", overlay_names())
def test_custom_resources_validate_against_their_crds(overlay):
    custom = [obj for obj in rendered(overlay) if is_custom(obj)]
    kinds = {obj["kind"] for obj in custom}
    # What the layout puts in every installation: the broker, the database
    # cluster and a database per service (the monitoring's own tests say
    # which monitors and rules it renders; whatever it renders is checked here).
    for kind in ("RabbitmqCluster", "Cluster", "Database"):
        assert kind in kinds, f"{overlay} renders no {kind}"
    found = [p for obj in custom for p in problems(obj)]
    assert not found, f"{overlay}:\n" + "\n".join(found)


# --- the checks themselves catch mistakes ------------------------------------

def test_every_crd_in_crds_is_loaded():
    kinds = {kind for _, kind in crd_schemas()}
    assert kinds == {"RabbitmqCluster", "Cluster", "Database", "ServiceMonitor", "PodMonitor",
                     "PrometheusRule"}


DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
    "spec": {"selector": {"matchLabels": {"app": "x"}},
             "template": {"metadata": {"labels": {"app": "x"}},
                          "spec": {"containers": [{"name": "x", "image": "x"}]}}},
}
RABBITMQ = {
    "apiVersion": "rabbitmq.com/v1beta1", "kind": "RabbitmqCluster", "metadata": {"name": "x"},
    "spec": {"replicas": 3, "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}},
             "rabbitmq": {"additionalPlugins": ["rabbitmq_prometheus"]}},
}
CNPG = {
    "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "x"},
    "spec": {"instances": 3, "storage": {"size": "10Gi"}},
}


def changed(obj, path, value):
    obj = copy.deepcopy(obj)
    node = obj
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return obj


def test_sound_objects_pass():
    for obj in (DEPLOYMENT, RABBITMQ, CNPG):
        assert problems(obj) == [], obj["kind"]


@pytest.mark.parametrize("obj, says", [
    (changed(DEPLOYMENT, ["spec", "replica"], 2), "replica"),
    (changed(DEPLOYMENT, ["spec", "replicas"], "two"), "'two'"),
    (changed(DEPLOYMENT, ["spec", "template", "spec", "containers", 0, "resource"], {}), "resource"),
    (changed(RABBITMQ, ["spec", "replica"], 3), "replica"),
    (changed(RABBITMQ, ["spec", "replicas"], "three"), "'three'"),
    (changed(RABBITMQ, ["spec", "rabbitmq", "plugins"], ["x"]), "plugins"),
    (changed(CNPG, ["spec", "instance"], 3), "instance"),
    (changed(CNPG, ["metadata", "label"], {"a": "b"}), "metadata: Additional properties"),
    (changed(CNPG, ["metadata", "labels"], {"a": 1}), "1 is not of type 'string'"),
    (changed(CNPG, ["spec", "storage", "size"], None), "None"),
    ({"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget", "metadata": {"name": "x"},
      "spec": {}}, "neither Kubernetes"),
    ({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "x"}},
     "neither Kubernetes"),
])
def test_mistakes_are_caught(obj, says):
    found = problems(obj)
    assert found and says in "\n".join(found), found


def test_a_scratch_overlay_renders_and_a_mistake_in_it_is_caught(tmp_path):
    """The whole path, rendering included, on a kustomization of its own."""
    base = tmp_path / "base"
    base.mkdir()
    (base / "kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    (base / "deployment.yaml").write_text(yaml.safe_dump(DEPLOYMENT))
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(textwrap.dedent("""\
        resources: [../base]
        namespace: xianfeng
        labels:
          - pairs: {app.kubernetes.io/part-of: xianfeng}
        replicas:
          - {name: x, count: 2}
        patches:
          - target: {kind: Deployment, name: x}
            patch: |
              - op: add
                path: /spec/template/spec/containers/0/resource
                value: {}
        """))
    objects = render(overlay)
    assert [o["spec"]["replicas"] for o in objects] == [2]
    assert any(".spec.template.spec.containers.0: Additional properties" in p
               and "'resource'" in p for p in problems(objects[0])), problems(objects[0])
