"""Reading a synthesised template: resources by type, and what a GetAtt/Ref points at."""

from __future__ import annotations

from typing import Any

CfnTemplate = dict[str, Any]
# The role bol.com sends its notifications as: the stage setting the dev synthesis is given (conftest).
BOL_SENDER_ROLE = "arn:aws:iam::123456789012:role/bol-notifications"


def resources(template: CfnTemplate, kind: str) -> dict[str, dict[str, Any]]:
    """Logical id -> Properties, for every resource of one type."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def target(value: Any) -> str:
    """The logical id a `{"Fn::GetAtt": [id, attr]}` or `{"Ref": id}` refers to."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    raise AssertionError(f"not a reference: {value!r}")


def queue_names(template: CfnTemplate) -> dict[str, str]:
    """Queue logical id -> QueueName."""
    return {logical_id: props["QueueName"] for logical_id, props in resources(template, "AWS::SQS::Queue").items()}


def strip_stage(name: str, stage: str) -> str:
    prefix = f"oms-{stage}-"
    assert name.startswith(prefix), f"{name} is not named for stage {stage}"
    return name[len(prefix) :]


def snapshot(template: CfnTemplate, stage: str) -> dict[str, Any]:
    """Tables, queues and rules as the parity test compares them: names without the stage."""
    tables = {}
    for props in resources(template, "AWS::DynamoDB::Table").values():
        tables[strip_stage(props["TableName"], stage)] = {
            "key": _keys(props["KeySchema"]),
            "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]),
            "indexes": {
                i["IndexName"]: {"key": _keys(i["KeySchema"]), "projection": i["Projection"]["ProjectionType"]}
                for i in props.get("GlobalSecondaryIndexes", [])
            },
            "billing": props["BillingMode"],
            "stream": props.get("StreamSpecification", {}).get("StreamViewType"),
            "ttl": props.get("TimeToLiveSpecification", {}).get("AttributeName"),
        }
    names = queue_names(template)
    queues = {}
    for props in resources(template, "AWS::SQS::Queue").values():
        redrive = props.get("RedrivePolicy")
        queues[strip_stage(props["QueueName"], stage)] = {
            "dlq": strip_stage(names[target(redrive["deadLetterTargetArn"])], stage) if redrive else None,
            "max_receive_count": int(redrive["maxReceiveCount"]) if redrive else None,
            "visibility_timeout": int(props.get("VisibilityTimeout", 30)),
        }
    buses = [p["Name"] for p in resources(template, "AWS::Events::EventBus").values()]
    rules = {
        strip_stage(props["Name"], stage): {
            "pattern": props["EventPattern"],
            "targets": sorted(strip_stage(names[target(t["Arn"])], stage) for t in props["Targets"]),
        }
        for props in resources(template, "AWS::Events::Rule").values()
        if "EventBusName" in props
    }
    return {"tables": tables, "queues": queues, "buses": sorted(strip_stage(b, stage) for b in buses), "rules": rules}


def _keys(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in schema]
