"""The OMS on AWS: the Chalice app plus its tables, queues, bus and rules, all from chalicelib.resources.

Chalice packages app.py into a SAM template (its functions, API and event sources); this stack adds
what Chalice cannot: the data stores, one IAM role with least privilege, partial batch failures on
the SQS event sources, the table stream wired to the outbox relay, API throttling and access logs.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from chalice.utils import to_cfn_resource_name
from constructs import Construct

from chalicelib.http.gateway import GATEWAY_RESPONSES
from chalicelib.http.problems import PROBLEM_TYPE
from chalicelib.resources import (
    DLQ_RETENTION_DAYS,
    RESOURCES,
    Table,
    channel_secrets_prefix,
    dlq_name,
    partner_secrets_prefix,
    physical_name,
)
from infra.alarms import add_alarms
from infra.dashboard import add_dashboard

PROJECT_DIR = Path(__file__).resolve().parent.parent
SERVERLESS_FUNCTION = "AWS::Serverless::Function"
LAMBDA_TIMEOUT_S = 30  # SQS needs a visibility timeout at least this long (AWS advises six times)
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
API_STAGE = "api"  # the URL path prefix: https://<id>.execute-api.<region>.amazonaws.com/api/

# Table/index data actions the app uses (TransactWriteItems and TransactGetItems are authorised per item).
TABLE_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
# Channels' and partners' secrets (chalicelib/adapters/secrets.py): made, rotated and removed by
# PUT /channels/{id} and PUT /locations/{id}, read to verify webhooks and sign partner dispatches.
# Exactly the calls that adapter makes (tests/infra/test_secrets.py records them), and TagResource:
# CreateSecret with Tags needs it. No DescribeSecret or ListSecrets, no RestoreSecret.
SECRET_ACTIONS = (
    "secretsmanager:CreateSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:TagResource",
)
QUEUE_ACTIONS = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
)
# Dead letters (GET /ops/dead-letters, POST .../redrive): peek, receive and delete, make visible again.
# SQS itself moves failed messages in (and EventBridge has the queue policy), so no SendMessage here;
# redrive sends to the source queue, which QUEUE_ACTIONS already allows.
DEAD_LETTER_ACTIONS = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
)


# One JSON line per request: enough to follow a failed call from the caller's x-amzn-RequestId to
# the Lambda (X-Ray trace) and to tell API Gateway's own errors from the integration's. No caller or
# user: the app resolves its bearer tokens itself, so API Gateway's identity fields stay empty.
ACCESS_LOG_FIELDS = {
    "requestId": apigateway.AccessLogField.context_request_id(),
    "extendedRequestId": apigateway.AccessLogField.context_extended_request_id(),
    "xrayTraceId": apigateway.AccessLogField.context_xray_trace_id(),
    "ip": apigateway.AccessLogField.context_identity_source_ip(),
    "userAgent": apigateway.AccessLogField.context_identity_user_agent(),
    "requestTime": apigateway.AccessLogField.context_request_time(),
    "httpMethod": apigateway.AccessLogField.context_http_method(),
    "resourcePath": apigateway.AccessLogField.context_resource_path(),
    "protocol": apigateway.AccessLogField.context_protocol(),
    "status": apigateway.AccessLogField.context_status(),
    "responseLength": apigateway.AccessLogField.context_response_length(),
    "responseLatency": apigateway.AccessLogField.context_response_latency(),
    "integrationLatency": apigateway.AccessLogField.context_integration_latency(),
    "integrationStatus": apigateway.AccessLogField.context_integration_status(),
    "integrationErrorMessage": apigateway.AccessLogField.context_integration_error_message(),
    "errorMessage": apigateway.AccessLogField.context_error_message(),
    "errorResponseType": apigateway.AccessLogField.context_error_response_type(),
}


@dataclass(frozen=True)
class StageSettings:
    throttle_rate: int  # steady requests per second, per stage
    throttle_burst: int
    log_retention: logs.RetentionDays
    removal_policy: cdk.RemovalPolicy


STAGE_SETTINGS = {
    "dev": StageSettings(50, 100, logs.RetentionDays.TWO_WEEKS, cdk.RemovalPolicy.DESTROY),
    "prod": StageSettings(500, 1000, logs.RetentionDays.THREE_MONTHS, cdk.RemovalPolicy.RETAIN),
}


class OmsStack(cdk.Stack):
    """One stage of the OMS. The construct id must be the stage name: Chalice takes its stage from it."""

    def __init__(self, scope: Construct, stage: str, *, work_dir: Path, **kwargs: Any) -> None:
        super().__init__(scope, stage, stack_name=f"oms-{stage}", **kwargs)
        self.stage = stage
        self.settings = STAGE_SETTINGS[stage]
        cdk.Tags.of(self).add("app", "oms")
        cdk.Tags.of(self).add("stage", stage)

        self.tables = {table.key: self._table(table) for table in RESOURCES.tables}
        self.dlqs: dict[str, sqs.Queue] = {}
        self.queues = {queue.key: self._queue(queue.key) for queue in RESOURCES.queues}
        self.bus = events.EventBus(self, "Bus", event_bus_name=physical_name(RESOURCES.bus, stage))
        self.archive = self.bus.archive(
            "Archive",
            archive_name=physical_name(f"{RESOURCES.bus}-archive", stage),
            description="Every OMS event, for replay",
            event_pattern=events.EventPattern(account=[self.account]),
            retention=cdk.Duration.days(RESOURCES.archive_retention_days),
        )
        self.rules = {rule.key: self._rule(rule.key) for rule in RESOURCES.rules}
        self.role = self._role()

        self.chalice = self._chalice(work_dir)
        self.function_names = self._wire_functions()
        self.stream_function_id = to_cfn_resource_name(RESOURCES.stream_handler)
        self.api_name = physical_name("api", stage)
        self.api_stage = API_STAGE
        self._configure_api()
        self._wire_sqs_event_sources()
        self._wire_stream()
        self.dashboard = add_dashboard(self)
        self.alarms = add_alarms(self)

    # -- data --------------------------------------------------------------------------------------

    def _table(self, table: Table) -> dynamodb.Table:
        string = dynamodb.AttributeType.STRING
        resource = dynamodb.Table(
            self,
            f"Table{to_cfn_resource_name(table.key)}",
            table_name=physical_name(table.key, self.stage),
            partition_key=dynamodb.Attribute(name=table.partition_key, type=string),
            sort_key=dynamodb.Attribute(name=table.sort_key, type=string) if table.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=table.ttl_attribute,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if table.stream else None,
            deletion_protection=self.settings.removal_policy == cdk.RemovalPolicy.RETAIN,
            removal_policy=self.settings.removal_policy,
        )
        for index in table.indexes:
            resource.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.partition_key, type=string),
                sort_key=dynamodb.Attribute(name=index.sort_key, type=string),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return resource

    def _queue(self, key: str) -> sqs.Queue:
        definition = RESOURCES.queue(key)
        if definition.visibility_timeout_s < LAMBDA_TIMEOUT_S:
            raise ValueError(
                f"queue {key}: visibility timeout {definition.visibility_timeout_s}s < {LAMBDA_TIMEOUT_S}s"
            )
        logical = to_cfn_resource_name(key)
        dlq = sqs.Queue(
            self,
            f"{logical}Dlq",
            queue_name=dlq_name(key, self.stage),
            fifo=definition.fifo or None,
            retention_period=cdk.Duration.days(DLQ_RETENTION_DAYS),
            enforce_ssl=True,
            removal_policy=self.settings.removal_policy,
        )
        self.dlqs[key] = dlq
        queue = sqs.Queue(
            self,
            f"{logical}Queue",
            queue_name=physical_name(key, self.stage),
            fifo=definition.fifo or None,
            visibility_timeout=cdk.Duration.seconds(definition.visibility_timeout_s),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=definition.max_receive_count),
            enforce_ssl=True,
            removal_policy=self.settings.removal_policy,
        )
        senders: list[iam.IPrincipal] = [iam.AccountPrincipal(account) for account in definition.senders]
        if definition.sender_role_setting:
            senders += self._sender_role(definition.sender_role_setting)
        if senders:  # SP-API checks it may send (GetQueueAttributes) when its destination is made
            queue.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="PlatformSends",
                    principals=senders,
                    actions=["sqs:SendMessage", "sqs:GetQueueAttributes"],
                    resources=[queue.queue_arn],
                )
            )
        return queue

    def _sender_role(self, setting: str) -> list[iam.IPrincipal]:
        """The role the stage setting names (CDK context `setting`), if it is set. IAM refuses a queue
        policy naming a role that does not exist: set it once the platform's subscription has one."""
        role = self.node.try_get_context(setting)
        if not role:
            return []
        if not ROLE_ARN.fullmatch(str(role)):
            raise ValueError(f"{setting} must be an IAM role's ARN (arn:aws:iam::<account>:role/<name>), not {role!r}")
        return [iam.ArnPrincipal(str(role))]

    def _rule(self, key: str) -> events.Rule:
        rule = next(r for r in RESOURCES.rules if r.key == key)
        return events.Rule(
            self,
            f"Rule{to_cfn_resource_name(key)}",
            rule_name=physical_name(key, self.stage),
            event_bus=self.bus,
            # The pattern is declared as JSON; EventPattern's fields are its keys in snake case.
            event_pattern=events.EventPattern(**{k.replace("-", "_"): v for k, v in rule.event_pattern.items()}),  # type: ignore[arg-type]
            targets=[targets.SqsQueue(self.queues[rule.target_queue], dead_letter_queue=self.dlqs[rule.target_queue])],
        )

    # -- IAM ---------------------------------------------------------------------------------------

    def _function_name(self, logical_id: str) -> str:
        """`APIHandler` -> `oms-<stage>-api-handler`, `OrderIntake` -> `oms-<stage>-order-intake`."""
        words = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", logical_id)
        return physical_name(words.lower(), self.stage)

    def _role(self) -> iam.Role:
        """The one role every function runs as: specific actions on this stage's resources only."""
        table_arns = [arn for t in self.tables.values() for arn in (t.table_arn, f"{t.table_arn}/index/*")]
        streams = [t.table_stream_arn for t in self.tables.values() if t.table_stream_arn]
        log_groups = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"/aws/lambda/{physical_name('*', self.stage)}",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        statements = [
            iam.PolicyStatement(sid="Tables", actions=list(TABLE_ACTIONS), resources=table_arns),
            iam.PolicyStatement(sid="Queues", actions=list(QUEUE_ACTIONS), resources=self._queue_arns()),
            iam.PolicyStatement(
                sid="DeadLetterQueues",
                actions=list(DEAD_LETTER_ACTIONS),
                resources=[q.queue_arn for q in self.dlqs.values()],
            ),
            iam.PolicyStatement(sid="Bus", actions=["events:PutEvents"], resources=[self.bus.event_bus_arn]),
            # This stage's channel and partner secrets only; the trailing * is the name plus AWS's random suffix.
            iam.PolicyStatement(
                sid="ChannelSecrets",
                actions=list(SECRET_ACTIONS),
                resources=[self._secrets_arn(channel_secrets_prefix(self.stage))],
            ),
            iam.PolicyStatement(
                sid="PartnerSecrets",
                actions=list(SECRET_ACTIONS),
                resources=[self._secrets_arn(partner_secrets_prefix(self.stage))],
            ),
            iam.PolicyStatement(
                sid="Logs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_groups, f"{log_groups}:log-stream:*"],
            ),
            # X-Ray has no resource-level permissions.
            iam.PolicyStatement(
                sid="Tracing", actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            ),
        ]
        if streams:
            statements.append(iam.PolicyStatement(sid="Streams", actions=list(STREAM_ACTIONS), resources=streams))
        # Inline, so every function (and each event source mapping, through it) waits for the policy.
        return iam.Role(
            self,
            "FunctionRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"The OMS {self.stage} Lambda functions",
            inline_policies={"oms": iam.PolicyDocument(statements=statements)},
        )

    def _secrets_arn(self, prefix: str) -> str:
        """`arn:aws:secretsmanager:<region>:<account>:secret:<prefix>/*`."""
        return self.format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{prefix}/*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )

    def _queue_arns(self) -> list[str]:
        return [q.queue_arn for q in self.queues.values()]

    # -- the Chalice app ---------------------------------------------------------------------------

    def _chalice(self, work_dir: Path) -> Chalice:
        """Package app.py for this stage. Chalice imports app.py, which names its queues from OMS_STAGE."""
        os.environ["OMS_STAGE"] = self.stage
        environment = {
            "OMS_STAGE": self.stage,
            "POWERTOOLS_SERVICE_NAME": "oms",
            "POWERTOOLS_METRICS_NAMESPACE": "OMS",
            "OMS_BUS": physical_name(RESOURCES.bus, self.stage),
            "OMS_CHANNEL_SECRETS": channel_secrets_prefix(self.stage),
            "OMS_PARTNER_SECRETS": partner_secrets_prefix(self.stage),
            # Queue names are the prefix plus the queue's key (a DLQ's: plus "-dlq"), as physical_name makes them.
            "OMS_QUEUE_PREFIX": physical_name("", self.stage),
        }
        for table in RESOURCES.tables:
            environment[f"OMS_TABLE_{table.key.upper().replace('-', '_')}"] = physical_name(table.key, self.stage)
        stage_config = {
            "environment_variables": environment,
            "manage_iam_role": False,
            "iam_role_arn": self.role.role_arn,
            "autogen_policy": False,
            "xray": True,
            "automatic_layer": False,
            "api_gateway_stage": API_STAGE,
            "lambda_timeout": LAMBDA_TIMEOUT_S,
        }
        # Chalice writes its package under the current directory: keep it inside the cloud assembly.
        work_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(work_dir / "chalice.out", ignore_errors=True)
        with contextlib.chdir(work_dir):
            chalice = Chalice(self, "ChaliceApp", source_dir=str(PROJECT_DIR), stage_config=stage_config)
        self._check_subscriptions()
        return chalice

    def _check_subscriptions(self) -> None:
        """Fail the synth if app.py subscribes to a queue this stack does not create (a stage mix-up)."""
        app = importlib.import_module("app").app
        subscribed = {s.name: s.queue for s in app.event_sources if hasattr(s, "queue")}
        expected = {q.handler: physical_name(q.key, self.stage) for q in RESOURCES.queues}
        if subscribed != expected:
            raise RuntimeError(f"app.py subscribes to {subscribed}, the stack creates {expected}")

    def _functions(self) -> dict[str, cdk.CfnResource]:
        out: dict[str, cdk.CfnResource] = {}
        for child in self.chalice.sam_template.node.children:
            if isinstance(child, cdk.CfnResource) and child.cfn_resource_type == SERVERLESS_FUNCTION:
                out[child.node.id] = child
        return out

    def _wire_functions(self) -> dict[str, str]:
        """Stable names, log groups with retention (made before the function, so Lambda need not)."""
        names = {}
        for logical_id, function in self._functions().items():
            name = self._function_name(logical_id)
            log_group = logs.LogGroup(
                self,
                f"{logical_id}Logs",
                log_group_name=f"/aws/lambda/{name}",
                retention=self.settings.log_retention,
                removal_policy=self.settings.removal_policy,
            )
            function.add_property_override("FunctionName", name)
            cfn_log_group = log_group.node.default_child
            assert isinstance(cfn_log_group, cdk.CfnResource)
            function.add_resource_dependency(cfn_log_group)
            names[logical_id] = name
        return names

    def _wire_sqs_event_sources(self) -> None:
        """Partial batch failures on every queue; the event source waits for (and points at) the queue."""
        for queue in RESOURCES.queues:
            logical_id = to_cfn_resource_name(queue.handler)
            function = self.chalice.get_resource(logical_id)
            event = f"Properties.Events.{logical_id}SqsEventSource.Properties"
            function.add_override(f"{event}.Queue", self.queues[queue.key].queue_arn)
            function.add_override(f"{event}.FunctionResponseTypes", ["ReportBatchItemFailures"])
            function.add_override(f"{event}.BatchSize", queue.batch_size)

    def _wire_stream(self) -> None:
        """The orders table's stream invokes the outbox relay; the outbox sweep catches what it misses."""
        relay = self.chalice.get_function(self.stream_function_id)
        for key, table in self.tables.items():
            if not table.table_stream_arn:
                continue
            lambda_.EventSourceMapping(
                self,
                f"{to_cfn_resource_name(key)}Stream",
                target=relay,
                event_source_arn=table.table_stream_arn,
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=100,
                max_batching_window=cdk.Duration.seconds(1),
                bisect_batch_on_error=True,
                retry_attempts=5,
                max_record_age=cdk.Duration.hours(1),
            )

    def _configure_api(self) -> None:
        """Throttling, access logs and tracing on the stage Chalice generates (a SAM Api)."""
        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            log_group_name=f"/aws/apigateway/{physical_name('api', self.stage)}",
            retention=self.settings.log_retention,
            removal_policy=self.settings.removal_policy,
        )
        api = self.chalice.get_resource("RestAPI")
        api.add_property_override("Name", self.api_name)  # the ApiName its metrics carry; Chalice uses "oms"
        api.add_property_override("TracingEnabled", True)
        # Problems instead of API Gateway's own answers (an unknown route is a 404, never an echo of
        # the caller's Authorization header). In the SAM Api they join its swagger, so a change redeploys.
        api.add_property_override(
            "GatewayResponses",
            {
                response_type: {
                    **({} if problem.status is None else {"StatusCode": str(problem.status)}),
                    "ResponseParameters": {"Headers": {"Content-Type": f"'{PROBLEM_TYPE}'"}},
                    "ResponseTemplates": {"application/json": problem.body()},
                }
                for response_type, problem in GATEWAY_RESPONSES.items()
            },
        )
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": self.settings.throttle_rate,
                    "ThrottlingBurstLimit": self.settings.throttle_burst,
                    "MetricsEnabled": True,
                    "LoggingLevel": "ERROR",
                    "DataTraceEnabled": False,
                }
            ],
        )
        api.add_property_override(
            "AccessLogSetting",
            {
                "DestinationArn": access_logs.log_group_arn,
                "Format": apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)).to_string(),
            },
        )
        # API Gateway writes logs through an account-wide role; kept when a stage is deleted.
        push_role = iam.Role(
            self,
            "ApiGatewayLogsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AmazonAPIGatewayPushToCloudWatchLogs")
            ],
        )
        push_role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        account = apigateway.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=push_role.role_arn)
        api.add_resource_dependency(account)
