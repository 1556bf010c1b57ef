"""The HTTP face of the sandbox: the REST subset of the Kubernetes API the official client uses."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.k8s import discovery
from sandbox.k8s.errors import ApiError, not_found
from sandbox.k8s.loglines import format_line
from sandbox.k8s.selectors import (
    SelectorError,
    check_field_selector,
    event_fields,
    object_fields,
    parse_selector,
    pod_fields,
)
from sandbox.k8s.state import ClusterState

Handler = Callable[[Request], Awaitable[Response]]
_TRUE = {"true", "1", "yes"}


def status_body(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse(status_body(exc.code, exc.reason, exc.message), status_code=exc.code)


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").strip().lower() in _TRUE


def _int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError(400, "BadRequest", f"{name}: invalid integer {raw!r}") from exc
    if value < 0:
        raise ApiError(422, "Invalid", f"{name}: must be greater than or equal to 0")
    return value


def _list(kind: str, api_version: str, items: list[dict], rv: int) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"resourceVersion": str(rv)},
        "items": items,
    }


def _filter(request: Request, items: list[dict], fields: Callable[[dict], dict[str, str]]) -> list:
    label_sel = request.query_params.get("labelSelector")
    field_sel = request.query_params.get("fieldSelector")
    try:
        labels_match = parse_selector(label_sel)
        if items:
            check_field_selector(field_sel, fields(items[0]))
        fields_match = parse_selector(field_sel)
    except SelectorError as exc:
        raise ApiError(400, "BadRequest", str(exc)) from exc
    return [
        item
        for item in items
        if labels_match(item["metadata"].get("labels") or {}) and fields_match(fields(item))
    ]


async def _body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except json.JSONDecodeError as exc:
        raise ApiError(400, "BadRequest", f"the body is not valid JSON: {exc.msg}") from exc


def build_app(state: ClusterState, token: str) -> Starlette:
    """The Starlette app over ``state``; every request must carry ``Bearer <token>``."""

    def authorized(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return hmac.compare_digest(header.encode(), f"Bearer {token}".encode())

    def guarded(func: Callable[..., Awaitable[Any]]) -> Handler:
        async def endpoint(request: Request) -> Response:
            if not authorized(request):
                return JSONResponse(status_body(401, "Unauthorized", "Unauthorized"), 401)
            try:
                with state.lock:
                    result = await func(request, **request.path_params)
            except ApiError as exc:
                return _error(exc)
            return result if isinstance(result, Response) else JSONResponse(result)

        return endpoint

    rv = lambda: state.resource_version  # noqa: E731

    async def version(request: Request) -> dict:
        return discovery.VERSION

    async def core(request: Request) -> dict:
        return discovery.api_versions(request.url.netloc)

    async def groups(request: Request) -> dict:
        return discovery.API_GROUPS

    async def resources(request: Request, group: str = "", version: str = "v1") -> dict:
        found = discovery.resources(f"{group}/{version}" if group else version)
        if found is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return found

    async def namespaces(request: Request) -> dict:
        items = [discovery.namespace(ns) for ns in state.namespaces]
        return _list("NamespaceList", "v1", _filter(request, items, object_fields), rv())

    async def namespace(request: Request, ns: str) -> dict:
        if ns not in state.namespaces:
            raise not_found("namespaces", ns)
        return discovery.namespace(ns)

    async def nodes(request: Request) -> dict:
        return _list(
            "NodeList", "v1", _filter(request, list(state.nodes.values()), object_fields), rv()
        )

    async def node(request: Request, name: str) -> dict:
        if name not in state.nodes:
            raise not_found("nodes", name)
        return state.nodes[name]

    async def pods(request: Request, ns: str | None = None) -> dict:
        items = [p for (pns, _), p in sorted(state.pods.items()) if ns is None or pns == ns]
        return _list("PodList", "v1", _filter(request, items, pod_fields), rv())

    async def pod(request: Request, ns: str, name: str) -> Any:
        if request.method == "DELETE":
            return state.delete_pod(ns, name)
        return state.pod(ns, name)

    async def pod_log(request: Request, ns: str, name: str) -> Response:
        lines = state.pod_log(
            ns, name, request.query_params.get("container"), previous=_flag(request, "previous")
        )
        since = _int(request, "sinceSeconds")
        if since is not None:
            lines = [line for line in lines if line.time >= state.now - timedelta(seconds=since)]
        if request.query_params.get("sinceTime"):
            raw = request.query_params["sinceTime"].replace("Z", "+00:00")
            try:
                start = datetime.fromisoformat(raw)
            except ValueError as exc:
                raise ApiError(400, "BadRequest", f"sinceTime: invalid time {raw!r}") from exc
            lines = [line for line in lines if line.time >= start]
        tail = _int(request, "tailLines")
        if tail is not None:
            lines = lines[-tail:] if tail else []
        stamp = _flag(request, "timestamps")
        text = "".join(
            (line.time.strftime("%Y-%m-%dT%H:%M:%S.%f000Z ") if stamp else "")
            + format_line(line)
            + "\n"
            for line in lines
        )
        limit = _int(request, "limitBytes")
        data = text.encode()[:limit] if limit is not None else text.encode()
        return Response(data, media_type="text/plain")

    async def events(request: Request, ns: str | None = None) -> dict:
        items = [e for e in state.events if ns is None or e["metadata"]["namespace"] == ns]
        return _list("EventList", "v1", _filter(request, items, event_fields), rv())

    async def deployments(request: Request, ns: str | None = None) -> dict:
        items = [
            state.deployment_obj(d)
            for (dns, _), d in sorted(state.deployments.items())
            if ns is None or dns == ns
        ]
        return _list("DeploymentList", "apps/v1", _filter(request, items, object_fields), rv())

    async def deployment(request: Request, ns: str, name: str) -> Any:
        if request.method == "PATCH":
            kind = request.headers.get("content-type", "")
            if kind.split(";")[0].strip() not in discovery.PATCH_TYPES:
                raise ApiError(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types "
                    f"include: {', '.join(discovery.PATCH_TYPES)}",
                )
            return state.patch_deployment(ns, name, kind, await _body(request))
        if request.method == "PUT":
            return state.replace_deployment(ns, name, await _body(request))
        return state.deployment_obj(state.deployment(ns, name))

    async def scale(request: Request, ns: str, name: str) -> Any:
        if request.method == "PATCH":
            kind = request.headers.get("content-type", "")
            if kind.split(";")[0].strip() not in discovery.PATCH_TYPES:
                raise ApiError(415, "UnsupportedMediaType", "unsupported patch type")
            return state.patch_scale(ns, name, kind, await _body(request))
        if request.method == "PUT":
            return state.patch_scale(ns, name, None, await _body(request))
        return state.scale(ns, name)

    async def replicasets(request: Request, ns: str | None = None) -> dict:
        items = state.replicasets(ns)
        return _list("ReplicaSetList", "apps/v1", _filter(request, items, object_fields), rv())

    async def replicaset(request: Request, ns: str, name: str) -> dict:
        found = [r for r in state.replicasets(ns) if r["metadata"]["name"] == name]
        if not found:
            raise not_found("replicasets.apps", name)
        return found[0]

    async def hpas(request: Request, ns: str | None = None) -> dict:
        items = [h for (hns, _), h in sorted(state.hpas.items()) if ns is None or hns == ns]
        return _list(
            "HorizontalPodAutoscalerList",
            "autoscaling/v1",
            _filter(request, items, object_fields),
            rv(),
        )

    async def hpa(request: Request, ns: str, name: str) -> dict:
        if (ns, name) not in state.hpas:
            raise not_found("horizontalpodautoscalers.autoscaling", name)
        return state.hpas[(ns, name)]

    ns_path = "/api/v1/namespaces/{ns}"
    apps = "/apis/apps/v1"
    apps_ns = apps + "/namespaces/{ns}"
    hpa_base = "/apis/autoscaling/v1"
    write = ["GET", "PATCH", "PUT"]
    routes = [
        Route("/version", guarded(version)),
        Route("/api", guarded(core)),
        Route("/apis", guarded(groups)),
        Route("/api/{version}", guarded(resources)),
        Route("/api/v1/namespaces", guarded(namespaces)),
        Route(ns_path, guarded(namespace)),
        Route("/api/v1/nodes", guarded(nodes)),
        Route("/api/v1/nodes/{name}", guarded(node)),
        Route("/api/v1/pods", guarded(pods)),
        Route(ns_path + "/pods", guarded(pods)),
        Route(ns_path + "/pods/{name}", guarded(pod), methods=["GET", "DELETE"]),
        Route(ns_path + "/pods/{name}/status", guarded(pod)),
        Route(ns_path + "/pods/{name}/log", guarded(pod_log)),
        Route("/api/v1/events", guarded(events)),
        Route(ns_path + "/events", guarded(events)),
        Route(apps + "/deployments", guarded(deployments)),
        Route(apps_ns + "/deployments", guarded(deployments)),
        Route(apps_ns + "/deployments/{name}", guarded(deployment), methods=write),
        Route(apps_ns + "/deployments/{name}/status", guarded(deployment)),
        Route(apps_ns + "/deployments/{name}/scale", guarded(scale), methods=write),
        Route(apps + "/replicasets", guarded(replicasets)),
        Route(apps_ns + "/replicasets", guarded(replicasets)),
        Route(apps_ns + "/replicasets/{name}", guarded(replicaset)),
        Route(hpa_base + "/horizontalpodautoscalers", guarded(hpas)),
        Route(hpa_base + "/namespaces/{ns}/horizontalpodautoscalers", guarded(hpas)),
        Route(hpa_base + "/namespaces/{ns}/horizontalpodautoscalers/{name}", guarded(hpa)),
        Route("/apis/{group}/{version}", guarded(resources)),
    ]

    async def missing(request: Request, exc: Exception) -> Response:
        if not authorized(request):
            return JSONResponse(status_body(401, "Unauthorized", "Unauthorized"), 401)
        code = getattr(exc, "status_code", 404)
        reason = "MethodNotAllowed" if code == 405 else "NotFound"
        message = "the server could not find the requested resource"
        return JSONResponse(status_body(code, reason, message), status_code=code)

    return Starlette(routes=routes, exception_handlers={404: missing, 405: missing})
