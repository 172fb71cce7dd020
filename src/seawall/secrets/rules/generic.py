# ruff: noqa: E501  (rule tables: one rule per call, long regexes stay on one line)
"""Credentials without a self-identifying format: ``password=``/``secret=``/``token=``/API-key
assignments (vetted by name, value shape and entropy in the engine), Authorization headers,
credentials in URLs (databases, brokers, HTTP, LDAP, SMTP), JDBC/ADO.NET connection strings,
.netrc, .git-credentials, htpasswd and shadow hashes, CLI password flags, framework app keys."""

from __future__ import annotations

from seawall.secrets.rules._spec import PRIO_GENERIC, PRIO_STRUCTURED, secret
from seawall.secrets.rules._validators import basic_auth_b64_ok

#: Generic assignment: the keyword, a short name suffix, an operator, an optionally quoted value.
#: The engine checks the name boundary, denies names like ``password_length`` and vets the value.


def _assign(keys: str) -> str:
    return (
        rf"(?i)(?P<kw>{keys})(?P<suf>[\w.\-]{{0,24}})['\"\]]{{0,2}}[ \t]{{0,3}}"
        r"(?P<op>=|:=|:|=>|<-|\?=)[ \t]{0,5}(?P<q>['\"`]?)(?P<s>[^\s'\"`]{1,200})(?P=q)"
    )


#: URL passwords that are documentation, not credentials (user:pass@, mypass, changeme).
URL_PLACEHOLDERS = r"(?i)^(?:my|your)?(?:pass(?:word|wd)?|pwd|secret|changeme|admin|root|user(?:name)?|test|guest|foo|bar|none|null)\d{0,3}$"

DB_REMEDIATION = (
    "Change the database/broker password now, remove it from the URL and build the URL at run time "
    "from a Secret, e.g. env DATABASE_URL from secretKeyRef, or use IAM/workload-identity auth."
)

secret(160, "generic-password", "Hard-coded password", "high",
       _assign(r"password|passwd|passphrase|pwd|pass"), ["pass", "pwd"], assignment=True, generic=True, entropy=2.3,
       min_len=6, gitleaks=["generic-api-key", "database-password", "hashicorp-tf-password"],
       description="A password assigned as a literal in code or configuration (names, operators, quoting and value shape are vetted to skip variables, templates and placeholders).")
secret(161, "generic-secret", "Hard-coded secret", "high", _assign(r"secret"), ["secret"], assignment=True, generic=True,
       entropy=3.2, min_len=10, digits_or_mixed=True, gitleaks="generic-api-key")
secret(162, "generic-api-key", "Hard-coded API key", "high",
       _assign(r"api[_.\-]?key|apikey|access[_.\-]?key|x-api-key|subscription[_.\-]?key|license[_.\-]?key|"
               r"auth[_.\-]?key|master[_.\-]?key|encryption[_.\-]?key|signing[_.\-]?key|private[_.\-]?key|app[_.\-]?key"),
       ["access-key", "access.key", "access_key", "accesskey", "api-key", "api.key", "api_key", "apikey", "app-key", "app.key", "app_key", "appkey", "auth-key", "auth.key", "auth_key", "authkey", "encryption-key", "encryption.key", "encryption_key", "encryptionkey", "license-key", "license.key", "license_key", "licensekey", "master-key", "master.key", "master_key", "masterkey", "private-key", "private.key", "private_key", "privatekey", "signing-key", "signing.key", "signing_key", "signingkey", "subscription-key", "subscription.key", "subscription_key", "subscriptionkey", "x-api-key", "x-api.key", "x-api_key", "x-apikey"], assignment=True, generic=True, entropy=3.2, min_len=12, digits_or_mixed=True, gitleaks="generic-api-key")
secret(163, "generic-token", "Hard-coded token", "high", _assign(r"token|bearer"), ["token", "bearer"],
       assignment=True, generic=True, entropy=3.2, min_len=12, digits_or_mixed=True, gitleaks="generic-api-key")
secret(164, "generic-credential", "Hard-coded credential", "medium", _assign(r"credentials?|creds"),
       ["cred"], assignment=True, generic=True, entropy=3.2, min_len=12, digits_or_mixed=True, gitleaks="generic-api-key")
secret(165, "authorization-bearer", "Bearer token in an Authorization header", "high",
       r"(?i)authorization[\"']?[ \t]*[:=][ \t]*[\"']?bearer[ \t]+(?P<s>[A-Za-z0-9._~+/=\-]{20,})",
       ["bearer"], entropy=3.0, gitleaks="curl-auth-header")
secret(166, "authorization-basic", "Basic credentials in an Authorization header", "high",
       r"(?i)authorization[\"']?[ \t]*[:=][ \t]*[\"']?basic[ \t]+(?P<s>[A-Za-z0-9+/]{8,}={0,2})",
       ["basic"], validate=basic_auth_b64_ok, gitleaks="curl-auth-header")
secret(167, "curl-user-password", "Password passed to curl -u", "high",
       r"\bcurl\b[^\n]{0,300}?[ \t](?:-u|--user)(?:=|[ \t]{1,5})[\"']?[^\s\"':$]{1,64}:(?P<s>[^\s\"'$]{3,128})",
       ["curl"], entropy=1.5, gitleaks="curl-auth-user")
secret(168, "url-basic-auth", "Credentials embedded in a URL", "high",
       r"(?i)\b(?:https?|ftps?|sftp|smb|ldaps?|smtps?|imaps?|pop3s?|git\+https?|svn\+ssh|ssh|wss?|nats|kafka|sentinel)"
       r"://[^\s:@/'\"<>]{1,64}:(?P<s>[^\s@/'\"<>]{3,128})@(?!(?:[\w-]+\.)*example\.(?:com|org|net)\b|[\w.-]+\.(?:test|invalid|example)\b)[\w.\-]+", ["://"], priority=30, entropy=1.5, needs="@", allow=[URL_PLACEHOLDERS],
       description="user:password@ in a URL; the password travels with every copy of the URL (logs, process lists).")
secret(169, "postgres-url", "PostgreSQL connection URL with password", "critical",
       r"(?i)\bpostgres(?:ql)?(?:\+\w+)?://[^\s:@/'\"<>]{1,64}:(?P<s>[^\s@/'\"<>]{3,128})@(?!(?:[\w-]+\.)*example\.(?:com|org|net)\b|[\w.-]+\.(?:test|invalid|example)\b)", ["postgres"], needs="@", allow=[URL_PLACEHOLDERS],
       entropy=1.5, remediation=DB_REMEDIATION)
secret(170, "mysql-url", "MySQL/MariaDB connection URL with password", "critical",
       r"(?i)\b(?:mysql|mariadb)(?:\+\w+)?://[^\s:@/'\"<>]{1,64}:(?P<s>[^\s@/'\"<>]{3,128})@(?!(?:[\w-]+\.)*example\.(?:com|org|net)\b|[\w.-]+\.(?:test|invalid|example)\b)", ["mysql", "mariadb"], needs="@", allow=[URL_PLACEHOLDERS],
       entropy=1.5, remediation=DB_REMEDIATION)
secret(171, "mongodb-url", "MongoDB connection URL with password", "critical",
       r"(?i)\bmongodb(?:\+srv)?://[^\s:@/'\"<>]{1,64}:(?P<s>[^\s@/'\"<>]{3,128})@(?!(?:[\w-]+\.)*example\.(?:com|org|net)\b|[\w.-]+\.(?:test|invalid|example)\b)", ["mongodb"], needs="@", allow=[URL_PLACEHOLDERS], entropy=1.5,
       remediation=DB_REMEDIATION)
secret(172, "redis-url", "Redis connection URL with password", "high",
       r"(?i)\brediss?://[^\s:@/'\"<>]{0,64}:(?P<s>[^\s@/'\"<>]{3,128})@(?!(?:[\w-]+\.)*example\.(?:com|org|net)\b|[\w.-]+\.(?:test|invalid|example)\b)", ["redis"], needs="@", allow=[URL_PLACEHOLDERS], entropy=1.5,
       remediation=DB_REMEDIATION)
secret(173, "amqp-url", "AMQP (RabbitMQ) broker URL with password", "high",
       r"(?i)\bamqps?://[^\s:@/'\"<>]{1,64}:(?P<s>[^\s@/'\"<>]{3,128})@(?!(?:[\w-]+\.)*example\.(?:com|org|net)\b|[\w.-]+\.(?:test|invalid|example)\b)", ["amqp"], needs="@", allow=[URL_PLACEHOLDERS], entropy=1.5,
       remediation=DB_REMEDIATION)
secret(174, "mssql-url", "SQL Server connection URL with password", "critical",
       r"(?i)\b(?:mssql|sqlserver)(?:\+\w+)?://[^\s:@/'\"<>]{1,64}:(?P<s>[^\s@/'\"<>]{3,128})@(?!(?:[\w-]+\.)*example\.(?:com|org|net)\b|[\w.-]+\.(?:test|invalid|example)\b)", ["mssql", "sqlserver"], needs="@", allow=[URL_PLACEHOLDERS],
       entropy=1.5, remediation=DB_REMEDIATION)
secret(175, "database-url-other", "Database connection URL with password", "high",
       r"(?i)\b(?:cockroachdb|clickhouse|couchdb|neo4j(?:\+s)?|bolt|cassandra|oracle|db2|influxdb|elasticsearch|"
       r"opensearch|memcached|mqtt|stomp|snowflake|trino|presto)://[^\s:@/'\"<>]{1,64}:(?P<s>[^\s@/'\"<>]{3,128})@(?!(?:[\w-]+\.)*example\.(?:com|org|net)\b|[\w.-]+\.(?:test|invalid|example)\b)",
       ["://"], entropy=1.5, needs="@", allow=[URL_PLACEHOLDERS], remediation=DB_REMEDIATION)
secret(176, "jdbc-password", "Password in a JDBC URL", "critical",
       r"(?i)jdbc:[a-z0-9]+:[^\s'\"]*?[;?&:]password=(?P<s>[^;&\s'\"]{3,128})", ["jdbc:"], entropy=1.5,
       remediation=DB_REMEDIATION)
secret(177, "connection-string-password", "Password in an ADO.NET/ODBC connection string", "critical",
       r"(?i)(?:server|data source|host|address)[ \t]*=[^;\n]{1,200};[^\n]{0,300}?(?<![\w])(?:password|pwd)[ \t]*=[ \t]*(?P<s>[^;'\"\s]{3,128})",
       ["password=", "pwd=", "password =", "pwd ="], entropy=1.5, priority=PRIO_GENERIC + 30,
       remediation=DB_REMEDIATION)
secret(178, "netrc-password", "Password in a .netrc entry", "high",
       r"(?i)\bmachine[ \t]+\S+(?:\s+login[ \t]+\S+)?\s+password[ \t]+(?P<s>\S{3,128})", ["machine"], whole=True, allow=[URL_PLACEHOLDERS, r"^[{$<%]"],
       requires=["password"], priority=PRIO_STRUCTURED, entropy=1.5,
       remediation="Remove ~/.netrc from the tree or image; use a credential helper or a mounted secret and rotate the password.")
secret(179, "git-credentials", "Credential in a git credential store (.git-credentials)", "critical",
       r"https?://[^:\s/@]+:(?P<s>[^@\s]{3,256})@", ["://"], paths=r"(?:^|/)\.?git-credentials$", allow=[URL_PLACEHOLDERS],
       priority=PRIO_STRUCTURED, entropy=1.5,
       remediation="Delete .git-credentials from the tree/image, revoke the token at the git host and use a credential helper backed by a secret store.")
secret(180, "htpasswd-hash", "Password hash in an htpasswd file", "medium",
       r"(?m)^[\w.@\-]{1,64}:(?P<s>\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}|\$2[aby]\$\d\d\$[./0-9A-Za-z]{53}|\{SHA\}[A-Za-z0-9+/]{27}=)",
       ["$apr1$", "$2y$", "$2a$", "$2b$", "{sha}"],
       remediation="Move the htpasswd file into a Secret mounted at run time and rotate the passwords (hashes can be cracked offline).")
secret(181, "shadow-password-hash", "Password hash in a shadow/passwd file", "medium",
       r"(?m)^[a-z_][a-z0-9_.\-]{0,31}:(?P<s>\$(?:1|5|6|y|gy|7|2[aby])\$[^:\s]{8,}):", ["$6$", "$5$", "$1$", "$y$", "$2", "$7$"],
       remediation="Lock the account (passwd -l / usermod -p '*'), rebuild the image without a password for it and use key-based or no login.")
secret(182, "cli-password-flag", "Password passed as a command-line flag", "medium",
       r"(?i)(?<![\w-])--(?:db-|admin-|registry-|docker-)?password[= ][ \t]*[\"']?(?P<s>[^\s\"'$`;|&]{3,128})",
       ["--password", "-password"], entropy=1.5, allow=[r"^-", r"^[a-z]+$", r"(?i)pass|secret|<|^\$"],
       remediation="Read the password from stdin (--password-stdin) or a mounted file, never from argv (visible in ps and shell history).")
secret(183, "sshpass-password", "Password passed to sshpass -p", "high",
       r"\bsshpass[ \t]+-p[ \t]*[\"']?(?P<s>[^\s\"'$]{3,128})", ["sshpass"], entropy=1.5)
secret(184, "laravel-app-key", "Laravel APP_KEY", "high", r"(?<![A-Za-z0-9_])APP_KEY[ \t]*=[ \t]*[\"']?base64:(?P<s>[A-Za-z0-9+/]{43}=)",
       ["app_key"], entropy=3.5)
secret(185, "symfony-app-secret", "Symfony APP_SECRET", "medium",
       r"(?<![A-Za-z0-9_])APP_SECRET[ \t]*[=:][ \t]*[\"']?(?P<s>[a-fA-F0-9]{32,64})(?![\w])", ["app_secret"], entropy=3.0,
       trivy="symfony-secret")
secret(186, "rails-secret-key-base", "Rails secret_key_base", "high",
       r"(?i)secret_key_base[\"']?[ \t]*[:=][ \t]*[\"']?(?P<s>[a-f0-9]{64,})", ["secret_key_base"], entropy=3.0)
secret(187, "django-secret-key", "Django SECRET_KEY", "high",
       r"(?<![\w])SECRET_KEY[ \t]*=[ \t]*(?:r|b)?[\"'](?P<s>[^\"'\s]{40,100})[\"']", ["secret_key"], entropy=3.5,
       priority=PRIO_GENERIC + 20)
secret(188, "mysql-cli-password", "Password passed to the mysql client as -p<password>", "medium",
       r"\bmysql(?:dump|admin)?\b[^\n]{0,200}?[ \t]-p(?P<s>[^\s\"'$-][^\s\"'$]{2,127})", ["mysql"], entropy=1.5)
secret(189, "dockerfile-env-secret", "Credential in a Dockerfile ENV/ARG (space form)", "high",
       r"(?im)^[ \t]*(?:ENV|ARG)[ \t]+(?:[A-Za-z_][A-Za-z0-9_]*?)?(?P<kw>PASSWORD|PASSWD|PWD|PASS|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)"
       r"(?P<suf>\w{0,24})(?P<op>[ \t]+)(?P<q>['\"]?)(?P<s>[^\s'\"]{1,200})(?P=q)[ \t]*$",
       ["env ", "arg "], assignment=True, generic=True, entropy=2.3, min_len=6,
       paths=r"(?i)(?:^|/)(?:[\w.-]*\.)?(?:dockerfile|containerfile)(?:\.[\w.-]+)?$",
       remediation="Do not bake credentials into the image: use a BuildKit secret (RUN --mount=type=secret,id=db_password) at build time and a Secret at run time; rotate the credential.",
       description="`ENV NAME value` (the legacy space form) stores a credential in every layer after it and in the image config.")
