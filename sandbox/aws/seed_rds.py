"""Seed a scenario's RDS instances into moto: any engine (``aurora-*`` inside a cluster of its
own, an engine moto does not know as a stand-in of its family reported with the scenario's
engine), a parameter group when the scenario sets ``max_connections``, an RDS-managed master
password secret, and a status moto's API cannot reach (set on its backend). docs/sandbox.md
lists each of these."""

from __future__ import annotations

from typing import Any

from moto.rds.models import DBInstance

from sandbox.aws.moto_server import backend
from sandbox.scenario_resources import Aws


def _family(engine: str) -> str:
    defaults = {"postgres": "postgres16", "mysql": "mysql8.0", "mariadb": "mariadb10.11"}
    return defaults.get(engine, engine)


#: Engines moto 5.2 only creates as members of a DB cluster.
_CLUSTER_ENGINES = frozenset({"aurora-mysql", "aurora-postgresql"})


def _stand_in(engine: str) -> str:
    """An engine moto can create for one it cannot (``aurora``, ``docdb``, ``custom-*``…)."""
    return "mysql" if "mysql" in engine or "maria" in engine or engine == "aurora" else "postgres"


def _create_instance(
    rds: Any, region: str, name: str, engine: str, instance_class: str, params: dict[str, Any]
) -> None:
    """Create one DB instance whatever its engine; moto answers 500 on an ``aurora-*`` instance
    outside a cluster and 400 on engines it does not know. Aurora gets a cluster with the instance
    in it (what AWS itself does); an engine moto does not know is created as a stand-in of the same
    family and reported with the scenario's engine (docs/sandbox.md)."""
    if engine in _CLUSTER_ENGINES:
        cluster = f"{name}-cluster"
        rds.create_db_cluster(
            DBClusterIdentifier=cluster,
            Engine=engine,
            MasterUsername="sandbox",
            MasterUserPassword="sandbox-password",
        )
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine=engine,
            DBInstanceClass=instance_class,
            DBClusterIdentifier=cluster,
            **params,
        )
        return
    known = engine in DBInstance.default_engine_versions
    password = (
        {}  # RDS keeps the password in a Secrets Manager secret of its own
        if params.get("ManageMasterUserPassword")
        else {"MasterUserPassword": "sandbox-password"}
    )
    rds.create_db_instance(
        DBInstanceIdentifier=name,
        Engine=engine if known else _stand_in(engine),
        DBInstanceClass=instance_class,
        AllocatedStorage=100,
        MasterUsername="sandbox",
        **password,
        **params,
    )
    if not known:
        backend("rds", region).databases[name].engine = engine


def seed_databases(rds: Any, aws: Aws, region: str) -> dict[str, str]:
    """Create the DB instances; returns the scenario's names of their RDS-managed master
    password secrets -> the secrets' real ARNs (what CloudTrail's events carry)."""
    refs: dict[str, str] = {}
    for db in aws.rds_instances:
        params: dict[str, Any] = {}
        if db.master_user_secret is not None:
            params["ManageMasterUserPassword"] = True
        if db.max_connections is not None:
            group = f"{db.id}-params"
            rds.create_db_parameter_group(
                DBParameterGroupName=group,
                DBParameterGroupFamily=_family(db.engine),
                Description=f"parameters of {db.id}",
            )
            rds.modify_db_parameter_group(
                DBParameterGroupName=group,
                Parameters=[
                    {
                        "ParameterName": "max_connections",
                        "ParameterValue": str(db.max_connections),
                        "ApplyMethod": "pending-reboot",
                    }
                ],
            )
            params["DBParameterGroupName"] = group
        _create_instance(rds, region, db.id, db.engine, db.instance_class, params)
        if db.master_user_secret is not None:
            got = rds.describe_db_instances(DBInstanceIdentifier=db.id)["DBInstances"][0]
            refs[db.master_user_secret] = got["MasterUserSecret"]["SecretArn"]
        if db.status == "stopped":
            rds.stop_db_instance(DBInstanceIdentifier=db.id)
        elif db.status != "available":
            backend("rds", region).databases[db.id].status = db.status
    return refs
