"""The drop-ship partners' queue in the synthesised template, by name: the queue, its DLQ, the rule
that feeds it and the function that drains it (the generic tests check it like every queue too)."""

from __future__ import annotations

import pytest

from tests.infra.cfn import CfnTemplate, queue_names, resources, target

pytestmark = pytest.mark.slow


def test_dispatches_reach_the_partner_queue_which_dead_letters_after_eight_receives(dev_template: CfnTemplate) -> None:
    names = queue_names(dev_template)
    by_name = {name: logical_id for logical_id, name in names.items()}
    queue = resources(dev_template, "AWS::SQS::Queue")[by_name["oms-dev-partner-dispatch"]]
    redrive = queue["RedrivePolicy"]
    assert names[target(redrive["deadLetterTargetArn"])] == "oms-dev-partner-dispatch-dlq"
    assert (redrive["maxReceiveCount"], queue["VisibilityTimeout"]) == (8, 300)

    [rule] = [
        r
        for r in resources(dev_template, "AWS::Events::Rule").values()
        if r.get("Name") == "oms-dev-dispatches-to-partners"
    ]
    assert rule["EventPattern"] == {"source": ["oms"], "detail-type": ["FulfilmentOrderDispatched"]}
    [rule_target] = rule["Targets"]
    assert names[target(rule_target["Arn"])] == "oms-dev-partner-dispatch"
    # An event EventBridge cannot deliver goes to the same DLQ.
    assert names[target(rule_target["DeadLetterConfig"]["Arn"])] == "oms-dev-partner-dispatch-dlq"

    [function] = [
        f
        for f in resources(dev_template, "AWS::Serverless::Function").values()
        if f["Handler"] == "app.partner_dispatch"
    ]
    [event] = function["Events"].values()
    assert names[target(event["Properties"]["Queue"])] == "oms-dev-partner-dispatch"
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
