# ruff: noqa: E501  (rule tables: one rule per call, long regexes stay on one line)
"""Cloud provider credentials: AWS, Google Cloud, Azure, Alibaba, DigitalOcean, Heroku,
Cloudflare, IBM, Linode, Scaleway, Tencent, Yandex, Fly.io, Netlify, Vercel, HashiCorp, Pulumi,
Doppler. Formats learned from the gitleaks and Trivy catalogues and the providers' docs."""

from __future__ import annotations

from seawall.secrets.rules._spec import PRIO_STRUCTURED, ctx, secret, tok
from seawall.secrets.rules._validators import aws_secret_ok, pem_ok

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
AWS_REMEDIATION = (
    "Deactivate and delete the key now: aws iam update-access-key --status Inactive --access-key-id "
    "<id> && aws iam delete-access-key --access-key-id <id>; review CloudTrail for its use; give "
    "workloads IAM roles (IRSA / EKS Pod Identity) instead of static keys."
)

secret(1, "aws-access-key-id", "AWS access key ID", "high",
       tok(r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}"), ["akia", "asia", "abia", "acca", "a3t"],
       gitleaks="aws-access-token", trivy="aws-access-key-id", entropy=3.0, remediation=AWS_REMEDIATION,
       description="An AWS access key ID (AKIA long-term, ASIA temporary). With its secret key it signs API calls as the IAM principal.")
secret(2, "aws-secret-access-key", "AWS secret access key", "critical",
       ctx(r"aws[\w.\-]{0,20}?sec(?:ret)?|secret[_.\-]?access[_.\-]?key|secretaccesskey", r"[A-Za-z0-9/+]{40}"),
       ["aws", "secret_access", "secretaccess", "secret-access", "secret.access"],
       trivy="aws-secret-access-key", validate=aws_secret_ok, entropy=3.5, remediation=AWS_REMEDIATION)
secret(3, "aws-session-token", "AWS session token", "high",
       ctx(r"aws[_.\-]?session[_.\-]?token|x-amz-security-token", r"[A-Za-z0-9/+=]{100,}"),
       ["session_token", "sessiontoken", "session-token", "x-amz-security-token"], entropy=4.0,
       remediation=AWS_REMEDIATION)
secret(4, "aws-mws-key", "Amazon MWS auth token", "high",
       tok(r"amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), ["amzn.mws."])
secret(5, "gcp-service-account-key", "Google Cloud service-account private key", "critical",
       r'"private_key"\s*:\s*"(?P<s>-----BEGIN (?:RSA )?PRIVATE KEY-----[^"]{64,}?-----END (?:RSA )?PRIVATE KEY-----(?:\\n)?)"',
       ["\"private_key\""], requires=["service_account"], validate=pem_ok, priority=PRIO_STRUCTURED,
       trivy="gcp-service-account", gitleaks="private-key",
       remediation="Delete the key: gcloud iam service-accounts keys delete <key-id> --iam-account <sa>; use Workload Identity instead of key files.")
secret(6, "gcp-api-key", "Google API key", "high", tok(r"AIza[\w-]{35}"), ["aiza"],
       gitleaks="gcp-api-key", trivy="gcp-api-key", entropy=3.5)
secret(7, "google-oauth-client-secret", "Google OAuth client secret", "high",
       tok(r"GOCSPX-[A-Za-z0-9_-]{28}"), ["gocspx-"], entropy=3.0)
secret(8, "google-oauth-access-token", "Google OAuth access token", "high",
       tok(r"ya29\.[0-9A-Za-z_-]{30,}"), ["ya29."], entropy=3.5)
secret(9, "google-oauth-refresh-token", "Google OAuth refresh token", "high",
       tok(r"1//0[0-9A-Za-z_-]{40,}"), ["1//0"], entropy=3.5)
secret(10, "firebase-fcm-server-key", "Firebase Cloud Messaging server key", "high",
       tok(r"AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134}"), [":apa91b"])
secret(11, "azure-storage-account-key", "Azure storage account key", "critical",
       ctx(r"accountkey|azure[\w.\-]{0,20}?storage[\w.\-]{0,20}?key|storage[_.\-]?account[_.\-]?key", r"[A-Za-z0-9+/]{86}=="),
       ["accountkey", "storage"], trivy="azure-storage-account-key", entropy=4.0)
secret(12, "azure-shared-access-key", "Azure Service Bus / Event Hubs shared access key", "critical",
       r"(?i)SharedAccessKey[ \t]*=[ \t]*(?P<s>[A-Za-z0-9+/]{42,44}=)", ["sharedaccesskey"], entropy=4.0)
secret(13, "azure-sas-token", "Azure shared access signature (SAS) token", "high",
       r"(?<![\w])sv=\d{4}-\d\d-\d\d&[^\s'\"]*?sig=(?P<s>[A-Za-z0-9%+/]{40,}={0,2})", ["sig="],
       requires=["sv="], trivy="azure-sas-token")
secret(14, "azure-entra-client-secret", "Azure Entra ID (AD) client secret", "high",
       r"(?:^|[\\'\"`\s>=:(,)])(?P<s>[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?=$|[\\'\"`\s<),])", ["q~"],
       gitleaks="azure-ad-client-secret", trivy="azure-entra-client-secret", entropy=3.0, flags=8)
secret(15, "azure-devops-pat", "Azure DevOps personal access token", "high",
       ctx(r"azure[_.\-]?devops|(?<![a-z])ado[_.\-]|devops[_.\-]?(?:pat|token)|azdo|vsts", r"[a-z2-7]{52}"),
       ["devops", "ado_", "ado-", "azdo", "vsts"], trivy="azure-devops-pat", entropy=3.5)
secret(16, "azure-devops-pat-v2", "Azure DevOps personal access token (2024 format)", "high",
       tok(r"[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}"), ["azdo"], entropy=4.0)
secret(17, "azure-app-config-connection-string", "Azure App Configuration connection string", "high",
       r"Endpoint=https://[\w.-]+\.azconfig\.io;Id=[^;\s]+;Secret=(?P<s>[A-Za-z0-9+/=]{32,})", ["azconfig.io"],
       trivy="azure-app-configuration-connection-string")
secret(18, "azure-ai-services-key", "Azure AI services key", "high",
       tok(r"[A-Za-z0-9]{52}JQQJ9[9DH][A-Za-z0-9]{18}ACOG[A-Za-z0-9]{4}"), ["jqqj9"], trivy="azure-ai-services-key")
secret(19, "azure-container-registry-key", "Azure Container Registry access key", "high",
       tok(r"[A-Za-z0-9]{52}JQQJ9[9DH][A-Za-z0-9]{18}AZCR[A-Za-z0-9]{4}"), ["jqqj9"],
       trivy="azure-container-registry-credential")
secret(20, "azure-container-registry-password", "Azure Container Registry admin password", "high",
       ctx(r"azurecr\.io[ \t]+password|acr[_.\-]?(?:admin[_.\-]?)?password", r"[A-Za-z0-9+/=]{32,52}"),
       ["azurecr.io", "acr"], trivy="azure-container-registry-password", entropy=3.5)
secret(21, "azure-function-key", "Azure Functions access key", "high",
       ctx(r"x-functions-key|azure[_.\-]?function[\w.\-]{0,10}?key|function[_.\-]?key", r"[A-Za-z0-9_\-]{54}=="),
       ["functions-key", "function"], entropy=4.0)
secret(22, "azure-cosmosdb-key", "Azure Cosmos DB account key", "critical",
       ctx(r"cosmos[\w.\-]{0,20}?(?:key|primary|master)", r"[A-Za-z0-9+/]{86}=="), ["cosmos"], entropy=4.0)
secret(23, "alibaba-access-key-id", "Alibaba Cloud AccessKey ID", "high", tok(r"LTAI[A-Za-z0-9]{20}"), ["ltai"],
       gitleaks="alibaba-access-key-id", trivy="alibaba-access-key-id", entropy=3.0)
secret(24, "alibaba-secret-key", "Alibaba Cloud AccessKey secret", "critical",
       ctx(r"alibaba|aliyun|alicloud", r"[A-Za-z0-9]{30}"), ["alibaba", "aliyun", "alicloud"],
       gitleaks="alibaba-secret-key", trivy="alibaba-secret-key", entropy=3.5)
secret(25, "digitalocean-pat", "DigitalOcean personal access token", "critical", tok(r"dop_v1_[a-f0-9]{64}"),
       ["dop_v1_"], gitleaks="digitalocean-pat", entropy=3.0)
secret(26, "digitalocean-oauth-token", "DigitalOcean OAuth access token", "high", tok(r"doo_v1_[a-f0-9]{64}"),
       ["doo_v1_"], gitleaks="digitalocean-access-token", entropy=3.0)
secret(27, "digitalocean-refresh-token", "DigitalOcean OAuth refresh token", "high", tok(r"dor_v1_[a-f0-9]{64}"),
       ["dor_v1_"], gitleaks="digitalocean-refresh-token", entropy=3.0)
secret(28, "heroku-api-key", "Heroku API key", "high", ctx(r"heroku", UUID), ["heroku"],
       gitleaks="heroku-api-key", trivy="heroku-api-key")
secret(29, "heroku-api-key-v2", "Heroku API key (HRKU format)", "high", tok(r"HRKU-AA[0-9a-zA-Z_-]{58}"),
       ["hrku-aa"], gitleaks="heroku-api-key-v2", entropy=4.0)
secret(30, "cloudflare-api-token", "Cloudflare API token", "high",
       ctx(r"cloudflare|(?<![a-z])cf[_.\-]api", r"[A-Za-z0-9_-]{40}"), ["cloudflare", "cf_api", "cf-api"],
       gitleaks="cloudflare-api-key", entropy=3.5)
secret(31, "cloudflare-global-api-key", "Cloudflare global API key", "critical",
       ctx(r"cloudflare|(?<![a-z])cf[_.\-]", r"[a-f0-9]{37}"), ["cloudflare", "cf_", "cf-"],
       gitleaks="cloudflare-global-api-key", entropy=3.0)
secret(32, "cloudflare-origin-ca-key", "Cloudflare Origin CA key", "high",
       tok(r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}"), ["v1.0-"], gitleaks="cloudflare-origin-ca-key")
secret(33, "ibm-cloud-api-key", "IBM Cloud API key", "high",
       ctx(r"ibm[\w.\-]{0,20}?(?:api|cloud)[\w.\-]{0,10}?key|(?<![a-z])iam[_.\-]?api[_.\-]?key", r"[A-Za-z0-9_-]{44}"),
       ["ibm", "iam_api", "iam-api", "iamapi"], entropy=4.0)
secret(34, "linode-token", "Linode (Akamai) API token", "high", ctx(r"linode", r"[a-f0-9]{64}"), ["linode"],
       entropy=3.0)
secret(35, "scaleway-secret-key", "Scaleway secret key", "high", ctx(r"scaleway|(?<![a-z])scw[_.\-]", UUID),
       ["scaleway", "scw_", "scw-"])
secret(36, "tencent-secret-id", "Tencent Cloud SecretId", "high", tok(r"AKID[A-Za-z0-9]{32}"), ["akid"], entropy=3.5)
secret(37, "yandex-api-key", "Yandex Cloud API key", "high", ctx(r"yandex", r"AQVN[A-Za-z0-9_\-]{35,38}"),
       ["yandex"], gitleaks="yandex-api-key")
secret(38, "yandex-aws-access-token", "Yandex Cloud static access key", "high",
       ctx(r"yandex", r"YC[a-zA-Z0-9_\-]{38}"), ["yandex"], gitleaks="yandex-aws-access-token")
secret(39, "yandex-access-token", "Yandex OAuth/IAM token", "high",
       ctx(r"yandex", r"t1\.[A-Z0-9a-z_-]+[=]{0,2}\.[A-Z0-9a-z_-]{86}[=]{0,2}"), ["yandex"],
       gitleaks="yandex-access-token")
secret(40, "flyio-token", "Fly.io access token", "high",
       tok(r"fo1_[\w-]{43}|fm1[ar]_[a-zA-Z0-9+/]{100,}={0,3}|fm2_[a-zA-Z0-9+/]{100,}={0,3}"),
       ["fo1_", "fm1", "fm2_"], gitleaks="flyio-access-token", entropy=4.0)
secret(41, "netlify-token", "Netlify access token", "high", ctx(r"netlify", r"[A-Za-z0-9_=\-]{40,46}"), ["netlify"],
       gitleaks="netlify-access-token", entropy=3.5)
secret(42, "netlify-pat", "Netlify personal access token (nfp_)", "high", tok(r"nfp_[A-Za-z0-9]{36}"), ["nfp_"],
       entropy=3.5)
secret(43, "vercel-token", "Vercel access token", "high", ctx(r"vercel|(?<![a-z])zeit", r"[A-Za-z0-9]{24}"),
       ["vercel", "zeit"], entropy=3.5)
secret(44, "vault-service-token", "HashiCorp Vault service token", "critical", tok(r"hvs\.[\w-]{90,120}"), ["hvs."],
       gitleaks="vault-service-token", entropy=3.5)
secret(45, "vault-batch-token", "HashiCorp Vault batch token", "high", tok(r"hvb\.[\w-]{138,300}"), ["hvb."],
       gitleaks="vault-batch-token", entropy=4.0)
secret(46, "vault-legacy-token", "HashiCorp Vault token (legacy s. format)", "high",
       ctx(r"vault[\w.\-]{0,20}?token", r"s\.[A-Za-z0-9]{24}"), ["vault"], allow=[r"^s\.[A-Za-z]{24}$"],
       gitleaks="vault-service-token", entropy=3.5)
secret(47, "terraform-cloud-token", "Terraform Cloud / Enterprise API token", "critical",
       r"(?i)(?<![a-z0-9])(?P<s>[a-z0-9]{14}\.(?-i:atlasv1)\.[a-z0-9\-_=]{60,70})", ["atlasv1"],
       gitleaks="hashicorp-tf-api-token", trivy="hashicorp-tf-api-token", entropy=3.5)
secret(48, "pulumi-token", "Pulumi access token", "high", tok(r"pul-[a-f0-9]{40}"), ["pul-"],
       gitleaks="pulumi-api-token", trivy="pulumi-api-token", entropy=3.0)
secret(49, "doppler-token", "Doppler token", "high", tok(r"dp\.(?:pt|st|sa|scim|audit|ct)\.[A-Za-z0-9]{40,44}"),
       ["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."], gitleaks="doppler-api-token",
       trivy="doppler-api-token", entropy=3.5)
