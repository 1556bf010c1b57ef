"""The failure-signature catalogue: every entry's examples match it (and only it wins), yield
the attributes they declare, its near misses do not match it; schema errors name FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.investigate.signature_kinds import CauseKind
from bot.investigate.signature_schema import (
    Example,
    Signature,
    load_signature_file,
    load_signatures,
)
from bot.investigate.signatures import Catalogue, SignatureMatch, load_catalogue

SIGNATURES = load_signatures()
CATALOGUE = load_catalogue()


def _match(catalogue: Catalogue, sig: Signature, ex: Example) -> SignatureMatch | None:
    domain = sig.match.domain
    if domain == "line":
        return catalogue.match_line(ex.line or "")
    if domain == "source":
        return catalogue.match_source(ex.line or "")
    if domain == "event":
        return catalogue.match_event(ex.reason or "", ex.message or "")
    if domain == "waiting":
        return catalogue.match_waiting(ex.reason or "", ex.message)
    return catalogue.match_exit(ex.exit_code, ex.reason, ex.message)


def test_catalogue_is_large_and_ids_unique() -> None:
    ids = [s.id for s in SIGNATURES]
    assert len(ids) >= 150
    assert len(ids) == len(set(ids))


def test_issue_coverage() -> None:
    """The kinds the catalogue must know (issue 15 point 2) each have entries."""
    kinds = {s.kind for s in SIGNATURES}
    required = {
        CauseKind.SECRET_MISSING, CauseKind.CONFIGMAP_MISSING, CauseKind.VOLUME_MOUNT_FAILED,
        CauseKind.INSUFFICIENT_RESOURCES, CauseKind.TAINT_NOT_TOLERATED,
        CauseKind.AFFINITY_MISMATCH, CauseKind.PVC_UNBOUND, CauseKind.IMAGE_NOT_FOUND,
        CauseKind.PROBE_FAILED, CauseKind.INIT_FAILED, CauseKind.EVICTED,
        CauseKind.DISK_PRESSURE, CauseKind.COMPLETED, CauseKind.APP_ERROR,
        CauseKind.USAGE_ERROR, CauseKind.NOT_EXECUTABLE, CauseKind.COMMAND_NOT_FOUND,
        CauseKind.OOM, CauseKind.SEGFAULT, CauseKind.TERMINATED, CauseKind.TLS_EXPIRED,
        CauseKind.TLS_UNKNOWN_AUTHORITY, CauseKind.TLS_HOSTNAME_MISMATCH, CauseKind.DISK_FULL,
        CauseKind.HEAP_EXHAUSTED, CauseKind.ENV_MISSING, CauseKind.CONFIG_MISSING,
        CauseKind.UNKNOWN_FLAG, CauseKind.PERMISSION_DENIED, CauseKind.CONNECTION_REFUSED,
        CauseKind.CONNECTION_RESET, CauseKind.DNS_FAILURE, CauseKind.TIMEOUT,
        CauseKind.TLS_HANDSHAKE, CauseKind.DB_TOO_MANY_CONNECTIONS, CauseKind.DB_UNAVAILABLE,
        CauseKind.DB_READ_ONLY, CauseKind.DB_AUTH_FAILED, CauseKind.DB_LOCK_CONTENTION,
        CauseKind.CACHE_OOM, CauseKind.CACHE_LOADING, CauseKind.POOL_EXHAUSTED,
        CauseKind.THROTTLED, CauseKind.ACCESS_DENIED, CauseKind.LIMIT_EXCEEDED,
    }  # fmt: skip
    assert required <= kinds, sorted(required - kinds)
    exits = {code for s in SIGNATURES for code in (s.match.exit_code or [])}
    assert {0, 1, 2, 126, 127, 137, 139, 143} <= exits


@pytest.mark.parametrize("sig", SIGNATURES, ids=lambda s: s.id)
def test_examples_match_and_extract(sig: Signature) -> None:
    for ex in sig.examples:
        got = _match(CATALOGUE, sig, ex)
        assert got is not None, f"{sig.id}: no signature matched {ex!r}"
        assert got.id == sig.id, f"{sig.id}: {got.id} won for {ex!r}"
        assert got.kind == sig.kind
        for name, value in ex.attrs.items():
            assert got.attrs.get(name.value) == value, (sig.id, name, got.attrs)
    shown = {name for ex in sig.examples for name in ex.attrs}
    assert set(sig.attrs) <= shown, f"{sig.id}: no example shows {set(sig.attrs) - shown}"


@pytest.mark.parametrize("sig", SIGNATURES, ids=lambda s: s.id)
def test_near_misses_do_not_match(sig: Signature) -> None:
    alone = Catalogue([sig])
    for ex in sig.near_misses:
        assert _match(alone, sig, ex) is None, f"{sig.id} matched near miss {ex!r}"


def test_every_domain_has_near_misses() -> None:
    """Near misses are not an afterthought: each file carries some."""
    files = sorted((Path(__file__).resolve().parents[3] / "playbooks/signatures").glob("*.yaml"))
    for path in files:
        assert any(s.near_misses for s in load_signature_file(path).signatures), path.name


def test_finding_attrs_carry_family_id_kind_and_extracts() -> None:
    got = CATALOGUE.match_event("Failed", 'Error: secret "db-creds" not found')
    assert got is not None
    assert got.finding_attrs() == {
        "signature": "secret_missing",
        "signature_id": "k8s.event.secret_not_found",
        "cause_kind": "secret_missing",
        "secret": "db-creds",
    }
    tls = CATALOGUE.match_line("x509: certificate has expired or is not yet valid")
    assert tls is not None and tls.kind is CauseKind.TLS_EXPIRED
    assert tls.signature == "cert_expired"  # the family playbooks match on


# Healthy lines as real services print them: none may carry a failure signature.
BENIGN = [
    "Starting PaymentApiApplication v2.3.1 using Java 17.0.10 with PID 1",
    "com.zaxxer.hikari.HikariDataSource : HikariPool-1 - Start completed.",
    "HikariPool-1 - Pool stats (total=5, active=2, idle=3, waiting=0)",
    "Tomcat started on port(s): 8080 (http) with context path ''",
    'level=info msg="request" method=GET path=/v1/stock/sku-88213 status=200 duration=7.1ms',
    "[1] [INFO] Starting gunicorn 21.2.0",
    "[7] [INFO] Booting worker with pid: 7",
    '10.0.4.9 - - "GET /v1/recommendations HTTP/1.1" 200 2211 0.041',
    "LOG:  checkpoint complete: wrote 21877 buffers (2.1%); 0 WAL file(s) added",
    "LOG:  connection authorized: user=payments database=payments SSL enabled (protocol=TLSv1.3)",
    "LOG:  duration: 3.217 ms  statement: SELECT 1",
    "REPORT RequestId: 6b0e Duration: 141.55 ms Billed Duration: 142 ms Memory Size: 256 MB",
    "sshd[22904]: Accepted publickey for alex from 188.25.113.7 port 50122 ssh2",
    "Successfully assigned prod/api-7d9f-abcde to ip-10-0-1-23.ec2.internal",
    'Container image "acme/web:v1.0.0" already present on machine',
    "Started container api",
    "Scaled up replica set payment-api-6b8f9c7d4 to 3",
    "redis: connected to 10.0.0.4:6379 (db 0)",
    "TLS handshake completed with api.partner.example (TLSv1.3)",
    "certificate for api.example.com valid until 2027-01-01",
    "disk usage 41% on /var/lib/postgresql",
    "memory usage 512Mi of 1Gi limit",
    "retrying in 30s with exponential backoff (attempt 2 of 5)",
    "circuit breaker inventory CLOSED",
    "config loaded from /etc/app/config.yaml (12 keys)",
]


@pytest.mark.parametrize("line", BENIGN)
def test_healthy_lines_match_nothing(line: str) -> None:
    got = CATALOGUE.match_line(line)
    assert got is None, f"{got.id if got else ''} matched a healthy line"


def test_unknown_text_matches_nothing() -> None:
    assert CATALOGUE.match_line("GET /health 200 3ms") is None
    assert CATALOGUE.match_event("Scheduled", "Successfully assigned prod/api-1 to node-2") is None
    assert CATALOGUE.match_waiting("ContainerCreating") is None


# ---- schema errors name the file, the line and the key -----------------------------------------

_GOOD = """\
domain: test
signatures:
  - id: t.one
    kind: disk_full
    match: {line: 'No space left on (?P<path>\\S+)'}
    attrs: [path]
    explain: A filesystem is full.
    source: https://man7.org/linux/man-pages/man3/errno.3.html
    examples: ['write /data/x: No space left on device']
"""


def _write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_good_file_loads(tmp_path: Path) -> None:
    assert [s.id for s in load_signature_file(_write(tmp_path, _GOOD)).signatures] == ["t.one"]


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("kind: disk_full", "kind: disk_fool", "t.yaml:4: signatures[0].kind:"),
        ("(?P<path>\\S+)'", "(?P<path>\\S+'", "t.yaml:5: signatures[0].match.line:"),
        ("attrs: [path]", "attrs: []", "t.yaml:3: signatures[0]:"),
        ("attrs: [path]", "attrs: [paht]", "t.yaml:6: signatures[0].attrs[0]:"),
        ("source: https://", "source: http://", "t.yaml:8: signatures[0].source:"),
        ("match: {line:", "match: {event_reason: X, line:", "t.yaml:5: signatures[0].match:"),
    ],
)
def test_schema_errors_name_file_line_key(tmp_path: Path, old: str, new: str, where: str) -> None:
    assert old in _GOOD
    with pytest.raises(ConfigError) as err:
        load_signature_file(_write(tmp_path, _GOOD.replace(old, new)))
    assert str(err.value).startswith(where), str(err.value)


def test_undeclared_group_is_named(tmp_path: Path) -> None:
    text = _GOOD.replace("on (?P<path>", "(?P<x>on) (?P<path>")
    with pytest.raises(ConfigError, match=r"t.yaml:3: signatures\[0\]: .*\['x'\] not declared"):
        load_signature_file(_write(tmp_path, text))


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    _write(tmp_path, _GOOD, "a.yaml")
    _write(tmp_path, _GOOD, "b.yaml")
    with pytest.raises(ConfigError, match=r"b.yaml:3: signatures\[0\].id: 't.one' is already"):
        load_signatures(tmp_path)


def test_bad_yaml_names_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"t.yaml:\d+: not valid YAML"):
        load_signature_file(_write(tmp_path, _GOOD + "    explain: a: b: c\n"))
