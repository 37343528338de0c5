"""The functions' role reaches this stage's channel and partner secrets (oms-<stage>/channels/*,
oms-<stage>/partners/*) and no other secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.adapters import aws as aws_clients
from chalicelib.adapters import secrets as adapter
from chalicelib.resources import channel_secrets_prefix, partner_secrets_prefix
from infra.stack import SECRET_ACTIONS
from tests.infra.cfn import CfnTemplate, resources
from tests.infra.test_stack import as_list, statements

pytestmark = pytest.mark.slow
PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def needed(aws: dict[str, str]) -> list[str]:
    """The IAM actions our code needs, from the Secrets Manager calls it makes (each operation is
    the action of that name) while every secret of every owner is stored, rotated, read and deleted
    against moto; plus TagResource where CreateSecret passes Tags (AWS requires both then)."""
    made: set[str] = set()

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        made.add(model.name)
        if model.name == "CreateSecret" and params.get("Tags"):
            made.add("TagResource")

    aws_clients.client("secretsmanager").meta.events.register("before-parameter-build.secrets-manager", record)
    for owner in (adapter.CHANNEL, adapter.PARTNER, adapter.CREDENTIALS):
        adapter.put_secret(owner, "web", "first")
        adapter.put_secret(owner, "web", "second")
        assert adapter.secret(owner, "web") == "second"
        assert adapter.delete_secret(owner, "web")
    adapter.put_channel_secret("shop", "first")
    adapter.put_channel_secret("shop", "second")
    assert adapter.channel_signing_secrets("shop")[0] == "second"  # and the one before it, if recent
    return sorted(f"secretsmanager:{operation}" for operation in made)


def test_only_the_secrets_adapter_calls_secrets_manager() -> None:
    """So the calls `needed` records are all the calls there are."""
    callers = [
        path.relative_to(PROJECT_DIR).as_posix()
        for path in [*(PROJECT_DIR / "chalicelib").rglob("*.py"), PROJECT_DIR / "app.py"]
        if '"secretsmanager"' in path.read_text()
    ]
    assert callers == ["chalicelib/adapters/secrets.py"]


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
def test_the_role_may_make_exactly_the_secrets_calls_the_code_makes_on_the_stage_secrets(
    stage: str, needed: list[str], dev_template, prod_template
) -> None:
    cfn: CfnTemplate = dev_template if stage == "dev" else prod_template
    assert sorted(SECRET_ACTIONS) == needed
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
                                                "Action": needed,
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
        ("ChannelSecrets", needed, secrets_arn(stage)),
        ("PartnerSecrets", needed, secrets_arn(stage, "partners")),
    ], granting
    assert channel_secrets_prefix(stage) == f"oms-{stage}/channels"
    assert partner_secrets_prefix(stage) == f"oms-{stage}/partners"


def test_functions_name_the_stage_secrets(dev_template: CfnTemplate) -> None:
    for function_id, props in resources(dev_template, "AWS::Serverless::Function").items():
        assert props["Environment"]["Variables"]["OMS_CHANNEL_SECRETS"] == "oms-dev/channels", function_id
        assert props["Environment"]["Variables"]["OMS_PARTNER_SECRETS"] == "oms-dev/partners", function_id
    assert "oms-prod/channels" not in json.dumps(dev_template)
    assert "oms-prod/partners" not in json.dumps(dev_template)
