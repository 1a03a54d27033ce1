"""The deployment files in deploy/ (docs/deploy.md, "Scale-out") are documents: no container
engine or cluster runs here. They are checked with the linters the package registries offer
(hadolint, yamllint, the compose-spec JSON schema of check-jsonschema, the Kubernetes schemas of
kubernetes-validate, systemd-analyze) and against Annexa's own facts: every ANNEXA_* variable
they set is one Annexa reads, and the proxies accept exactly the largest body Annexa does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.deploy.helm_render import render_chart

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "annexa"
BIN = Path(sys.executable).parent
YAMLLINT_CONFIG = DEPLOY / ".yamllint.yaml"
# The Kubernetes release whose schemas the chart must satisfy (the oldest one supported).
KUBERNETES = "1.30"
MIB = 1024 * 1024


def tool(name: str) -> str:
    """A linter installed from requirements-dev.lock, beside this interpreter."""
    path = BIN / name
    assert path.exists(), f"{name} is missing: install requirements-dev.lock (make test does)"
    return str(path)


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


def annexa_settings() -> set[str]:
    """Every ANNEXA_* variable Annexa's code reads (a secret's NAME_FILE counts as NAME)."""
    names: set[str] = set()
    for path in (ROOT / "annexa").rglob("*.py"):
        if "tests" in path.parts:
            continue
        names.update(re.findall(r"\"(ANNEXA_[A-Z0-9_]+)\"", path.read_text()))
    return names


def unknown_variables(text: str, known: set[str]) -> set[str]:
    """The ANNEXA_* names in ``text`` that are not settings (NAME_FILE is NAME's secret file)."""
    found = set(re.findall(r"\b(ANNEXA_[A-Z0-9_]+)\b", text))
    return {n for n in found if n not in known and n.removesuffix("_FILE") not in known}


# --- Containerfile -----------------------------------------------------------------------------


def test_the_containerfile_passes_hadolint():
    result = run(
        tool("hadolint"), "--no-color", "--failure-threshold", "style", "deploy/Containerfile"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_installs_the_lock_exactly_and_runs_as_a_user_with_a_healthcheck():
    text = (DEPLOY / "Containerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert stages and all(
        stage == "python:3.11-slim" or stage.startswith("python:3.11-slim ") for stage in stages
    )
    assert "pip install --no-deps -r requirements.lock" in text
    assert "pip install --no-deps ." in text
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user and not user[-1].startswith(("root", "0")), user
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.MULTILINE)
    # Every file the image copies exists and is let into the build context.
    ignore = (DEPLOY / "Containerfile.dockerignore").read_text().splitlines()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.MULTILINE):
        for name in source.split():
            assert (ROOT / name).exists(), name
            assert f"!{name}" in ignore or f"!{name}/" in ignore, name


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "serve --host 0.0.0.0 --port 8000 --workers 2"),
        (["web"], "serve --host 0.0.0.0 --port 8000 --workers 2"),
        (["worker"], "worker --workers 2"),
        (["init"], "init"),
        (["verify", "--org", "acme"], "verify --org acme"),
    ],
)
def test_the_entrypoint_runs_each_role(tmp_path, args, expected):
    fake = tmp_path / "annexa"
    fake.write_text('#!/bin/sh\necho "$@"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    result = subprocess.run(
        ["sh", str(DEPLOY / "entrypoint.sh"), *args], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


# --- compose -----------------------------------------------------------------------------------


def test_the_compose_file_passes_yamllint_and_the_compose_schema():
    lint = run(tool("yamllint"), "-s", "-c", str(YAMLLINT_CONFIG), "deploy/compose.yaml")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    schema = run(
        tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "deploy/compose.yaml"
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_the_compose_file_describes_the_topology():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"init", "web", "worker", "proxy", "postgres", "redis", "minio"} <= set(services)
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] == 2
    for role in ("web", "worker"):
        env = services[role]["environment"]
        assert env["ANNEXA_REDIS_URL"].startswith("redis://")
        assert env["ANNEXA_STORAGE_URL"].startswith("s3://")
        assert services[role]["depends_on"]["init"]["condition"] == "service_completed_successfully"
        # Only the migration step holds the tables' owner.
        assert "ANNEXA_MIGRATE_DATABASE_URL_FILE" not in env
    assert "ANNEXA_MIGRATE_DATABASE_URL_FILE" in services["init"]["environment"]
    for service in services.values():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            # ./certs holds the operator's TLS pair, made at installation.
            if source.startswith("./") and source != "./certs":
                assert (DEPLOY / source).exists(), source


# --- Helm chart --------------------------------------------------------------------------------


def test_the_chart_files_pass_yamllint():
    result = run(
        tool("yamllint"),
        "-s",
        "-c",
        str(YAMLLINT_CONFIG),
        str(CHART / "Chart.yaml"),
        str(CHART / "values.yaml"),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def rendered_manifests() -> list[tuple[str, dict]]:
    manifests = []
    for name, text in render_chart(CHART).items():
        assert "<no value>" not in text, f"{name} refers to a value values.yaml does not set"
        manifests.extend((name, doc) for doc in yaml.safe_load_all(text) if doc)
    return manifests


def test_the_rendered_chart_is_valid_kubernetes():
    import kubernetes_validate

    manifests = rendered_manifests()
    kinds = sorted((name, doc["kind"]) for name, doc in manifests)
    assert kinds == [
        ("configmap.yaml", "ConfigMap"),
        ("ingress.yaml", "Ingress"),
        ("migrate-job.yaml", "Job"),
        ("web.yaml", "Deployment"),
        ("web.yaml", "Service"),
        ("worker.yaml", "Deployment"),
    ]
    for name, doc in manifests:
        try:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name} ({doc['kind']}): {exc.message} at {list(exc.path)}")


def test_the_chart_runs_migrations_first_and_keeps_the_owner_role_out_of_the_pods():
    manifests = {(name, doc["kind"]): doc for name, doc in rendered_manifests()}
    job = manifests[("migrate-job.yaml", "Job")]
    assert "pre-upgrade" in job["metadata"]["annotations"]["helm.sh/hook"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["init"]
    for name in ("web.yaml", "worker.yaml"):
        pod = manifests[(name, "Deployment")]["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert not any("MIGRATE" in e["name"] for e in container["env"])
        keys = {i["key"] for v in pod["volumes"] if "secret" in v for i in v["secret"]["items"]}
        assert "migrate-database-url" not in keys
        assert pod["securityContext"]["runAsNonRoot"] is True
    web = manifests[("web.yaml", "Deployment")]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/healthz"


# --- systemd -----------------------------------------------------------------------------------


def test_the_systemd_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: the systemd package)")
    env_file = DEPLOY / "systemd" / "annexa.env.example"
    for unit in ("annexa-web@.service", "annexa-worker@.service"):
        # The unit as installed, pointing at this checkout's annexa and env file.
        text = (DEPLOY / "systemd" / unit).read_text()
        text = text.replace("/opt/annexa/.venv/bin/annexa", str(BIN / "annexa"))
        text = text.replace("/etc/annexa/annexa.env", str(env_file))
        (tmp_path / unit).write_text(text)
    for instance in ("annexa-web@8000.service", "annexa-worker@1.service"):
        result = run(analyze, "verify", "--man=no", str(tmp_path / instance), cwd=tmp_path)
        assert result.returncode == 0 and not result.stderr.strip(), result.stderr


# --- Annexa's own facts ------------------------------------------------------------------------


def test_every_annexa_variable_in_the_deployment_files_is_a_real_setting():
    known = annexa_settings()
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file():
            unknown = unknown_variables(path.read_text(), known)
            assert not unknown, f"{path.relative_to(ROOT)} sets {sorted(unknown)}"
    for page in ("deploy.md",):
        unknown = unknown_variables((ROOT / "docs" / page).read_text(), known)
        assert not unknown, f"docs/{page} names {sorted(unknown)}"


def test_the_proxies_accept_the_largest_body_annexa_accepts():
    from django.conf import settings

    from annexa.core.limits import FORM_OVERHEAD

    largest = settings.UPLOAD_MAX_BYTES + FORM_OVERHEAD
    assert largest % MIB == 0
    expected = f"{largest // MIB}m"
    nginx = (DEPLOY / "nginx" / "annexa-proxy.conf").read_text()
    assert re.search(r"^client_max_body_size (\S+);", nginx, re.MULTILINE).group(1) == expected
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    annotations = values["ingress"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == expected


def test_the_nginx_configuration_is_accepted_by_nginx(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: nginx-light); the static checks above ran")
    conf = (DEPLOY / "nginx" / "annexa.conf").read_text()
    conf = conf.replace("/etc/nginx/annexa-proxy.conf", str(DEPLOY / "nginx" / "annexa-proxy.conf"))
    certificate = tmp_path / "cert.pem"
    key = tmp_path / "key.pem"
    made = run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ed25519",
        "-nodes",
        "-subj",
        "/CN=annexa.example.com",
        "-keyout",
        str(key),
        "-out",
        str(certificate),
        "-days",
        "1",
    )
    assert made.returncode == 0, made.stderr
    conf = conf.replace("/etc/ssl/annexa/fullchain.pem", str(certificate))
    conf = conf.replace("/etc/ssl/annexa/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(conf)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    result = run(nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"))
    assert result.returncode == 0, result.stderr
