"""An SNS ``Message`` with a field of the wrong type is a 422 naming the field, never a
TypeError/KeyError that would become a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.ingest.aws_events import parse_sns_message
from bot.ingest.models import BadPayload

ALARM: dict[str, Any] = {
    "AlarmName": "orders-db-cpu",
    "AlarmDescription": "CPU high\nservice=orders-db",
    "NewStateValue": "ALARM",
    "NewStateReason": "Threshold crossed",
    "StateChangeTime": "2025-03-22T19:00:00.000+0000",
    "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-db-cpu",
    "Trigger": {"Dimensions": [{"name": "DBInstanceIdentifier", "value": "orders-db"}]},
}
EB_ALARM: dict[str, Any] = {
    "detail-type": "CloudWatch Alarm State Change",
    "source": "aws.cloudwatch",
    "time": "2025-03-22T19:00:00Z",
    "resources": ["arn:aws:cloudwatch:us-east-1:1:alarm:x"],
    "detail": {
        "alarmName": "x",
        "state": {"value": "ALARM", "reason": "r", "timestamp": "2025-03-22T19:00:00Z"},
        "configuration": {"description": "d", "metrics": []},
    },
}
GURU: dict[str, Any] = {
    "detail-type": "DevOps Guru New Insight Open",
    "source": "aws.devops-guru",
    "time": "2025-03-22T19:00:00Z",
    "detail": {"insightId": "i-1", "resourceCollection": {"tags": []}},
}
HEALTH: dict[str, Any] = {
    "detail-type": "AWS Health Event",
    "source": "aws.health",
    "time": "2025-03-22T19:00:00Z",
    "detail": {"eventArn": "arn:h", "eventDescription": [], "affectedEntities": []},
}


def with_(base: dict[str, Any], path: str, value: Any) -> str:
    body = json.loads(json.dumps(base))
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[key]
    node[last] = value
    return json.dumps(body)


@pytest.mark.parametrize("base", [ALARM, EB_ALARM, GURU, HEALTH])
def test_the_well_typed_messages_parse(base: dict[str, Any]) -> None:
    assert len(parse_sns_message(json.dumps(base))) == 1


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (with_(ALARM, "Trigger", 5), "Message.Trigger"),
        (with_(ALARM, "Trigger.Metrics", 5), "Message.Trigger.Metrics"),
        (with_(ALARM, "AlarmDescription", {"a": 1}), "Message.AlarmDescription"),
        (with_(ALARM, "AlarmName", 7), "AlarmName"),
        (with_(ALARM, "StateChangeTime", "9999-12-31T23:59:59Z"), "StateChangeTime"),
        (with_(EB_ALARM, "resources", {"a": 1}), "resources"),
        (with_(EB_ALARM, "detail.configuration", "x"), "detail.configuration"),
        (with_(EB_ALARM, "detail.configuration.metrics", 3), "detail.configuration.metrics"),
        (with_(EB_ALARM, "detail.configuration.description", 3), "description"),
        (with_(GURU, "detail.resourceCollection", []), "detail.resourceCollection"),
        (with_(GURU, "detail.resourceCollection.tags", 1), "detail.resourceCollection.tags"),
        (with_(HEALTH, "detail.eventDescription", {"a": 1}), "detail.eventDescription"),
        (with_(HEALTH, "detail.affectedEntities", "e"), "detail.affectedEntities"),
        (with_(HEALTH, "time", "2025-03-22T19:00:00"), "time"),
        ('{"AlarmName": NaN}', "AlarmName"),
        ("[" * 10_000 + "]" * 10_000, "nested deeper"),
    ],
)
def test_wrong_types_are_a_422_naming_the_field(message: str, field: str) -> None:
    with pytest.raises(BadPayload, match=field.replace(".", r"\.")):
        parse_sns_message(message)
