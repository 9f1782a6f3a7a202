"""Who may sign in: the members' user pool (invited only, MFA, mail through the programme's SES
identity), the coordinators' group, and the console's app client on the managed login."""
from __future__ import annotations

from aws_cdk import Aws, Duration, Fn, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config import AppConfig
from infra.mail import CONFIGURATION_SET_NAME
from infra.nag import acknowledge
from shared import topology
from shared.auth import COORDINATORS


def user_pool(scope: Construct, config: AppConfig) -> cognito.UserPool:
    plus = config.threat_protection
    pool = cognito.UserPool(
        scope, "UserPool",
        # Members are invited by the programme: the organisation claim drives allocation, so
        # nobody may sign themselves up or choose their own organisation.
        self_sign_up_enabled=False,
        sign_in_aliases=cognito.SignInAliases(email=True),
        sign_in_case_sensitive=False,
        auto_verify=cognito.AutoVerifiedAttrs(email=True),
        standard_attributes=cognito.StandardAttributes(
            email=cognito.StandardAttribute(required=True, mutable=True),
            fullname=cognito.StandardAttribute(required=False, mutable=True),
        ),
        custom_attributes={"organisation": cognito.StringAttribute(min_len=1, max_len=256, mutable=True)},
        password_policy=cognito.PasswordPolicy(
            min_length=12, require_lowercase=True, require_uppercase=True, require_digits=True,
            require_symbols=True, temp_password_validity=Duration.days(7)),
        mfa=cognito.Mfa.REQUIRED if config.mfa == "required" else cognito.Mfa.OPTIONAL,
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
        account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
        # Invitations and password resets come from the programme through SES (Cognito's own
        # sender is capped at 50 emails a day and says nothing of who sent it).
        email=cognito.UserPoolEmail.with_ses(
            from_email=config.mail_from_address,
            from_name=config.mail_from_name or None,
            reply_to=config.programme_team_email,
            configuration_set_name=CONFIGURATION_SET_NAME,
            ses_verified_domain=config.mail_from_domain,
            ses_region=Aws.REGION,
        ),
        user_invitation=cognito.UserInvitationConfig(
            email_subject="Your account for the peer learning visits programme",
            email_body=("You have been given an account for the peer learning visits programme.<br>"
                        "Username: {username}<br>Temporary password: {####}<br>"
                        f"Questions: {config.programme_team_email}")),
        feature_plan=cognito.FeaturePlan.PLUS if plus else cognito.FeaturePlan.ESSENTIALS,
        standard_threat_protection_mode=(
            cognito.StandardThreatProtectionMode.FULL_FUNCTION if plus else None),
        deletion_protection=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    if not plus:
        acknowledge(pool, "COG8", "the Plus plan (threat protection) is billed per monthly active "
                                  "user; enable it with the context threat_protection=true")
    if config.mfa != "required":
        acknowledge(pool, "COG2", "context mfa=optional: members may enrol TOTP; chosen "
                                  "explicitly for this deployment")
    cognito.UserPoolGroup(scope, "Coordinators", user_pool=pool, group_name=COORDINATORS,
                          description="Programme coordinators (create visits, run allocations, reports)")
    return pool


def console_client(pool: cognito.UserPool, config: AppConfig, *,
                   api_base_url: str) -> tuple[cognito.UserPoolDomain, cognito.UserPoolClient]:
    """The managed login's domain and the one app client: the console's (and members' pages')
    sign-in, authorization code with PKCE (a public client: no secret, no implicit grant, no
    password flows), returning to the console's own pages."""
    prefix = config.auth_domain_prefix or Fn.join("", ["plv-", Aws.ACCOUNT_ID])
    domain = pool.add_domain("SignInDomain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix))
    base = config.public_base_url or api_base_url
    client = pool.add_client(
        "ConsoleClient",
        generate_secret=False,
        # No password, SRP or custom flow from the client: people sign in on the managed login.
        auth_flows=cognito.AuthFlow(user_password=False, user_srp=False, custom=False, admin_user_password=False),
        o_auth=cognito.OAuthSettings(
            flows=cognito.OAuthFlows(authorization_code_grant=True, implicit_code_grant=False,
                                     client_credentials=False),
            scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
            callback_urls=[base + topology.SIGN_IN_CALLBACK_PATH],
            logout_urls=[base + topology.SIGNED_OUT_PATH],
        ),
        supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
        prevent_user_existence_errors=True,
        enable_token_revocation=True,
        id_token_validity=Duration.hours(1),
        access_token_validity=Duration.hours(1),
        refresh_token_validity=Duration.hours(12),
        read_attributes=cognito.ClientAttributes()
        .with_standard_attributes(email=True, email_verified=True, fullname=True)
        .with_custom_attributes("organisation"),
        # The organisation is set by administrators only, never by the member.
        write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
    )
    return domain, client
