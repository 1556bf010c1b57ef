"""The security audit at scale, across accounts and regions: wall time and API calls per resource.

A moto server runs in a child process (its own interpreter, so the server and the audit do not
share one GIL) and is seeded there, straight into moto's backends (fast; the audit then reads
everything through the real protocol with boto3): security groups (one in ten open to the world
on SSH), S3 buckets, IAM users and roles, spread over 3 accounts × 2 regions. The audit is the
production one (``bot.posture.across.security_across``): a role assumed per account, every
(account, region) read concurrently, IAM and S3 once per account. Every AWS call is counted with
a botocore ``before-call`` hook. It runs at half and at full size, to show that calls per
resource stay flat as the inventory doubles (everything is paginated).

    .venv/bin/python tests/bench/bench_audit_scale.py            # 5,000 SGs, 2,000 buckets, …
    .venv/bin/python tests/bench/bench_audit_scale.py --scale 0.2
    .venv/bin/python tests/bench/bench_audit_scale.py --accounts-blocked 3   # account-level BPA

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("eu-west-1", "us-east-1")
FULL = {"security_groups": 5000, "buckets": 2000, "iam_users": 1000, "iam_roles": 500}
BLOCK_ALL = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
             "Action": "sts:AssumeRole"}
        ],
    }
)  # fmt: skip


# ---------------------------------------------------------------- the child: moto, seeded
def _seed(kind: str, lo: int, hi: int, blocked: float = 0.0) -> None:
    from moto.ec2.models import ec2_backends
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends

    for i in range(lo, hi):
        account = ACCOUNTS[i % len(ACCOUNTS)]
        region = REGIONS[(i // len(ACCOUNTS)) % len(REGIONS)]
        if kind == "security_groups":
            ec2 = ec2_backends[account][region]
            group = ec2.create_security_group(f"bench-{i:05d}", "bench")
            if i % 10 == 0:
                ec2.authorize_security_group_ingress(
                    group.id, "tcp", "22", "22", [{"CidrIp": "0.0.0.0/0"}]
                )
        elif kind == "buckets":
            s3 = s3_backends[account]["global"]
            name = f"bench-{account}-{i:05d}"
            s3.create_bucket(name, region)
            if i % 100 < blocked * 100:  # as AWS makes a bucket since April 2023
                s3.put_public_access_block(name, dict.fromkeys(BLOCK_ALL, "true"))
        elif kind == "iam_users":
            iam_backends[account]["global"].create_user(region, f"user-{i:05d}")
        else:
            iam = iam_backends[account]["global"]
            iam.create_role(f"role-{i:05d}", TRUST, "/", None, "", [], None)


class _Metered:
    """The moto WSGI app, timed: thread CPU seconds and requests per service (from the
    request's SigV4 credential scope), to show where the server's time goes."""

    def __init__(self, app: Any) -> None:
        import threading

        self.app = app
        self.lock = threading.Lock()
        self.cpu: defaultdict[str, float] = defaultdict(float)
        self.requests: Counter[str] = Counter()
        self.process = time.process_time()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        start = time.thread_time()
        try:
            return list(self.app(environ, start_response))  # the body is made inside the timing
        finally:
            scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=")[-1].split("/")
            service = scope[3] if len(scope) > 3 else "other"
            with self.lock:
                self.cpu[service] += time.thread_time() - start
                self.requests[service] += 1

    def take(self) -> dict[str, Any]:
        with self.lock:
            now = time.process_time()
            out = {"cpu": dict(self.cpu), "requests": dict(self.requests),
                   "process": now - self.process}  # fmt: skip
            self.process = now
            self.cpu.clear()
            self.requests.clear()
        return out


def _block_accounts(n: int) -> None:
    """The account-level Block Public Access on in the first ``n`` accounts."""
    from moto.s3control.models import s3control_backends

    for account in ACCOUNTS[:n]:
        s3control_backends[account]["aws"].put_public_access_block(
            account, dict.fromkeys(BLOCK_ALL, "true")
        )


def serve(scale: float, plain: bool, blocked: float, accounts_blocked: int = 0) -> None:
    """Start moto (threaded werkzeug, as ``ThreadedMotoServer``), print its URL; then for each
    ``seed LO HI`` line (fractions of the full size) seed that slice and print ``seeded``; for
    ``stats``, print the server's CPU by service since the last ``stats`` as JSON."""
    import logging
    import threading

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from sandbox.aws import moto_fidelity, moto_speed

    moto_fidelity.patch()  # answers as AWS gives them (report date, snapshots by owner)
    if not plain:
        moto_speed.patch()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _block_accounts(accounts_blocked)
    app = _Metered(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    for line in sys.stdin:
        if line.strip() == "stats":
            print(json.dumps(app.take()), flush=True)
            continue
        _, lo, hi = line.split()
        for kind, total in FULL.items():
            n = int(total * scale)
            _seed(kind, int(n * float(lo)), int(n * float(hi)), blocked)
        app.take()  # seeding is not the audit
        print("seeded", flush=True)
    server.shutdown()


# ---------------------------------------------------------------- the parent: the audit
def _resources(scale: float, fraction: float) -> dict[str, int]:
    counts = {kind: int(int(total * scale) * fraction) for kind, total in FULL.items()}
    # every (account, region) has its default VPC's default group too
    counts["security_groups"] += len(ACCOUNTS) * len(REGIONS)
    return counts


def audit_once(url: str, workers: int) -> tuple[float, Counter[str], Counter[str], Any]:
    """(wall seconds, calls by operation, seconds waited by operation, the audit)."""
    import threading

    import boto3

    from bot.accounts.service import Fleet
    from bot.investigate.context import Topology
    from bot.posture.across import security_across
    from integrations.aws.accounts import AccountSessions, AccountTarget
    from tests.accounts_world import quiet_gaps

    calls: Counter[str] = Counter()
    waited: Counter[str] = Counter()
    started = threading.local()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1
        started.at = time.perf_counter()

    def done(model: Any, **_: Any) -> None:
        waited[model.name] += time.perf_counter() - started.at

    def hook(client: Any) -> None:
        client.meta.events.register("before-call", count)
        client.meta.events.register("after-call", done)

    base = boto3.Session(
        region_name=REGIONS[0], aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    targets = tuple(
        AccountTarget(f"acct-{a[:3]}", REGIONS, f"arn:aws:iam::{a}:role/aiops-audit")
        for a in ACCOUNTS
    )
    # CloudTrail, GuardDuty and Inspector (which moto lacks) come from the quiet gap server
    with quiet_gaps() as gaps:
        sessions = AccountSessions(base, endpoint_url=url, gaps_url=gaps, on_client=hook)
        fleet = Fleet(sessions, targets, workers)
        start = time.perf_counter()
        audit = security_across(fleet, datetime.now(UTC), Topology([]))
        return time.perf_counter() - start, calls, waited, audit


def _stats(child: subprocess.Popen[str]) -> dict[str, Any]:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write("stats\n")
    child.stdin.flush()
    out: dict[str, Any] = json.loads(child.stdout.readline())
    return out


def _print_server(stats: dict[str, Any], wall: float, client_cpu: float) -> None:
    cpu, requests = stats["cpu"], stats["requests"]
    total = sum(cpu.values())
    print(f"  where the time went: server process CPU {stats['process']:.1f} s (moto's handlers "
          f"{total:.1f} s, the rest HTTP parsing and threads), audit process CPU "
          f"{client_cpu:.1f} s (boto3 + checks), wall {wall:.1f} s")  # fmt: skip
    print("    service        requests  handler CPU s  ms per request")
    for service, n in sorted(requests.items(), key=lambda kv: -cpu[kv[0]]):
        print(f"    {service:14} {n:8}  {cpu[service]:13.1f}  {1000 * cpu[service] / n:14.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--workers", type=int, default=8, help="max concurrent (account, region)")
    parser.add_argument(
        "--plain-moto", action="store_true",
        help="moto as shipped, without sandbox.aws.moto_speed (to compare)",
    )  # fmt: skip
    parser.add_argument(
        "--blocked", type=float, default=0.0,
        help="fraction of buckets with Block Public Access on (AWS's default for a new bucket "
        "since April 2023); 0, the default, is the worst case: every bucket needs four reads",
    )  # fmt: skip
    parser.add_argument(
        "--accounts-blocked", type=int, default=0,
        help="how many of the 3 accounts have the account-level Block Public Access on "
        "(s3control; their buckets then need one read each, for encryption)",
    )  # fmt: skip
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.scale, args.plain_moto, args.blocked, args.accounts_blocked)
        return
    command = [sys.executable, __file__, "--serve", "--scale", str(args.scale)]
    command += ["--blocked", str(args.blocked), "--accounts-blocked", str(args.accounts_blocked)]
    child = subprocess.Popen(
        command + ["--plain-moto"] * args.plain_moto,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert child.stdin is not None and child.stdout is not None
    url = child.stdout.readline().strip()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"moto at {url} ({'as shipped' if args.plain_moto else 'with moto_speed'}); "
          f"{len(ACCOUNTS)} accounts x {len(REGIONS)} regions, scale {args.scale}, "
          f"{args.blocked:.0%} of buckets blocked, {args.accounts_blocked} accounts blocked, "
          f"{args.workers} workers; load average {load}")  # fmt: skip
    try:
        for lo, hi in ((0.0, 0.5), (0.5, 1.0)):
            start = time.perf_counter()
            child.stdin.write(f"seed {lo} {hi}\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "seeded"
            seeded = time.perf_counter() - start
            resources = _resources(args.scale, hi)
            total = sum(resources.values())
            cpu = time.process_time()
            wall, calls, waited, audit = audit_once(url, args.workers)
            cpu = time.process_time() - cpu
            n_calls = sum(calls.values())
            print(
                f"\nsize {hi:.0%}: {total} resources "
                + ", ".join(f"{k} {v}" for k, v in resources.items())
                + f" (seeded in {seeded:.1f} s)"
            )
            print(f"  audit wall time {wall:.1f} s; {n_calls} API calls; "
                  f"{n_calls / total:.2f} calls per resource; {len(audit.findings)} findings; "
                  f"{len(audit.errors)} errors")  # fmt: skip
            _print_server(_stats(child), wall, cpu)
            print("    operation                         calls  seconds waited (all threads)")
            for op, n in calls.most_common():
                print(f"    {op:32} {n:6}  {waited[op]:8.1f}")
            print(f"  load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        child.stdin.close()
        child.wait(timeout=60)


if __name__ == "__main__":
    main()
