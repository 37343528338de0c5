"""The functions' role reaches this stage's channel and partner secrets (oms-<stage>/channels/*,
oms-<stage>/partners/*) and no other secret."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.resources import channel_secrets_prefix, partner_secrets_prefix
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


def secrets_arn(stage: str, owners: str = "channels") -> dict[str, Any]:
    """`arn:<partition>:secretsmanager:<region>:<account>:secret:oms-<stage>/<owners>/*`, as CloudFormation."""
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
                f":secret:oms-{stage}/{owners}/*",
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
    # No other statement anywhere grants a Secrets Manager action, on any resource: the partners' the same actions.
    granting = [s for s in statements(cfn) if any(a.startswith("secretsmanager:") for a in as_list(s["Action"]))]
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in granting] == [
        ("ChannelSecrets", ACTIONS, secrets_arn(stage)),
        ("PartnerSecrets", ACTIONS, secrets_arn(stage, "partners")),
    ], granting
    assert channel_secrets_prefix(stage) == f"oms-{stage}/channels"
    assert partner_secrets_prefix(stage) == f"oms-{stage}/partners"


def test_functions_name_the_stage_secrets(dev_template: CfnTemplate) -> None:
    for function_id, props in resources(dev_template, "AWS::Serverless::Function").items():
        assert props["Environment"]["Variables"]["OMS_CHANNEL_SECRETS"] == "oms-dev/channels", function_id
        assert props["Environment"]["Variables"]["OMS_PARTNER_SECRETS"] == "oms-dev/partners", function_id
    assert "oms-prod/channels" not in json.dumps(dev_template)
    assert "oms-prod/partners" not in json.dumps(dev_template)
