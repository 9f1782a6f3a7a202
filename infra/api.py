"""The REST API (API Gateway v1), its routes taken from `shared.topology.ROUTES`."""
from __future__ import annotations

import re

from aws_cdk import Aws, Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.nag import acknowledge
from shared import topology

STAGE_NAME = "v1"
THROTTLE_RATE = 50     # requests per second, steady
THROTTLE_BURST = 100
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
CORS_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "Accept")


def path_parameters(path: str) -> list[str]:
    return re.findall(r"{([^}/+]+)\+?}", path)


class RestApi(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, user_pool: cognito.IUserPool,
                 cors_origins: tuple[str, ...] = ()) -> None:
        super().__init__(scope, construct_id)
        self.cors_origins = cors_origins
        access_logs = logs.LogGroup(self, "AccessLogs", retention=LOG_RETENTION)
        self.api = apigw.RestApi(
            self, "Api",
            description="Peer learning visits API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Browsers on these origins (a members' area elsewhere) may call the API: API Gateway
            # answers the preflight; the functions add the headers to their answers (CORS_ORIGINS).
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(cors_origins), allow_methods=apigw.Cors.ALL_METHODS,
                allow_headers=list(CORS_HEADERS), max_age=Duration.hours(1),
            ) if cors_origins else None,
            # Uploaded files (background material, the console's upload form) reach Lambda
            # base64-encoded, byte for byte.
            binary_media_types=list(topology.BINARY_MEDIA_TYPES),
            # Execution logging needs the account-level CloudWatch role; creating it here makes
            # a deploy to a fresh account/region work.
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # bodies carry personal data: never log them
                metrics_enabled=True,
                throttling_rate_limit=THROTTLE_RATE,
                throttling_burst_limit=THROTTLE_BURST,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False, http_method=True, ip=True, protocol=True, request_time=True,
                    resource_path=True, response_length=True, status=True, user=True),
            ),
        )
        acknowledge(self.api, "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                              "AmazonAPIGatewayPushToCloudWatchLogs]",
                    "API Gateway's account-level logging role: the AWS-managed policy is the documented "
                    "minimum for it, and it is the only managed policy in the stack")
        acknowledge(self.api, "APIG3",
                    "no WAF web ACL: stage throttling and Cognito cover this small programme; a web ACL "
                    "costs more per month than the rest of the stack")
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[user_pool],
            results_cache_ttl=Duration.minutes(5))
        # Parameters only: bodies are validated in Lambda, which answers 422 naming each field.
        self.validator = self.api.add_request_validator(
            "ParametersValidator", validate_request_parameters=True, validate_request_body=False)
        acknowledge(self.api, "APIG2",
                    "the request validator checks parameters only: bodies are validated in Lambda, which "
                    "answers 422 naming each offending field as the contract requires (API Gateway's body "
                    "validation would answer 400 without them)")
        # An unknown path (or method) is API Gateway's "Missing Authentication Token" 403; the
        # contract's clients expect a 404 with a JSON message for what does not exist.
        self.api.add_gateway_response(
            "NotFound", type=apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, status_code="404",
            templates={"application/json": '{"message": "not found"}'})
        if cors_origins:
            # API Gateway's own refusals (401 before the function runs, 429, 5xx) must be readable
            # by the same origins, or a browser reports a network error instead of "sign in again".
            # They carry only a message, so the caller's origin is echoed as it is.
            for name, kind in (("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
                               ("Default5xx", apigw.ResponseType.DEFAULT_5_XX)):
                self.api.add_gateway_response(name, type=kind, response_headers={
                    "Access-Control-Allow-Origin": "method.request.header.Origin",
                    "Vary": "'Origin'"})
        self._integrations: dict[str, apigw.LambdaIntegration] = {}

    @property
    def url(self) -> str:
        return self.api.url

    @property
    def base_url(self) -> str:
        """The stage's URL from the API id alone (no trailing slash): usable in the functions'
        own environment without a dependency cycle through the deployment."""
        return f"https://{self.api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}/{STAGE_NAME}"

    def add_route(self, route: topology.Route, function: lambda_.IFunction) -> apigw.Method:
        integration = self._integrations.get(route.function)
        if integration is None:
            # One invoke permission per function (this API only), not one per method.
            integration = apigw.LambdaIntegration(function, proxy=True, scope_permission_to_method=False)
            self._integrations[route.function] = integration
        resource = self.api.root.resource_for_path(route.path)
        public = route.access == "public"
        method = resource.add_method(
            route.method, integration,
            authorizer=None if public else self.authorizer,
            authorization_type=apigw.AuthorizationType.NONE if public else apigw.AuthorizationType.COGNITO,
            request_validator=self.validator,
            request_parameters={f"method.request.path.{name}": True for name in path_parameters(route.path)},
        )
        if public:
            reason = (f"{route.method} {route.path} is public by contract (anyone, or a visitor's "
                      "single-purpose link token); the handler reads an optional bearer token itself")
            acknowledge(method, "APIG4", reason)
            acknowledge(method, "COG4", reason)
        return method

