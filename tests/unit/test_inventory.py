"""The inventory's catalogue (types.yaml) and its question words, without AWS."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.inventory.ask import question_to_query
from bot.inventory.catalogue import TYPES_FILE, catalogue, parse_catalogue
from bot.inventory.query import Filter, parse_filter
from integrations.aws.inventory import Resource


def test_shipped_catalogue_is_valid_and_names_every_reader() -> None:
    from bot.inventory.service import AWS_READERS

    cat = parse_catalogue(TYPES_FILE.read_text())
    aws_types = {t.type for t in cat.types if t.source == "aws"}
    assert aws_types == set(AWS_READERS)
    for entry in cat.words:  # every question word is a valid filter
        assert parse_filter(entry.filter).key
    assert {t.type for t in cat.types if t.source == "kubernetes"} == {"deployments"}


def test_a_bad_catalogue_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"types\.0\.source"):
        parse_catalogue("types: [{type: ec2, source: gcp, columns: [id]}]")
    with pytest.raises(ConfigError, match="names both"):
        parse_catalogue(
            "types: [{type: a, source: aws, aliases: [x], columns: [id]},"
            " {type: b, source: aws, aliases: [X], columns: [id]}]"
        )


@pytest.mark.parametrize(
    ("question", "type_name", "filters"),
    [
        ("list EC2 instances in prod", "ec2", ["env=prod"]),
        ("which buckets are public", "buckets", ["public=true"]),
        ("which S3 buckets are not encrypted?", "buckets", ["encrypted=false"]),
        ("show security groups open to the world", "security_groups", ["public=true"]),
        ("stopped instances in staging", "ec2", ["state=stopped", "env=staging"]),
        ("iam users with no MFA", "iam_users", ["mfa=false"]),
        ("k8s deployments", "deployments", []),
        ("load balancers tag:team=payments", "load_balancers", ["tag:team=payments"]),
    ],
)
def test_questions(question: str, type_name: str, filters: list[str]) -> None:
    q = question_to_query(question)
    assert q is not None
    assert q.type.type == type_name
    assert sorted(str(f) for f in q.filters) == sorted(filters)


def test_no_type_no_query() -> None:
    assert question_to_query("why is the API slow") is None


def test_filter_matching_ignores_case_and_reads_tag_synonyms() -> None:
    r = Resource("ec2", "i-1", "Web-1", "eu-west-1", "running", tags={"Environment": "Production"})
    assert Filter("env", "=", "prod").matches(r)
    assert not Filter("env", "!=", "PROD").matches(r)
    assert Filter("name", "~", "web").matches(r)
    assert not Filter("tag:team", "=", "data").matches(r)
    assert catalogue().type_named("Security-Groups") is not None


def test_text_not_addressed_to_the_inventory_needs_a_listing_word() -> None:
    assert question_to_query("restart the users api", need_intent=True) is None
    assert question_to_query("buckets public", need_intent=True) is None
    q = question_to_query("show me the buckets that are public", need_intent=True)
    assert q is not None and q.type.type == "buckets"


def test_a_list_field_is_matched_by_item() -> None:
    sg = Resource("security_groups", "sg-1", "web", "eu-west-1", attrs={"open_to_world": "2222,80"})
    assert not Filter("open_to_world", "=", "22").matches(sg)  # 2222 is not 22
    assert Filter("open_to_world", "=", "80").matches(sg)
    assert Filter("open_to_world", "!=", "22").matches(sg)
