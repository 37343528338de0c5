"""The functions' role reaches this stage's channel secrets (oms-<stage>/channels/*) and no other secret."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.resources import channel_secrets_prefix
from infra.stack import SECRET_ACTIONS
from tests.infra.cfn import CfnTemplate, resources
from tests.infra.test_stack import as_list, statements

pytestmark = pytest.mark.slow

ACTIONS = [
    "secretsmanager:CreateSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:TagResource",
]


def secrets_arn(stage: str) -> dict[str, Any]:
    """`arn:<partition>:secretsmanager:<region>:<account>:secret:oms-<stage>/channels/*`, as CloudFormation."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":secretsmanager:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":secret:oms-{stage}/channels/*",
            ],
        ]
    }


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_role_may_manage_exactly_the_stage_channel_secrets(stage: str, dev_template, prod_template) -> None:
    cfn: CfnTemplate = dev_template if stage == "dev" else prod_template
    assert sorted(SECRET_ACTIONS) == ACTIONS
    Template.from_json(cfn).has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_like(
                {"Statement": [Match.object_like({"Principal": {"Service": "lambda.amazonaws.com"}})]}
            ),
            "Policies": Match.array_with(
                [
                    Match.object_like(
                        {
                            "PolicyDocument": Match.object_like(
                                {
                                    "Statement": Match.array_with(
                                        [
                                            {
                                                "Sid": "ChannelSecrets",
                                                "Effect": "Allow",
                                                "Action": ACTIONS,
                                                "Resource": secrets_arn(stage),
                                            }
                                        ]
                                    )
                                }
                            )
                        }
                    )
                ]
            ),
        },
    )
    # No other statement anywhere grants a Secrets Manager action, on any resource.
    granting = [s for s in statements(cfn) if any(a.startswith("secretsmanager:") for a in as_list(s["Action"]))]
    assert len(granting) == 1 and granting[0]["Resource"] == secrets_arn(stage), granting
    assert channel_secrets_prefix(stage) == f"oms-{stage}/channels"


def test_functions_name_the_stage_secrets(dev_template: CfnTemplate) -> None:
    for function_id, props in resources(dev_template, "AWS::Serverless::Function").items():
        assert props["Environment"]["Variables"]["OMS_CHANNEL_SECRETS"] == "oms-dev/channels", function_id
    assert "oms-prod/channels" not in json.dumps(dev_template)
