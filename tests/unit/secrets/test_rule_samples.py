"""Every secret rule has a positive sample it must report, and the same sample with its secret
blanked out (a run of 'x', i.e. a placeholder) that it must not report. Samples are generated
from a fixed seed (no real credential is stored here)."""

from __future__ import annotations

import base64
import binascii
import random
import string
from collections.abc import Callable

import pytest

from seawall.secrets.engine import SecretScanner
from seawall.secrets.rules import CATALOGUE
from seawall.secrets.rules._validators import base62_encode

_rng = random.Random(20261129)
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
UPHEX = "0123456789ABCDEF"
UPNUM = string.ascii_uppercase + string.digits
LOW = string.ascii_lowercase + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


def R(alphabet: str, n: int) -> str:
    while True:
        s = "".join(_rng.choice(alphabet) for _ in range(n))
        low = s.lower()
        clean = not any(w in low for w in ("example", "xxxxx", "fake", "sample", "test", "abcdefghij", "dummy", "your"))
        if clean and (any(c.isdigit() for c in s) or n < 8 or not any(c.isdigit() for c in alphabet)):
            return s


def uuid() -> str:
    return "-".join(R(HEX, n) for n in (8, 4, 4, 4, 12))


def crc(prefix: str) -> str:
    body = R(ALNUM, 30)
    return prefix + body + base62_encode(binascii.crc32(body.encode()))


def pem(label: str, n: int = 10) -> str:
    body = "\n".join(R(B64, 64) for _ in range(n))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def jwt() -> str:
    h = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').decode().rstrip("=")
    p = base64.urlsafe_b64encode(b'{"sub":"svc-91","exp":1900000000}').decode().rstrip("=")
    return f"{h}.{p}.{R(URLSAFE, 43)}"


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


PW = "Zq81LmN2bV7cX4pK"
S: dict[str, Callable[[], str]] = {
    # cloud
    "aws-access-key-id": lambda: "AWS_ACCESS_KEY_ID=AKIA" + R("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
    "aws-secret-access-key": lambda: "aws_secret_access_key = " + R(ALNUM + "+/", 40),
    "aws-session-token": lambda: "AWS_SESSION_TOKEN=" + R(B64, 300),
    "aws-mws-key": lambda: "MWS_AUTH_TOKEN=amzn.mws." + uuid(),
    "gcp-service-account-key": lambda: (
        '{"type": "service_account", "private_key": "' + pem("PRIVATE KEY").replace("\n", "\\n") + '"}'
    ),
    "gcp-api-key": lambda: "GOOGLE_API_KEY=AIza" + R(URLSAFE, 35),
    "google-oauth-client-secret": lambda: "client_secret: GOCSPX-" + R(URLSAFE, 28),
    "google-oauth-access-token": lambda: "access_token=ya29." + R(URLSAFE, 60),
    "google-oauth-refresh-token": lambda: "refresh_token=1//0" + R(URLSAFE, 60),
    "firebase-fcm-server-key": lambda: "FCM_KEY=AAAA" + R(URLSAFE, 7) + ":APA91b" + R(URLSAFE, 134),
    "azure-storage-account-key": lambda: (
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + R(B64, 86) + "=="
    ),
    "azure-shared-access-key": lambda: (
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=" + R(B64, 43) + "="
    ),
    "azure-sas-token": lambda: (
        "url=https://acct.blob.core.windows.net/c?sv=2023-11-03&sr=b&sp=r&sig=" + R(ALNUM, 43) + "%3D"
    ),
    "azure-entra-client-secret": lambda: "AZURE_CLIENT_SECRET=" + R(ALNUM, 3) + "8Q~" + R(ALNUM + "_~.", 34),
    "azure-devops-pat": lambda: "AZURE_DEVOPS_PAT=" + R(string.ascii_lowercase + "234567", 52),
    "azure-devops-pat-v2": lambda: "ADO_PAT=" + R(ALNUM, 76) + "AZDO" + R(ALNUM, 4),
    "azure-app-config-connection-string": lambda: "Endpoint=https://cfg.azconfig.io;Id=a1b2;Secret=" + R(B64, 44),
    "azure-ai-services-key": lambda: "AI_KEY=" + R(ALNUM, 52) + "JQQJ99" + R(ALNUM, 18) + "ACOG" + R(ALNUM, 4),
    "azure-container-registry-key": lambda: "ACR_KEY=" + R(ALNUM, 52) + "JQQJ99" + R(ALNUM, 18) + "AZCR" + R(ALNUM, 4),
    "azure-container-registry-password": lambda: "ACR_PASSWORD=" + R(ALNUM + "+/", 32),
    "azure-function-key": lambda: "x-functions-key: " + R(URLSAFE, 54) + "==",
    "azure-cosmosdb-key": lambda: "COSMOS_PRIMARY_KEY=" + R(B64, 86) + "==",
    "alibaba-access-key-id": lambda: "ALIYUN_KEY_ID=LTAI" + R(ALNUM, 20),
    "alibaba-secret-key": lambda: "ALIBABA_SECRET=" + R(ALNUM, 30),
    "digitalocean-pat": lambda: "DO_TOKEN=dop_v1_" + R(HEX, 64),
    "digitalocean-oauth-token": lambda: "DO_OAUTH=doo_v1_" + R(HEX, 64),
    "digitalocean-refresh-token": lambda: "DO_REFRESH=dor_v1_" + R(HEX, 64),
    "heroku-api-key": lambda: "HEROKU_API_KEY=" + uuid(),
    "heroku-api-key-v2": lambda: "HEROKU_API_KEY=HRKU-AA" + R(URLSAFE, 58),
    "cloudflare-api-token": lambda: "CLOUDFLARE_API_TOKEN=" + R(URLSAFE, 40),
    "cloudflare-global-api-key": lambda: "CLOUDFLARE_GLOBAL_KEY=" + R(HEX, 37),
    "cloudflare-origin-ca-key": lambda: "origin_ca_key = v1.0-" + R(HEX, 24) + "-" + R(HEX, 146),
    "ibm-cloud-api-key": lambda: "IBM_CLOUD_API_KEY=" + R(URLSAFE, 44),
    "linode-token": lambda: "LINODE_TOKEN=" + R(HEX, 64),
    "scaleway-secret-key": lambda: "SCW_SECRET_KEY=" + uuid(),
    "tencent-secret-id": lambda: "TENCENT_SECRET_ID=AKID" + R(ALNUM, 32),
    "yandex-api-key": lambda: "YANDEX_API_KEY=AQVN" + R(URLSAFE, 36),
    "yandex-aws-access-token": lambda: "YANDEX_ACCESS_KEY=YC" + R(URLSAFE, 38),
    "yandex-access-token": lambda: "YANDEX_TOKEN=t1." + R(URLSAFE, 40) + "." + R(URLSAFE, 86),
    "flyio-token": lambda: "FLY_API_TOKEN=fo1_" + R(URLSAFE, 43),
    "netlify-token": lambda: "NETLIFY_AUTH_TOKEN=" + R(URLSAFE, 43),
    "netlify-pat": lambda: "token: nfp_" + R(ALNUM, 36),
    "vercel-token": lambda: "VERCEL_TOKEN=" + R(ALNUM, 24),
    "vault-service-token": lambda: "VAULT_TOKEN=hvs." + R(URLSAFE, 95),
    "vault-batch-token": lambda: "VAULT_TOKEN=hvb." + R(URLSAFE, 150),
    "vault-legacy-token": lambda: "VAULT_TOKEN=s." + R(ALNUM, 24),
    "terraform-cloud-token": lambda: 'token = "' + R(LOW, 14) + ".atlasv1." + R(LOW, 67) + '"',
    "pulumi-token": lambda: "PULUMI_ACCESS_TOKEN=pul-" + R(HEX, 40),
    "doppler-token": lambda: "DOPPLER_TOKEN=dp.st." + R(ALNUM, 43),
    # vcs
    "github-pat": lambda: "GITHUB_TOKEN=" + crc("ghp_"),
    "github-oauth-token": lambda: "GH_OAUTH=" + crc("gho_"),
    "github-user-to-server-token": lambda: "GH_TOKEN=" + crc("ghu_"),
    "github-installation-token": lambda: "GH_TOKEN=" + crc("ghs_"),
    "github-refresh-token": lambda: "GH_REFRESH=" + crc("ghr_"),
    "github-fine-grained-pat": lambda: "GH_PAT=github_pat_" + R(ALNUM, 22) + "_" + R(ALNUM, 59),
    "github-legacy-token": lambda: "GITHUB_TOKEN=" + R(HEX, 40),
    "gitlab-pat": lambda: "GITLAB_TOKEN=glpat-" + R(URLSAFE, 20),
    "gitlab-pat-routable": lambda: "GITLAB_TOKEN=glpat-" + R(URLSAFE, 40) + "." + R(LOW, 9),
    "gitlab-pipeline-trigger-token": lambda: "TRIGGER=glptt-" + R(HEX, 40),
    "gitlab-runner-registration-token": lambda: "REG=GR1348941" + R(URLSAFE, 20),
    "gitlab-runner-auth-token": lambda: "RUNNER=glrt-" + R(ALNUM, 20),
    "gitlab-deploy-token": lambda: "DEPLOY=gldt-" + R(ALNUM, 20),
    "gitlab-feed-token": lambda: "FEED=glft-" + R(ALNUM, 20),
    "gitlab-incoming-mail-token": lambda: "MAIL=glimt-" + R(ALNUM, 25),
    "gitlab-agent-token": lambda: "AGENT=glagent-" + R(ALNUM, 50),
    "gitlab-oauth-app-secret": lambda: "OAUTH=gloas-" + R(ALNUM, 64),
    "gitlab-ci-job-token": lambda: "JOB=glcbt-" + R(ALNUM, 3) + "_" + R(ALNUM, 20),
    "gitlab-feature-flag-token": lambda: "FF=glffct-" + R(ALNUM, 20),
    "gitlab-scim-token": lambda: "SCIM=glsoat-" + R(ALNUM, 20),
    "gitlab-session-cookie": lambda: "Cookie: _gitlab_session=" + R("0123456789abcdefghijklmnopqrstuvwxyz", 32),
    "bitbucket-client-id": lambda: "BITBUCKET_CLIENT_ID=" + R(ALNUM, 32),
    "bitbucket-client-secret": lambda: "BITBUCKET_SECRET=" + R(ALNUM, 64),
    "bitbucket-app-password": lambda: "BB_TOKEN=ATBB" + R(ALNUM, 32),
    "atlassian-api-token": lambda: "JIRA_API_TOKEN=ATATT3" + R(URLSAFE, 186),
    "atlassian-legacy-api-token": lambda: "JIRA_TOKEN=" + R(ALNUM, 24),
    "gitea-token": lambda: "GITEA_TOKEN=" + R(HEX, 40),
    "sourcegraph-token": lambda: "SRC_ACCESS_TOKEN=sgp_" + R(HEX, 16) + "_" + R(HEX, 40),
    "codecov-token": lambda: "CODECOV_TOKEN=" + uuid(),
    "travis-ci-token": lambda: "TRAVIS_TOKEN=" + R(LOW, 22),
    # chat and payment
    "slack-bot-token": lambda: "SLACK=xoxb-" + R(string.digits, 12) + "-" + R(string.digits, 12) + "-" + R(ALNUM, 24),
    "slack-user-token": lambda: "SLACK=xoxp-" + "-".join(R(string.digits, 12) for _ in range(3)) + "-" + R(ALNUM, 32),
    "slack-app-token": lambda: "SLACK=xapp-1-A" + R(UPNUM, 10) + "-" + R(string.digits, 13) + "-" + R(HEX, 64),
    "slack-config-access-token": lambda: "SLACK=xoxe.xoxp-1-" + R(ALNUM, 164),
    "slack-config-refresh-token": lambda: "SLACK=xoxe-1-" + R(ALNUM, 146),
    "slack-legacy-bot-token": lambda: "SLACK=xoxb-" + R(string.digits, 10) + "-" + R(ALNUM, 24),
    "slack-legacy-token": lambda: "SLACK=xoxs-" + "-".join(R(string.digits, 10) for _ in range(3)) + "-" + R(HEX, 40),
    "slack-legacy-workspace-token": lambda: "SLACK=xoxa-2-" + R(ALNUM, 40),
    "slack-webhook-url": lambda: (
        "hook: https://hooks.slack.com/services/T" + R(UPNUM, 8) + "/B" + R(UPNUM, 8) + "/" + R(ALNUM, 24)
    ),
    "discord-api-token": lambda: "DISCORD_TOKEN=" + R(HEX, 64),
    "discord-client-secret": lambda: "DISCORD_SECRET=" + R(LOW, 32),
    "discord-webhook-url": lambda: (
        "url: https://discord.com/api/webhooks/" + R(string.digits, 18) + "/" + R(URLSAFE, 68)
    ),
    "telegram-bot-token": lambda: "TELEGRAM=" + R(string.digits, 9) + ":AA" + R(URLSAFE, 33),
    "teams-webhook-url": lambda: (
        "url: https://acme.webhook.office.com/webhookb2/"
        + uuid()
        + "@"
        + uuid()
        + "/IncomingWebhook/"
        + R(HEX, 32)
        + "/"
        + uuid()
    ),
    "mattermost-token": lambda: "MATTERMOST_TOKEN=" + R(LOW, 26),
    "twilio-api-key": lambda: "TWILIO=SK" + R(HEX, 32),
    "twilio-auth-token": lambda: "TWILIO_AUTH_TOKEN=" + R(HEX, 32),
    "sendgrid-api-key": lambda: "SENDGRID=SG." + R(URLSAFE, 22) + "." + R(URLSAFE, 43),
    "brevo-api-key": lambda: "BREVO=xkeysib-" + R(HEX, 64) + "-" + R(ALNUM, 16),
    "brevo-smtp-key": lambda: "BREVO=xsmtpsib-" + R(HEX, 64) + "-" + R(ALNUM, 16),
    "mailgun-api-key": lambda: "MAILGUN_API_KEY=key-" + R(HEX, 32),
    "mailgun-public-key": lambda: "MAILGUN_PUBLIC=pubkey-" + R(HEX, 32),
    "mailgun-signing-key": lambda: (
        "MAILGUN_SIGNING="
        + R("abcdefgh0123456789", 32)
        + "-"
        + R("abcdefgh0123456789", 8)
        + "-"
        + R("abcdefgh0123456789", 8)
    ),
    "mailchimp-api-key": lambda: "MAILCHIMP=" + R(HEX, 32) + "-us14",
    "postmark-token": lambda: "POSTMARK_SERVER_TOKEN=" + uuid(),
    "messagebird-api-key": lambda: "MESSAGEBIRD_KEY=" + R(LOW, 25),
    "stripe-live-secret-key": lambda: "STRIPE=sk_live_" + R(ALNUM, 24),
    "stripe-test-secret-key": lambda: "STRIPE=sk_test_" + R(ALNUM, 24),
    "stripe-webhook-secret": lambda: "STRIPE_WEBHOOK=whsec_" + R(ALNUM, 32),
    "square-access-token": lambda: "SQUARE=sq0atp-" + R(URLSAFE, 22),
    "square-oauth-secret": lambda: "SQUARE=sq0csp-" + R(URLSAFE, 43),
    "braintree-access-token": lambda: "BT=access_token$production$" + R(LOW, 16) + "$" + R(HEX, 32),
    "shopify-access-token": lambda: "SHOPIFY=shpat_" + R(HEX, 32),
    "shopify-custom-app-token": lambda: "SHOPIFY=shpca_" + R(HEX, 32),
    "shopify-private-app-token": lambda: "SHOPIFY=shppa_" + R(HEX, 32),
    "shopify-shared-secret": lambda: "SHOPIFY=shpss_" + R(HEX, 32),
    "plaid-access-token": lambda: "PLAID=access-production-" + uuid(),
    "flutterwave-secret-key": lambda: "FLW=FLWSECK_TEST-" + R("abcdefgh0123456789", 32) + "-X",
    "gocardless-token": lambda: "GOCARDLESS_TOKEN=live_" + R(URLSAFE, 40),
    "coinbase-token": lambda: "COINBASE_TOKEN=" + R(LOW, 64),
    # registries
    "npm-access-token": lambda: "NPM_TOKEN=" + crc("npm_"),
    "npmrc-auth-token": lambda: "//registry.local/:_authToken=" + R(ALNUM, 40),
    "npmrc-auth-basic": lambda: "_auth=" + b64("ci:" + PW),
    "npmrc-password": lambda: "//registry.local/:_password=" + b64(PW),
    "pypi-upload-token": lambda: "password = pypi-AgEIcHlwaS5vcmc" + R(URLSAFE, 80),
    "testpypi-upload-token": lambda: "password = pypi-AgENdGVzdC5weXBpLm9yZw" + R(URLSAFE, 80),
    "rubygems-api-key": lambda: ":rubygems_api_key: rubygems_" + R(HEX, 48),
    "nuget-api-key": lambda: "NUGET_KEY=oy2" + R(LOW, 43),
    "clojars-token": lambda: "CLOJARS=CLOJARS_" + R(LOW, 60),
    "dockerhub-pat": lambda: "DOCKER_TOKEN=dckr_pat_" + R(URLSAFE, 27),
    "dockerhub-oat": lambda: "DOCKER_TOKEN=dckr_oat_" + R(URLSAFE, 32),
    "docker-config-auth": lambda: '{"auths": {"r.local": {"auth": "' + b64("ci:" + PW) + '"}}}',
    "docker-config-identity-token": lambda: '{"auths": {"r.local": {"identitytoken": "' + R(ALNUM, 40) + '"}}}',
    "artifactory-api-key": lambda: "ARTIFACTORY=AKCp" + R(ALNUM, 69),
    "artifactory-reference-token": lambda: "ARTIFACTORY=cmVmd" + R(ALNUM, 59),
    "jfrog-identity-token": lambda: "JFROG_TOKEN=" + R(LOW, 64),
    "xml-password-element": lambda: f"<password>{PW}</password>",
    "private-packagist-token": lambda: "TOKEN=packagist_out_" + R(HEX, 68),
    # keys
    "rsa-private-key": lambda: pem("RSA PRIVATE KEY"),
    "ec-private-key": lambda: pem("EC PRIVATE KEY"),
    "dsa-private-key": lambda: pem("DSA PRIVATE KEY"),
    "openssh-private-key": lambda: pem("OPENSSH PRIVATE KEY"),
    "pkcs8-private-key": lambda: pem("PRIVATE KEY"),
    "encrypted-private-key": lambda: pem("ENCRYPTED PRIVATE KEY"),
    "pgp-private-key": lambda: pem("PGP PRIVATE KEY BLOCK"),
    "putty-private-key": lambda: (
        "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: k\nPublic-Lines: 1\n"
        + R(B64, 60)
        + "\nPrivate-Lines: 2\n"
        + R(B64, 64)
        + "\n"
        + R(B64, 40)
        + "\nPrivate-MAC: "
        + R(HEX, 40)
        + "\n"
    ),
    "age-secret-key": lambda: "AGE-SECRET-KEY-1" + R("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
    "ssh2-private-key": lambda: (
        "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n"
        + "\n".join(R(B64, 64) for _ in range(6))
        + "\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n"
    ),
    "jwt": lambda: "Authorization-Token: " + jwt(),
    "kubeconfig-client-key-data": lambda: (
        "users:\n- name: a\n  user:\n    client-key-data: " + b64(pem("RSA PRIVATE KEY"))
    ),
    "kubeconfig-token": lambda: "clusters: []\nusers:\n- name: a\n  user:\n    token: " + R(ALNUM, 40),
    "jwk-private-key": lambda: (
        '{"kty": "RSA", "n": "' + R(URLSAFE, 60) + '", "e": "AQAB", "d": "' + R(URLSAFE, 64) + '"}'
    ),
    "wireguard-private-key": lambda: "[Interface]\nPrivateKey = " + R(B64, 42) + "A=",
    "openvpn-static-key": lambda: (
        "-----BEGIN OpenVPN Static key V1-----\n"
        + "\n".join(R(HEX, 32) for _ in range(16))
        + "\n-----END OpenVPN Static key V1-----\n"
    ),
    "private-key-other": lambda: pem("SECRET-SAUCE PRIVATE KEY"),
    # generic
    "generic-password": lambda: f"DB_PASSWORD={PW}",
    "generic-secret": lambda: "CLIENT_SECRET=" + R(ALNUM, 32),
    "generic-api-key": lambda: "PAYMENTS_API_KEY=" + R(LOW, 40),
    "generic-token": lambda: "AUTH_TOKEN=" + R(ALNUM, 40),
    "generic-credential": lambda: "SERVICE_CREDENTIALS=" + R(ALNUM, 40),
    "authorization-bearer": lambda: "Authorization: Bearer " + R(ALNUM, 40),
    "authorization-basic": lambda: "Authorization: Basic " + b64("ci:" + PW),
    "curl-user-password": lambda: f"curl -u deploy:{PW} https://nexus.local/",
    "url-basic-auth": lambda: f"remote: https://deploy:{PW}@git.internal.local/repo.git",
    "postgres-url": lambda: f"DATABASE_URL=postgresql://app:{PW}@db:5432/app",
    "mysql-url": lambda: f"DATABASE_URL=mysql://app:{PW}@db:3306/app",
    "mongodb-url": lambda: f"MONGO=mongodb+srv://app:{PW}@cluster0.mongo.net/app",
    "redis-url": lambda: f"REDIS=redis://:{PW}@cache:6379/0",
    "amqp-url": lambda: f"BROKER=amqps://app:{PW}@mq:5671/",
    "mssql-url": lambda: f"DB=mssql+pyodbc://sa:{PW}@sql:1433/app",
    "database-url-other": lambda: f"NEO4J=neo4j+s://neo4j:{PW}@graph.local:7687",
    "jdbc-password": lambda: f"url=jdbc:postgresql://db:5432/app?user=app&password={PW}",
    "connection-string-password": lambda: f"ConnectionString=Server=sql.local;Database=app;User Id=sa;Password={PW};",
    "netrc-password": lambda: f"machine git.local\n  login ci\n  password {PW}\n",
    "git-credentials": lambda: f"https://ci:{PW}@git.local",
    "htpasswd-hash": lambda: "admin:$apr1$" + R(ALNUM, 8) + "$" + R(ALNUM + "./", 22),
    "shadow-password-hash": lambda: "root:$6$" + R(ALNUM, 16) + "$" + R(ALNUM + "./", 86) + ":19000:0:99999:7:::",
    "cli-password-flag": lambda: f"docker login --username ci --password {PW} registry.local",
    "sshpass-password": lambda: f"sshpass -p {PW} ssh ci@host",
    "laravel-app-key": lambda: "APP_KEY=base64:" + R(B64, 43) + "=",
    "symfony-app-secret": lambda: "APP_SECRET=" + R(HEX, 32),
    "rails-secret-key-base": lambda: "secret_key_base: " + R(HEX, 128),
    "django-secret-key": lambda: "SECRET_KEY = '" + R(ALNUM + "!@#%^&*-_=+", 50) + "'",
    "mysql-cli-password": lambda: f"mysqldump -u root -p{PW} shop > dump.sql",
    # saas
    "openai-api-key": lambda: "OPENAI_API_KEY=sk-proj-" + R(ALNUM, 58) + "T3BlbkFJ" + R(ALNUM, 58),
    "anthropic-api-key": lambda: "ANTHROPIC_API_KEY=sk-ant-api03-" + R(URLSAFE, 93) + "AA",
    "anthropic-admin-key": lambda: "ANTHROPIC_ADMIN_KEY=sk-ant-admin01-" + R(URLSAFE, 93) + "AA",
    "huggingface-token": lambda: "HF_TOKEN=hf_" + R(ALNUM, 34),
    "huggingface-org-token": lambda: "HF_ORG=api_org_" + R(string.ascii_letters, 34),
    "cohere-api-key": lambda: "COHERE_API_KEY=" + R(ALNUM, 40),
    "perplexity-api-key": lambda: "PPLX=pplx-" + R(ALNUM, 48),
    "groq-api-key": lambda: "GROQ=gsk_" + R(ALNUM, 52),
    "replicate-token": lambda: "REPLICATE=r8_" + R(ALNUM, 37),
    "langsmith-api-key": lambda: "LANGSMITH=lsv2_pt_" + R(HEX, 32) + "_" + R(HEX, 10),
    "datadog-api-key": lambda: "DD_API_KEY=" + R(HEX, 32),
    "datadog-app-key": lambda: "DD_APP_KEY=" + R(HEX, 40),
    "newrelic-user-api-key": lambda: "NR=NRAK-" + R(UPNUM, 27),
    "newrelic-browser-token": lambda: "NR=NRJS-" + R(HEX, 19),
    "newrelic-insert-key": lambda: "NR=NRII-" + R(URLSAFE.replace("_", ""), 32),
    "sentry-user-token": lambda: "SENTRY=sntryu_" + R(HEX, 64),
    "sentry-org-token": lambda: "SENTRY=sntrys_eyJpYXQiO" + R(ALNUM, 120) + "_" + R(ALNUM, 43),
    "grafana-api-key": lambda: "GRAFANA=eyJrIjoi" + R(ALNUM, 80),
    "grafana-cloud-token": lambda: "GRAFANA=glc_" + R(ALNUM, 60),
    "grafana-service-account-token": lambda: "GRAFANA=glsa_" + R(ALNUM, 32) + "_" + R(HEX, 8),
    "dynatrace-token": lambda: "DT=dt0c01." + R(UPNUM, 24) + "." + R(UPNUM, 64),
    "pagerduty-token": lambda: "PAGERDUTY_TOKEN=" + R(ALNUM, 20),
    "postman-api-key": lambda: "POSTMAN=PMAK-" + R(HEX, 24) + "-" + R(HEX, 34),
    "linear-api-key": lambda: "LINEAR=lin_api_" + R(ALNUM, 40),
    "notion-token": lambda: "NOTION=ntn_" + R(string.digits, 11) + R(ALNUM, 35),
    "airtable-pat": lambda: "AIRTABLE=pat" + R(ALNUM, 14) + "." + R(HEX, 64),
    "asana-token": lambda: "ASANA_TOKEN=1/" + R(string.digits, 16) + "/" + R(string.digits, 16) + ":" + R(HEX, 32),
    "okta-api-token": lambda: "OKTA_API_TOKEN=00" + R(URLSAFE, 40),
    "auth0-client-secret": lambda: "AUTH0_CLIENT_SECRET=" + R(URLSAFE, 64),
    "mapbox-secret-token": lambda: "MAPBOX=sk.eyJ" + R(URLSAFE, 60) + "." + R(URLSAFE, 22),
    "algolia-admin-key": lambda: "ALGOLIA_ADMIN_KEY=" + R(HEX, 32),
    "contentful-token": lambda: "CONTENTFUL_TOKEN=" + R(URLSAFE, 43),
    "databricks-token": lambda: "DATABRICKS=dapi" + R(HEX, 32),
    "snyk-token": lambda: "SNYK_TOKEN=" + uuid(),
    "sonarqube-token": lambda: "SONAR_TOKEN=squ_" + R(HEX, 40),
    "infracost-token": lambda: "INFRACOST=ico-" + R(ALNUM, 32),
    "prefect-token": lambda: "PREFECT=pnu_" + R(ALNUM, 36),
    "planetscale-token": lambda: "PS=pscale_tkn_" + R(URLSAFE, 43),
    "planetscale-password": lambda: "PS=pscale_pw_" + R(URLSAFE, 43),
    "planetscale-oauth-token": lambda: "PS=pscale_oauth_" + R(URLSAFE, 43),
    "supabase-token": lambda: "SUPABASE=sbp_" + R(HEX, 40),
    "twitch-token": lambda: "TWITCH_TOKEN=" + R(LOW, 30),
    "twitter-bearer-token": lambda: "TWITTER_BEARER=" + "A" * 22 + R(ALNUM, 90),
    "twitter-api-secret": lambda: "TWITTER_API_SECRET=" + R(ALNUM, 50),
    "facebook-access-token": lambda: "FB_TOKEN=EAAC" + R(ALNUM, 150),
    "facebook-app-secret": lambda: "FACEBOOK_APP_SECRET=" + R(HEX, 32),
    "linkedin-client-secret": lambda: "LINKEDIN_CLIENT_SECRET=" + R(ALNUM, 16),
    "dropbox-token": lambda: "DROPBOX_TOKEN=sl." + R(URLSAFE, 140),
    "dropbox-long-lived-token": lambda: "DROPBOX_TOKEN=" + R(LOW, 11) + "AAAAAAAAAA" + R(LOW, 43),
    "typeform-token": lambda: "TYPEFORM=tfp_" + R(URLSAFE, 59),
    "zendesk-token": lambda: "ZENDESK_API_TOKEN=" + R(ALNUM, 40),
    "intercom-token": lambda: "INTERCOM_TOKEN=" + R(URLSAFE, 60),
    "hubspot-private-app-token": lambda: "HUBSPOT=pat-na1-" + uuid(),
    "circleci-token": lambda: "CIRCLE=CCIPAT_" + R(ALNUM, 22) + "_" + R(HEX, 40),
    "droneci-token": lambda: "DRONE_TOKEN=" + R(ALNUM, 32),
    "buildkite-token": lambda: "BUILDKITE=bkua_" + R(HEX, 40),
    "launchdarkly-token": lambda: "LAUNCHDARKLY_TOKEN=api-" + uuid(),
    "readme-token": lambda: "README=rdme_" + R(LOW, 70),
    "shippo-token": lambda: "SHIPPO=shippo_live_" + R(HEX, 40),
    "easypost-token": lambda: "EASYPOST=EZAK" + R(ALNUM, 54),
    "duffel-token": lambda: "DUFFEL=duffel_live_" + R(URLSAFE, 43),
    "frameio-token": lambda: "FRAMEIO=fio-u-" + R(URLSAFE, 64),
    "beamer-token": lambda: "BEAMER_API_KEY=b_" + R(LOW, 44),
    "lob-api-key": lambda: "LOB_API_KEY=live_" + R(HEX, 35),
    "onepassword-service-token": lambda: "OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ" + R(B64, 260),
    "onepassword-secret-key": lambda: (
        "OP_SECRET_KEY=A3-" + R(UPNUM, 6) + "-" + R(UPNUM, 11) + "-" + "-".join(R(UPNUM, 5) for _ in range(3))
    ),
    "octopus-deploy-key": lambda: "OCTOPUS=API-" + R(UPNUM, 26),
    "harness-token": lambda: "HARNESS=pat." + R(URLSAFE, 22) + "." + R(ALNUM, 24) + "." + R(ALNUM, 20),
    "ngrok-token": lambda: "NGROK_AUTHTOKEN=" + R(ALNUM, 27) + "_" + R(ALNUM, 21),
    "fastly-token": lambda: "FASTLY_API_TOKEN=" + R(URLSAFE, 32),
}
PATHS = {
    "dockerfile-env-secret": "svc/Dockerfile",
    "nuget-config-password": "NuGet.Config",
    "pypirc-password": ".pypirc",
    "git-credentials": ".git-credentials",
}
S["dockerfile-env-secret"] = lambda: f"FROM alpine:3.20\nENV DB_PASSWORD {PW}"
S["nuget-config-password"] = lambda: f'<add key="ClearTextPassword" value="{PW}" />'
S["pypirc-password"] = lambda: f"[pypi]\nusername = ci\npassword = {PW}"
SAMPLES = {name: make() for name, make in S.items()}


def test_every_rule_has_a_sample() -> None:
    assert {r.name for r in CATALOGUE} - set(SAMPLES) == set()


@pytest.mark.parametrize("rule", CATALOGUE, ids=lambda r: f"{r.id}-{r.name}")
def test_rule_sample_and_its_placeholder(rule: object) -> None:
    name = rule.name  # type: ignore[attr-defined]
    text = SAMPLES[name] + "\n"
    path = PATHS.get(name, "config/sample.env")
    hits = SecretScanner().scan_text(text, path)
    found = [h for h in hits if h.rule.name == name]
    assert found, f"{name} not found; got {[h.rule.name for h in hits]}"
    h = found[0]
    blank = text[: h.start] + "x" * (h.end - h.start) + text[h.end :]
    assert not [g for g in SecretScanner().scan_text(blank, path) if g.rule.name == name]
