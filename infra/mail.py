"""The programme's sending identity, in a stack of its own: `PeerLearningVisitsMail`.

Its own stack because SES only sends (and Cognito only accepts the sender) once the domain's
DKIM records are in DNS: the first deploy creates the identity and prints the records, and the
identity (with its DKIM tokens) survives whatever happens to the service's stack after it
(docs/OPERATIONS.md, "First deploy").

- An SES domain identity with Easy DKIM (2048-bit); each CNAME record an output.
- A configuration set, the identity's default (so every message sent from the domain uses it,
  with no change to the sender's code): bounces and complaints put the address on the
  account's suppression list, TLS is required, reputation metrics are on, and bounce,
  complaint and reject counts go to CloudWatch (dimension `ses:configuration-set`), where the
  service's stack alarms on them.
"""
from __future__ import annotations

from aws_cdk import CfnOutput, Fn, Stack
from aws_cdk import aws_ses as ses
from constructs import Construct

from infra.config import STACK_NAME, AppConfig

MAIL_STACK_NAME = f"{STACK_NAME}Mail"
CONFIGURATION_SET_NAME = "peer-learning-visits"
# The CloudWatch dimension SES puts on its event metrics (a message tag SES adds itself).
CONFIGURATION_SET_DIMENSION = "ses:configuration-set"
COUNTED_EVENTS = ("Bounce", "Complaint", "Reject")


class MailStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.domain = config.mail_from_domain
        self.configuration_set = ses.ConfigurationSet(
            self, "ConfigurationSet",
            configuration_set_name=CONFIGURATION_SET_NAME,
            # An address that bounced or complained is never mailed again (account-level list).
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
            reputation_metrics=True,
            sending_enabled=True,
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
        )
        self.configuration_set.add_event_destination(
            "CloudWatch",
            destination=ses.EventDestination.cloud_watch_dimensions([ses.CloudWatchDimension(
                name=CONFIGURATION_SET_DIMENSION, source=ses.CloudWatchDimensionSource.MESSAGE_TAG,
                default_value=CONFIGURATION_SET_NAME)]),
            events=[ses.EmailSendingEvent.SEND, ses.EmailSendingEvent.DELIVERY, ses.EmailSendingEvent.BOUNCE,
                    ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.REJECT],
        )
        self.identity = ses.EmailIdentity(
            self, "DomainIdentity",
            identity=ses.Identity.domain(self.domain),
            configuration_set=self.configuration_set,
            dkim_identity=ses.DkimIdentity.easy_dkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
            dkim_signing=True,
            feedback_forwarding=True,
        )
        CfnOutput(self, "MailDomain", value=self.domain,
                  description="SES identity: publish the DKIM CNAME records below in this domain's DNS")
        for number, record in enumerate(self.identity.dkim_records, start=1):
            CfnOutput(self, f"DkimRecord{number}", value=Fn.join(" ", [record.name, "CNAME", record.value]),
                      description=f"DKIM record {number} of 3 (name CNAME value)")
        CfnOutput(self, "ConfigurationSetName", value=CONFIGURATION_SET_NAME)



def sending_arns(stack: Stack, config: AppConfig) -> list[str]:
    """What a sender in `stack` may send as and through: the domain identity (and the address,
    should it be verified on its own too) and the configuration set, whose use SES v2
    authorises on the configuration set as well."""
    return [*(stack.format_arn(service="ses", resource="identity", resource_name=name)
              for name in (config.mail_from_domain, config.mail_from_address)),
            stack.format_arn(service="ses", resource="configuration-set", resource_name=CONFIGURATION_SET_NAME)]
