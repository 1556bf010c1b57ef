"""AWS inventory reads of ``LiveEvidence`` (instances, groups, buckets, databases, functions,
services, users, scaling groups, certificates), each memoised for one investigation."""

from __future__ import annotations

from datetime import datetime

from bot.investigate.sources import (
    AsgRecord,
    BucketRecord,
    CertRecord,
    Ec2Record,
    EcsServiceRecord,
    IamUserRecord,
    IngressRecord,
    LambdaRecord,
    RdsRecord,
)
from bot.investigate.sources_host import LiveHost
from integrations.aws import ec2, ecs, iam, lambda_, rds, s3
from integrations.aws.errors import AwsError, AwsNotFound


class AwsInventory(LiveHost):
    """Mixed into ``LiveEvidence``, which provides the memo, the clients and the clock."""

    def now(self) -> datetime:
        raise NotImplementedError

    def ec2_instances(self) -> list[Ec2Record]:
        def load() -> list[Ec2Record]:
            clients = self._need_aws()
            names = {g.group_id: g.name for g in ec2.security_groups(clients.ec2)}
            return [
                Ec2Record(
                    self._reverse.get(i.instance_id, i.name or i.instance_id),
                    i.instance_id,
                    i.state,
                    i.instance_type,
                    [names.get(g, g) for g in i.security_group_ids],
                    dict(i.tags),
                )
                for i in ec2.describe_instances(clients.ec2)
            ]

        return self._once("ec2", load)

    def security_group_ingress(self) -> list[IngressRecord]:
        def load() -> list[IngressRecord]:
            out = []
            for g in ec2.security_groups(self._need_aws().ec2):
                for r in g.ingress:
                    port = r.from_port if r.from_port is not None else -1
                    out.append(IngressRecord(g.name, port, r.cidr, r.protocol))
            return out

        return self._once("sg", load)

    def buckets(self) -> list[BucketRecord]:
        def load() -> list[BucketRecord]:
            client = self._need_aws().s3
            states = s3.bucket_states(client, s3.list_buckets(client))
            return [BucketRecord(s.name, s.public, s.encrypted) for s in states]

        return self._once("s3", load)

    def rds_instances(self) -> list[RdsRecord]:
        def load() -> list[RdsRecord]:
            out = []
            for ident, _ in self._resources("rds"):
                client = self._need_aws().rds
                try:
                    db = rds.describe(client, ident)
                except AwsNotFound:
                    continue
                try:
                    limit = rds.connection_limit(client, db)
                except (AwsError, AwsNotFound):  # its parameters unreadable: no limit known
                    limit = None
                out.append(RdsRecord(db.identifier, db.engine, db.instance_class, db.status, limit))
            return out

        return self._once("rds", load)

    def lambda_functions(self) -> list[LambdaRecord]:
        def load() -> list[LambdaRecord]:
            out = []
            for name, _ in self._resources("lambda"):
                try:
                    fn = lambda_.get_config(self._need_aws().lambda_, name)
                except AwsNotFound:
                    continue
                out.append(
                    LambdaRecord(
                        fn.name, fn.runtime or "", fn.timeout, fn.memory, fn.reserved_concurrency
                    )
                )
            return out

        return self._once("lambda", load)

    def ecs_services(self) -> list[EcsServiceRecord]:
        def load() -> list[EcsServiceRecord]:
            out = []
            client = self._need_aws().ecs
            for name, cluster in self._resources("ecs_service"):
                try:
                    svc = ecs.describe_service(client, cluster or "default", name)
                except AwsNotFound:
                    continue
                family, _, rev = svc.task_definition.rsplit("/", 1)[-1].partition(":")
                revs = [int(rev)] if rev.isdigit() else []
                if revs and revs[0] > 1:
                    try:
                        ecs.describe_task_definition(client, f"{family}:{revs[0] - 1}")
                        revs.insert(0, revs[0] - 1)
                    except Exception:  # no previous revision registered
                        pass
                out.append(
                    EcsServiceRecord(
                        svc.cluster,
                        svc.name,
                        svc.desired,
                        svc.running,
                        svc.pending,
                        f"{family}:{rev}",
                        revs,
                    )
                )
            return out

        return self._once("ecs", load)

    def iam_users(self) -> list[IamUserRecord]:
        def load() -> list[IamUserRecord]:
            now = self.now()
            out = []
            for u in iam.list_users_keys(self._need_aws().iam):
                ages = [(now - k.created).days for k in u.access_keys if k.status == "Active"]
                out.append(
                    IamUserRecord(u.name, max(ages) if ages else None, u.mfa, list(u.policies))
                )
            return out

        return self._once("iam", load)

    def autoscaling_groups(self) -> list[AsgRecord]:
        from bot.investigate import sources_aws_extra

        def load() -> list[AsgRecord]:
            groups = sources_aws_extra.autoscaling_groups(self._need_aws().autoscaling)
            return [AsgRecord(*g) for g in groups]

        return self._once("asg", load)

    def certificates(self) -> list[CertRecord]:
        from bot.investigate import sources_aws_extra

        def load() -> list[CertRecord]:
            certs = sources_aws_extra.certificates(self._need_aws().acm)
            return [CertRecord(domain, not_after) for domain, not_after in certs]

        return self._once("acm", load)
