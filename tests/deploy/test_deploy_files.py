"""deploy/: the Dockerfile, compose.yaml and the Kubernetes manifests parse, fit together, and
the manifests pass their Kubernetes schemas (kubernetes-validate ships them: no network)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
K8S_VERSION = "1.30.0"  # the oldest Kubernetes we claim; the schemas for it ship in the package
SETTING_NAMES = {name.upper() for name in Settings.model_fields}
BOT_LABELS = {"app.kubernetes.io/name": "which-approach", "app.kubernetes.io/component": "bot"}


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def _manifests() -> list[dict[str, Any]]:
    files = [K8S / name for name in yaml.safe_load((K8S / "kustomization.yaml").read_text())
             ["resources"]]
    return [doc for path in files for doc in _docs(path)]


def _one(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in _manifests() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}"
    return found[0]


def test_every_yaml_file_parses() -> None:
    files = sorted(DEPLOY.rglob("*.yaml"))
    assert len(files) >= 9
    for path in files:
        assert _docs(path), path


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


@pytest.mark.parametrize("doc", _manifests(),
                         ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_manifest_passes_its_kubernetes_schema(doc: dict[str, Any]) -> None:
    # strict: an unknown (e.g. misspelt) field is an error, not silently ignored by the cluster
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_validator_catches_a_misspelt_probe() -> None:
    doc = _one("Deployment", "which-approach")
    doc["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_deployment_is_replicated_probed_and_bounded() -> None:
    deployment = _one("Deployment", "which-approach")
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    assert spec["selector"]["matchLabels"] == BOT_LABELS
    pod = spec["template"]["spec"]
    assert spec["template"]["metadata"]["labels"] == BOT_LABELS
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"]["cpu"] and \
        container["resources"]["limits"]["memory"]
    refs = {r.get("secretRef", r.get("configMapRef"))["name"] for r in container["envFrom"]}
    assert refs == {"which-approach-secrets", "which-approach-config"}
    port = container["ports"][0]["containerPort"]
    assert int(_one("ConfigMap", "which-approach-config")["data"]["PORT"]) == port


def test_settings_names_in_manifests_are_real_settings() -> None:
    # A misspelt variable is ignored by the app: catch it here instead of in production.
    config = _one("ConfigMap", "which-approach-config")["data"]
    secret = _one("Secret", "which-approach-secrets")["stringData"]
    assert set(config) | set(secret) <= SETTING_NAMES
    assert "WEB_COOKIE_SECRET" in secret  # replicas must share it
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert set(compose["services"]["bot"]["environment"]) <= SETTING_NAMES


def test_service_hpa_and_pdb_point_at_the_bot() -> None:
    service = _one("Service", "which-approach")
    assert service["spec"]["selector"] == BOT_LABELS
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    hpa = _one("HorizontalPodAutoscaler", "which-approach")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "which-approach"}
    assert hpa["spec"]["minReplicas"] >= 2
    pdb = _one("PodDisruptionBudget", "which-approach")
    assert pdb["spec"]["selector"]["matchLabels"] == BOT_LABELS
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]  # drains can proceed


def test_redis_statefulset_persists_and_is_where_redis_url_points() -> None:
    redis = _one("StatefulSet", "which-approach-redis")
    (container,) = redis["spec"]["template"]["spec"]["containers"]
    args = " ".join(container["args"])
    assert "--appendonly yes" in args
    claim = redis["spec"]["volumeClaimTemplates"][0]["metadata"]["name"]
    assert {"name": claim, "mountPath": "/data"} in container["volumeMounts"]
    service = _one("Service", redis["spec"]["serviceName"])
    assert service["spec"]["selector"] == redis["spec"]["selector"]["matchLabels"]
    url = _one("ConfigMap", "which-approach-config")["data"]["REDIS_URL"]
    assert url.startswith(f"redis://{service['metadata']['name']}:6379/")
    Settings(_env_file=None, redis_url=url)  # type: ignore[call-arg]  # a valid URL


def test_compose_has_the_bot_and_a_persistent_redis() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    bot, redis = compose["services"]["bot"], compose["services"]["redis"]
    assert bot["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert (DEPLOY / ".." / bot["build"]["dockerfile"]).is_file()
    assert bot["environment"]["REDIS_URL"].startswith("redis://redis:6379")
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "redis" in compose["services"] and "healthcheck" in redis
    assert "--appendonly" in redis["command"] and \
        redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    volume = redis["volumes"][0].split(":")
    assert volume[1] == "/data" and volume[0] in compose["volumes"]


def test_dockerfile_is_slim_non_root_and_health_checked() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    assert froms and all(f == "python:3.11-slim" for f in froms)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*", text, re.M) and "/healthz" in text
    # Dependencies from the lock, with hashes; then the project alone, resolving nothing.
    assert "--require-hashes -r requirements/runtime.lock" in text
    assert "pip install --prefix=/install --no-deps ." in text
    # Everything COPY'd from the context exists, and the ignore file lets it through.
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for name in source.split():
            assert (ROOT / name).exists(), name
            assert f"!{name}" in (DEPLOY / "Dockerfile.dockerignore").read_text() or \
                f"!{name}/" in (DEPLOY / "Dockerfile.dockerignore").read_text()
    cmd = re.search(r"^CMD (.+)$", text, re.M)
    assert cmd and '"serve"' in cmd.group(1)
