"""The closed vocabularies of the failure-signature catalogue: what went wrong (``CauseKind``),
the coarse family playbooks match on, and the attributes a signature may extract."""

from __future__ import annotations

from enum import StrEnum


class CauseKind(StrEnum):
    """What a signature says went wrong (closed: a new kind is a reviewed change here)."""

    # Kubernetes configuration and scheduling
    SECRET_MISSING = "secret_missing"
    CONFIGMAP_MISSING = "configmap_missing"
    CONFIG_KEY_MISSING = "config_key_missing"  # a key absent from a secret / configmap
    SERVICE_ACCOUNT_MISSING = "service_account_missing"
    VOLUME_MOUNT_FAILED = "volume_mount_failed"
    VOLUME_ATTACH_FAILED = "volume_attach_failed"
    PVC_UNBOUND = "pvc_unbound"
    INSUFFICIENT_RESOURCES = "insufficient_resources"  # cpu, memory, a GPU, pods, storage
    TAINT_NOT_TOLERATED = "taint_not_tolerated"
    AFFINITY_MISMATCH = "affinity_mismatch"
    NODE_UNSCHEDULABLE = "node_unschedulable"
    NODE_NOT_READY = "node_not_ready"
    PORT_CONFLICT = "port_conflict"
    QUOTA_EXCEEDED = "quota_exceeded"
    ADMISSION_DENIED = "admission_denied"
    IMAGE_PULL = "image_pull"  # any pull failure
    IMAGE_NOT_FOUND = "image_not_found"  # tag or repository that does not exist
    IMAGE_PULL_AUTH = "image_pull_auth"  # registry refused the credentials
    INVALID_IMAGE_NAME = "invalid_image_name"
    CONTAINER_CONFIG = "container_config"  # the runtime could not create the container
    CRASH_LOOP = "crash_loop"
    PROBE_FAILED = "probe_failed"  # liveness / readiness / startup
    INIT_FAILED = "init_failed"
    HOOK_FAILED = "hook_failed"
    EVICTED = "evicted"
    DISK_PRESSURE = "disk_pressure"
    MEMORY_PRESSURE = "memory_pressure"
    ROLLOUT_STUCK = "rollout_stuck"
    JOB_FAILED = "job_failed"
    SANDBOX_FAILED = "sandbox_failed"  # pod network / sandbox could not be set up
    AUTOSCALER_METRICS = "autoscaler_metrics"
    # process exits
    COMPLETED = "completed"
    APP_ERROR = "app_error"  # exit 1: the program reported an error
    USAGE_ERROR = "usage_error"  # exit 2: bad arguments / shell builtin misuse
    NOT_EXECUTABLE = "not_executable"  # 126
    COMMAND_NOT_FOUND = "command_not_found"  # 127
    START_FAILED = "start_failed"  # 128 / the runtime could not start the process
    KILLED = "killed"  # SIGKILL that is not the OOM killer
    TERMINATED = "terminated"  # SIGTERM / SIGINT
    SEGFAULT = "segfault"
    ABORTED = "aborted"
    # memory
    OOM = "oom"
    HEAP_EXHAUSTED = "heap_exhausted"  # a runtime's heap limit (JVM, V8, Go)
    # configuration
    CONFIG_ERROR = "config_error"  # an invalid value or file content
    CONFIG_MISSING = "config_missing"  # a file that is not there
    ENV_MISSING = "env_missing"  # a required variable not set
    UNKNOWN_FLAG = "unknown_flag"
    PERMISSION_DENIED = "permission_denied"
    MODULE_MISSING = "module_missing"
    CONFIG_RELOADED = "config_reloaded"  # not a failure: a change made while running
    # disk
    DISK_FULL = "disk_full"
    READ_ONLY_FS = "read_only_fs"
    # TLS
    TLS_EXPIRED = "tls_expired"
    TLS_UNKNOWN_AUTHORITY = "tls_unknown_authority"
    TLS_HOSTNAME_MISMATCH = "tls_hostname_mismatch"
    TLS_HANDSHAKE = "tls_handshake"
    # network
    CONNECTION_REFUSED = "connection_refused"
    CONNECTION_RESET = "connection_reset"
    DNS_FAILURE = "dns_failure"
    NETWORK_UNREACHABLE = "network_unreachable"
    TIMEOUT = "timeout"  # a call to something else did not answer in time
    UPSTREAM_UNAVAILABLE = "upstream_unavailable"  # a proxy found no healthy backend
    # databases
    DB_TOO_MANY_CONNECTIONS = "db_too_many_connections"
    DB_UNAVAILABLE = "db_unavailable"  # shutting down, starting up, recovering
    DB_READ_ONLY = "db_read_only"
    DB_AUTH_FAILED = "db_auth_failed"
    DB_LOCK_CONTENTION = "db_lock_contention"  # lock waits, deadlocks, serialization
    DB_NOT_FOUND = "db_not_found"  # database / relation missing
    SLOW_QUERY = "slow_query"
    CACHE_OOM = "cache_oom"  # an in-memory store at its memory limit
    CACHE_LOADING = "cache_loading"
    CACHE_PERSISTENCE = "cache_persistence"
    # pools
    POOL_EXHAUSTED = "pool_exhausted"
    THREAD_POOL_EXHAUSTED = "thread_pool_exhausted"
    # cloud
    THROTTLED = "throttled"  # what it calls (a provider, the cloud's API) throttles it
    # it answers its own clients 429: more requests arrive than its rate limit admits
    RATE_LIMITING_CLIENTS = "rate_limiting_clients"
    ACCESS_DENIED = "access_denied"
    CREDENTIALS_INVALID = "credentials_invalid"
    LIMIT_EXCEEDED = "limit_exceeded"
    CAPACITY_UNAVAILABLE = "capacity_unavailable"
    FUNCTION_TIMEOUT = "function_timeout"
    COLD_START = "cold_start"
    TASKS_FAILED = "tasks_failed"
    PROVIDER_ERROR = "provider_error"  # the cloud / a provider answered 5xx
    ANONYMOUS_ACCESS = "anonymous_access"
    TARGET_NOT_SERVING = "target_not_serving"  # a load balancer target out of rotation
    TARGET_STARTING = "target_starting"  # a target still registering / first health checks
    AUTH_FAILURE = "auth_failure"  # failed logins against a host
    # application behaviour
    WORKER_TIMEOUT = "worker_timeout"
    RETRY_STORM = "retry_storm"
    SLOW_CALL = "slow_call"


# The coarse ``signature`` a finding carries, which playbooks match (``where: {signature: …}``).
# A kind not listed here is its own signature. These are the families the playbooks have always
# used; a finer kind joins the family whose remedies and evidence it shares.
FAMILY: dict[CauseKind, str] = {
    CauseKind.IMAGE_NOT_FOUND: "image_pull",
    CauseKind.IMAGE_PULL_AUTH: "image_pull",
    CauseKind.INVALID_IMAGE_NAME: "image_pull",
    CauseKind.DB_TOO_MANY_CONNECTIONS: "pool_exhausted",
    CauseKind.ENV_MISSING: "config_error",
    CauseKind.CONFIG_MISSING: "config_error",
    CauseKind.UNKNOWN_FLAG: "config_error",
    CauseKind.DB_UNAVAILABLE: "db_shutdown",
    # statements that wait on each other's locks are slow queries to whoever waits on them
    CauseKind.DB_LOCK_CONTENTION: "slow_query",
    CauseKind.HEAP_EXHAUSTED: "oom",
    CauseKind.TIMEOUT: "upstream_timeout",
    CauseKind.SLOW_CALL: "upstream_timeout",
    CauseKind.TLS_EXPIRED: "cert_expired",
    CauseKind.TLS_UNKNOWN_AUTHORITY: "cert_expired",
    CauseKind.TLS_HOSTNAME_MISMATCH: "cert_expired",
}


# Kinds that are not a failure but a change: a finding that carries one is change evidence
# (``logs.mine`` adds a change fact of this change kind at the line's time).
CHANGE_KINDS: dict[CauseKind, str] = {CauseKind.CONFIG_RELOADED: "config"}


def family(kind: CauseKind) -> str:
    return FAMILY.get(kind, kind.value)


class AttrName(StrEnum):
    """The attributes a signature may extract (named groups). Chosen not to collide with the
    attributes findings already carry (``reason``, ``count``, ``exit_code``, ``signature``…)."""

    FILE = "file"
    PATH = "path"
    HOST = "host"
    PORT = "port"
    ADDRESS = "address"
    URL = "url"
    VARIABLE = "variable"
    FLAG = "flag"
    KEY = "key"
    SECRET = "secret"
    CONFIGMAP = "configmap"
    SERVICE_ACCOUNT = "service_account"
    VOLUME = "volume"
    CLAIM = "claim"
    RESOURCE = "resource"
    LIMIT = "limit"
    IMAGE = "image"
    PROBE = "probe"
    STATUS = "status"
    CONTAINER = "container"
    NODE = "node"
    TAINT = "taint"
    USER = "user"
    DATABASE = "database"
    TABLE = "table"
    MODULE = "module"
    COMMAND = "command"
    OPERATION = "operation"
    PRINCIPAL = "principal"
    QUOTA = "quota"
    DURATION = "duration"
    POOL = "pool"
    SIGNAL = "signal"
