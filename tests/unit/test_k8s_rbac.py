"""deploy/kubernetes/rbac.yaml grants exactly the Kubernetes API calls the code makes.

The calls are read from ``integrations/kubernetes`` (method calls on the typed API objects, e.g.
``self.apps.patch_namespaced_deployment_scale``), named the way RBAC names them (verb, API
group, resource[/subresource]); reads must be in ``aiops-reader``, writes in
``aiops-remediator``, and neither role may grant anything the code does not call.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "integrations" / "kubernetes"
RBAC = ROOT / "deploy" / "kubernetes" / "rbac.yaml"
GROUPS = {"core": "", "apps": "apps", "autoscaling": "autoscaling"}  # attribute -> API group
VERBS = {"read": "get", "list": "list", "patch": "patch", "delete": "delete",
         "create": "create", "replace": "update"}  # fmt: skip
SUBRESOURCES = ("log", "scale", "status")
WRITES = {"patch", "delete", "create", "update"}
METHOD = re.compile(
    r"^(read|list|patch|delete|create|replace)_(namespaced_)?(\w+?)(_for_all_namespaces)?$"
)

Grant = tuple[str, str, str]  # (group, resource, verb)


def _rbac_name(method: str) -> tuple[str, str]:
    match = METHOD.match(method)
    assert match, f"not a Kubernetes API method name: {method}"
    verb, kind = VERBS[match.group(1)], match.group(3)
    sub = next((s for s in SUBRESOURCES if kind.endswith(f"_{s}")), None)
    if sub:
        kind = kind[: -len(sub) - 1]
    resource = kind.replace("_", "") + "s"
    return verb, f"{resource}/{sub}" if sub else resource


def code_calls() -> set[Grant]:
    found: set[Grant] = set()
    for path in CODE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and owner.attr in GROUPS:
                verb, resource = _rbac_name(node.func.attr)
                found.add((GROUPS[owner.attr], resource, verb))
    return found


def role_grants(name: str) -> set[Grant]:
    docs = [d for d in yaml.safe_load_all(RBAC.read_text()) if d]
    role = next(d for d in docs if d["kind"] == "ClusterRole" and d["metadata"]["name"] == name)
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_method_names_map_to_rbac_names() -> None:
    assert _rbac_name("read_namespaced_pod_log") == ("get", "pods/log")
    assert _rbac_name("patch_namespaced_deployment_scale") == ("patch", "deployments/scale")
    assert _rbac_name("list_horizontal_pod_autoscaler_for_all_namespaces") == (
        "list", "horizontalpodautoscalers",
    )  # fmt: skip
    assert _rbac_name("list_node") == ("list", "nodes")


def test_the_code_makes_reads_and_writes() -> None:
    calls = code_calls()
    assert ("", "pods", "list") in calls and ("apps", "deployments", "patch") in calls


def test_the_reader_role_grants_exactly_the_reads() -> None:
    reads = {c for c in code_calls() if c[2] not in WRITES}
    assert role_grants("aiops-reader") == reads


def test_the_remediator_role_grants_exactly_the_writes() -> None:
    writes = {c for c in code_calls() if c[2] in WRITES}
    assert role_grants("aiops-remediator") == writes
