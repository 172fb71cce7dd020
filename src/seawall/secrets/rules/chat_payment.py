
"""Chat, e-mail/SMS and payment credentials: Slack, Discord, Telegram, Teams, Mattermost, Twilio,
SendGrid, Brevo, Mailgun, Mailchimp, Postmark, MessageBird, Stripe, Square, Braintree, Shopify,
Plaid, Flutterwave, GoCardless."""

from __future__ import annotations

from seawall.secrets.rules._spec import ctx, secret, tok

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
SLACK_REMEDIATION = (
    "Revoke the token or webhook (api.slack.com/apps > your app > OAuth & Permissions / Incoming "
    "Webhooks, or auth.revoke), purge it from history and mount it from a Secret at run time."
)
STRIPE_REMEDIATION = (
    "Roll the key in the Stripe dashboard (Developers > API keys > Roll key), purge it from history "
    "and load it from a secret store; use restricted keys (rk_) with the fewest permissions."
)

secret(80, "slack-bot-token", "Slack bot token", "high", tok(r"xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*"),
       ["xoxb-"], gitleaks="slack-bot-token", trivy="slack-access-token", entropy=3.0, remediation=SLACK_REMEDIATION)
secret(81, "slack-user-token", "Slack user token", "high", tok(r"xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}"),
       ["xoxp-", "xoxe-"], gitleaks="slack-user-token", trivy="slack-access-token", entropy=3.0,
       remediation=SLACK_REMEDIATION)
secret(82, "slack-app-token", "Slack app-level token", "high", tok(r"(?i:xapp)-\d-[A-Z0-9]+-\d+-[a-z0-9]+"),
       ["xapp-"], gitleaks="slack-app-token", entropy=3.0, remediation=SLACK_REMEDIATION)
secret(83, "slack-config-access-token", "Slack configuration access token", "high",
       tok(r"(?i:xoxe\.xox[bp])-\d-[A-Za-z0-9]{163,166}"), ["xoxe.xox"], gitleaks="slack-config-access-token",
       entropy=3.0, remediation=SLACK_REMEDIATION)
secret(84, "slack-config-refresh-token", "Slack configuration refresh token", "high",
       tok(r"(?i:xoxe)-\d-[A-Za-z0-9]{146}"), ["xoxe-"], gitleaks="slack-config-refresh-token", entropy=3.0,
       remediation=SLACK_REMEDIATION)
secret(85, "slack-legacy-bot-token", "Slack legacy bot token", "high", tok(r"xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26}"),
       ["xoxb-"], gitleaks="slack-legacy-bot-token", entropy=3.0, remediation=SLACK_REMEDIATION)
secret(86, "slack-legacy-token", "Slack legacy token", "high", tok(r"xox[os]-\d+-\d+-\d+-[a-fA-F\d]+"),
       ["xoxo-", "xoxs-"], gitleaks="slack-legacy-token", entropy=2.5, remediation=SLACK_REMEDIATION)
secret(87, "slack-legacy-workspace-token", "Slack legacy workspace token", "high",
       tok(r"xox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}"), ["xoxa-", "xoxr-"], gitleaks="slack-legacy-workspace-token",
       entropy=3.0, remediation=SLACK_REMEDIATION)
secret(88, "slack-webhook-url", "Slack incoming webhook URL", "medium",
       r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/(?P<s>[A-Za-z0-9+/]{43,56})",
       ["hooks.slack.com"], gitleaks="slack-webhook-url", trivy="slack-web-hook", remediation=SLACK_REMEDIATION)
secret(89, "discord-api-token", "Discord API key", "high", ctx(r"discord", r"[a-f0-9]{64}"), ["discord"],
       gitleaks="discord-api-token", trivy="discord-api-token", entropy=3.0)
secret(90, "discord-client-secret", "Discord client secret", "high", ctx(r"discord", r"[a-z0-9=_\-]{32}"),
       ["discord"], gitleaks="discord-client-secret", trivy="discord-client-secret", entropy=3.0)
secret(91, "discord-webhook-url", "Discord webhook URL", "medium",
       r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/(?P<s>[\w-]{60,72})",
       ["discord.com/api/webhooks", "discordapp.com/api/webhooks"], entropy=3.5)
secret(92, "telegram-bot-token", "Telegram bot token", "high", tok(r"[0-9]{8,10}:AA[A-Za-z0-9_-]{33}"), [":aa"],
       gitleaks="telegram-bot-api-token", trivy="telegram-bot-token", entropy=3.5)
secret(93, "teams-webhook-url", "Microsoft Teams incoming webhook URL", "medium",
       r"https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/[a-z0-9-]{36}@[a-z0-9-]{36}/IncomingWebhook/(?P<s>[a-z0-9]{32}/[a-z0-9-]{36})",
       ["webhook.office.com"], gitleaks="microsoft-teams-webhook")
secret(94, "mattermost-token", "Mattermost access token", "medium", ctx(r"mattermost", r"[a-z0-9]{26}"),
       ["mattermost"], gitleaks="mattermost-access-token", entropy=3.0)
secret(95, "twilio-api-key", "Twilio API key", "high", tok(r"SK[0-9a-fA-F]{32}"), ["sk"],
       gitleaks="twilio-api-key", trivy="twilio-api-key", entropy=3.0)
secret(96, "twilio-auth-token", "Twilio auth token", "critical",
       ctx(r"twilio[\w.\-]{0,20}?(?:auth|token|secret)", r"[a-f0-9]{32}"), ["twilio"], entropy=3.0)
secret(97, "sendgrid-api-key", "SendGrid API key", "high", tok(r"SG\.[\w-]{22}\.[\w-]{43}"), ["sg."],
       gitleaks="sendgrid-api-token", trivy="sendgrid-api-token", entropy=3.5)
secret(98, "brevo-api-key", "Brevo (Sendinblue) API key", "high", tok(r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}"),
       ["xkeysib-"], gitleaks="sendinblue-api-token", trivy="sendinblue-api-token", entropy=3.0)
secret(99, "brevo-smtp-key", "Brevo (Sendinblue) SMTP key", "high", tok(r"xsmtpsib-[a-f0-9]{64}-[A-Za-z0-9]{16}"),
       ["xsmtpsib-"], entropy=3.0)
secret(100, "mailgun-api-key", "Mailgun private API key", "high", ctx(r"mailgun", r"key-[a-f0-9]{32}"), ["mailgun"],
       gitleaks="mailgun-private-api-token", trivy="mailgun-private-api-token", entropy=3.0)
secret(101, "mailgun-public-key", "Mailgun public validation key", "low", ctx(r"mailgun", r"pubkey-[a-f0-9]{32}"),
       ["mailgun"], gitleaks="mailgun-pub-key", trivy="mailgun-pub-key", entropy=3.0)
secret(102, "mailgun-signing-key", "Mailgun webhook signing key", "medium",
       ctx(r"mailgun", r"[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}"), ["mailgun"], gitleaks="mailgun-signing-key",
       trivy="mailgun-signing-key", entropy=3.0)
secret(103, "mailchimp-api-key", "Mailchimp API key", "high", tok(r"[a-f0-9]{32}-us[0-9]{1,2}"), ["-us"],
       gitleaks="mailchimp-api-key", trivy="mailchimp-api-key", entropy=3.0)
secret(104, "postmark-token", "Postmark server token", "high", ctx(r"postmark", UUID), ["postmark"])
secret(105, "messagebird-api-key", "MessageBird API key", "high", ctx(r"message[_.\-]?bird", r"[a-z0-9]{25}"),
       ["messagebird", "message_bird", "message-bird"], gitleaks="messagebird-api-token",
       trivy="messagebird-api-token", entropy=3.0)
secret(106, "stripe-live-secret-key", "Stripe live secret or restricted key", "critical",
       tok(r"(?:sk|rk)_(?:live|prod)_[a-zA-Z0-9]{10,99}"), ["sk_live", "rk_live", "sk_prod", "rk_prod"],
       gitleaks="stripe-access-token", trivy="stripe-secret-token", entropy=3.0, remediation=STRIPE_REMEDIATION)
secret(107, "stripe-test-secret-key", "Stripe test-mode secret key", "medium",
       tok(r"(?:sk|rk)_test_[a-zA-Z0-9]{10,99}"), ["sk_test", "rk_test"], gitleaks="stripe-access-token",
       trivy="stripe-secret-token", entropy=3.0, remediation=STRIPE_REMEDIATION)
secret(108, "stripe-webhook-secret", "Stripe webhook signing secret", "high", tok(r"whsec_[A-Za-z0-9+/=]{32,}"),
       ["whsec_"], entropy=3.5, remediation=STRIPE_REMEDIATION)
secret(109, "square-access-token", "Square access token", "critical", tok(r"EAAA[\w-]{60}|sq0atp-[\w-]{22}"),
       ["eaaa", "sq0atp-"], gitleaks="square-access-token", entropy=3.0)
secret(110, "square-oauth-secret", "Square OAuth secret", "high", tok(r"sq0csp-[\w-]{43}"), ["sq0csp-"],
       entropy=3.0)
secret(111, "braintree-access-token", "Braintree / PayPal access token", "critical",
       tok(r"access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}"), ["access_token$production$"])
secret(112, "shopify-access-token", "Shopify access token", "high", tok(r"shpat_[a-fA-F0-9]{32}"), ["shpat_"],
       gitleaks="shopify-access-token", trivy="shopify-token", entropy=3.0)
secret(113, "shopify-custom-app-token", "Shopify custom app access token", "high", tok(r"shpca_[a-fA-F0-9]{32}"),
       ["shpca_"], gitleaks="shopify-custom-access-token", trivy="shopify-token", entropy=3.0)
secret(114, "shopify-private-app-token", "Shopify private app access token", "high",
       tok(r"shppa_[a-fA-F0-9]{32}"), ["shppa_"], gitleaks="shopify-private-app-access-token",
       trivy="shopify-token", entropy=3.0)
secret(115, "shopify-shared-secret", "Shopify shared secret", "high", tok(r"shpss_[a-fA-F0-9]{32}"), ["shpss_"],
       gitleaks="shopify-shared-secret", trivy="shopify-token", entropy=3.0)
secret(116, "plaid-access-token", "Plaid access token", "critical",
       tok(r"access-(?:sandbox|development|production)-" + UUID), ["access-sandbox-", "access-development-",
       "access-production-"], gitleaks="plaid-api-token")
secret(117, "flutterwave-secret-key", "Flutterwave secret key", "critical",
       tok(r"FLWSECK(?:_TEST)?-[a-h0-9]{32}-X"), ["flwseck"], gitleaks="flutterwave-secret-key",
       trivy="flutterwave-secret-key", entropy=3.0)
secret(118, "gocardless-token", "GoCardless API token", "critical", tok(r"live_[A-Za-z0-9\-_=]{40}"), ["live_"],
       requires=["gocardless"], gitleaks="gocardless-api-token", trivy="gocardless-api-token", entropy=3.5)
secret(119, "coinbase-token", "Coinbase API key/token", "high", ctx(r"coinbase", r"[a-z0-9_-]{64}"), ["coinbase"],
       gitleaks="coinbase-access-token", entropy=3.5)
