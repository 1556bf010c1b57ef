"""Optional v1.1 ``aws:`` keys: Auto Scaling groups, CloudFront distributions, ACM certs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from sandbox.aws.moto_server import backend
from sandbox.scenario_resources import Aws

_ERROR_CODES = (500, 502, 503, 504)


def _self_signed(domain: str, not_after: datetime) -> tuple[Any, bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - timedelta(days=90))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert, cert.public_bytes(serialization.Encoding.PEM), key_pem


def _certificates(acm: Any, aws: Aws, now: datetime, region: str) -> None:
    for spec in aws.acm_certificates:
        not_after = now + spec.not_after
        # moto refuses to import a certificate that is expired by the real clock: import one
        # valid today, then give moto's record the scenario's certificate.
        _, valid_pem, valid_key = _self_signed(spec.domain, datetime.now(UTC) + timedelta(days=30))
        arn = acm.import_certificate(Certificate=valid_pem, PrivateKey=valid_key)["CertificateArn"]
        cert, pem, _ = _self_signed(spec.domain, not_after)
        bundle = backend("acm", region)._certificates[arn]
        bundle._cert = cert
        bundle.cert = pem
        if not_after <= datetime.now(UTC):
            bundle.status = "EXPIRED"


def _distributions(cloudfront: Any, aws: Aws) -> dict[str, str]:
    refs: dict[str, str] = {}
    for dist in aws.cloudfront_distributions:
        domain = dist.origin if "." in dist.origin else f"{dist.origin}.origin.invalid"
        errors: dict[str, Any] = {"Quantity": 0}
        if dist.error_caching_min_ttl is not None:
            errors = {
                "Quantity": len(_ERROR_CODES),
                "Items": [
                    {"ErrorCode": code, "ErrorCachingMinTTL": dist.error_caching_min_ttl}
                    for code in _ERROR_CODES
                ],
            }
        created = cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": f"aiops-sandbox-{dist.id_ref}",
                "Comment": dist.id_ref,
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": dist.origin,
                            "DomainName": domain,
                            "CustomOriginConfig": {
                                "HTTPPort": 80,
                                "HTTPSPort": 443,
                                "OriginProtocolPolicy": "https-only",
                            },
                        }
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": dist.origin,
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "MinTTL": 0,
                    "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                    "TrustedSigners": {"Enabled": False, "Quantity": 0},
                },
                "CustomErrorResponses": errors,
            }
        )
        refs[dist.id_ref] = created["Distribution"]["Id"]
    return refs


def _groups(client: Any, ec2: Any, aws: Aws, region: str) -> None:
    template = ec2.create_launch_template(
        LaunchTemplateName="aiops-sandbox-asg",
        LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"},
    )["LaunchTemplate"]["LaunchTemplateId"]
    for group in aws.autoscaling_groups:
        client.create_auto_scaling_group(
            AutoScalingGroupName=group.name,
            LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
            MinSize=group.min,
            MaxSize=group.max,
            DesiredCapacity=group.desired,
            AvailabilityZones=[f"{region}a"],
        )


def seed_v11(session: boto3.Session, endpoint: str, aws: Aws, now: datetime) -> dict[str, str]:
    region = session.region_name or "us-east-1"
    refs: dict[str, str] = {}
    if aws.autoscaling_groups:
        _groups(
            session.client("autoscaling", endpoint_url=endpoint),
            session.client("ec2", endpoint_url=endpoint),
            aws,
            region,
        )
    if aws.cloudfront_distributions:
        refs.update(_distributions(session.client("cloudfront", endpoint_url=endpoint), aws))
    if aws.acm_certificates:
        _certificates(session.client("acm", endpoint_url=endpoint), aws, now, region)
    return refs
