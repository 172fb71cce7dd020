# ruff: noqa: E501  (rule tables: one rule per call, long regexes stay on one line)
"""Package registries and artifact stores: npm (checksum-verified tokens and .npmrc auth), PyPI,
RubyGems, NuGet, Clojars, Docker Hub, docker config.json auths, JFrog Artifactory, Maven
settings.xml, Private Packagist, .pypirc."""

from __future__ import annotations

from seawall.secrets.rules._spec import PRIO_STRUCTURED, ctx, secret, tok
from seawall.secrets.rules._validators import basic_auth_b64_ok, npm_token_ok

DOCKER_REMEDIATION = (
    "Remove the credential from the image or file, log out (docker logout <registry>) and revoke "
    "the token at the registry; in Kubernetes reference a kubernetes.io/dockerconfigjson Secret via "
    "imagePullSecrets, and in builds use `RUN --mount=type=secret`."
)

secret(120, "npm-access-token", "npm access token", "critical", tok(r"npm_[A-Za-z0-9]{36}"), ["npm_"],
       validate=npm_token_ok, gitleaks="npm-access-token", trivy="npm-access-token",
       remediation="Revoke it: npm token revoke <id>; use granular tokens from a CI secret, never a committed .npmrc.")
secret(121, "npmrc-auth-token", "npm registry auth token in .npmrc", "high",
       r"(?i)_authToken[ \t]*=[ \t]*['\"]?(?P<s>[A-Za-z0-9._~+/=\-]{16,})", ["_authtoken"], priority=40,
       entropy=3.0, remediation="Replace it with _authToken=${NPM_TOKEN} and provide NPM_TOKEN from the CI secret store; revoke the committed token.")
secret(122, "npmrc-auth-basic", "npm registry basic auth (_auth) in .npmrc", "high",
       r"(?im)^[ \t]*(?://\S*:)?_auth[ \t]*=[ \t]*['\"]?(?P<s>[A-Za-z0-9+/]{12,}={0,2})", ["_auth"],
       validate=basic_auth_b64_ok)
secret(123, "npmrc-password", "npm registry password (_password) in .npmrc", "high",
       r"(?im)^[ \t]*(?://\S*:)?_password[ \t]*=[ \t]*['\"]?(?P<s>[A-Za-z0-9+/]{8,}={0,2})", ["_password"],
       entropy=2.5)
secret(124, "pypi-upload-token", "PyPI upload token", "critical", tok(r"pypi-AgEIcHlwaS5vcmc[\w-]{50,1000}"),
       ["pypi-ageichlwas5vcmc"], gitleaks="pypi-upload-token", trivy="pypi-upload-token", entropy=3.0,
       remediation="Delete the token on pypi.org (Account settings > API tokens); publish with Trusted Publishing (OIDC) instead.")
secret(125, "testpypi-upload-token", "TestPyPI upload token", "medium",
       tok(r"pypi-AgENdGVzdC5weXBpLm9yZw[\w-]{50,1000}"), ["pypi-agendgvzdc5wexbplm9yzw"], entropy=3.0)
secret(126, "rubygems-api-key", "RubyGems API key", "critical", tok(r"rubygems_[a-f0-9]{48}"), ["rubygems_"],
       gitleaks="rubygems-api-token", trivy="rubygems-api-token", entropy=3.0)
secret(127, "nuget-api-key", "NuGet API key", "high", tok(r"oy2[a-z0-9]{43}"), ["oy2"], entropy=3.5)
secret(128, "nuget-config-password", "Password in NuGet.config", "high",
       r"(?i)<add\s+key=\"(?:ClearText)?Password\"\s+value=\"(?P<s>[^\"]{8,})\"\s*/>", ["<add key="], whole=True,
       paths=r"(?i)nuget\.config$", gitleaks="nuget-config-password")
secret(129, "clojars-token", "Clojars deploy token", "high", tok(r"(?i:CLOJARS_)[a-z0-9]{60}"), ["clojars_"],
       gitleaks="clojars-api-token", trivy="clojars-api-token", entropy=2.5)
secret(130, "dockerhub-pat", "Docker Hub personal access token", "critical", tok(r"dckr_pat_[A-Za-z0-9_-]{27}"),
       ["dckr_pat_"], entropy=3.5, remediation=DOCKER_REMEDIATION)
secret(131, "dockerhub-oat", "Docker Hub organization access token", "critical",
       tok(r"dckr_oat_[A-Za-z0-9_-]{32}"), ["dckr_oat_"], entropy=3.5, remediation=DOCKER_REMEDIATION)
secret(132, "docker-config-auth", "Registry credentials in docker config.json (auths.*.auth)", "critical",
       r"\"auth\"\s*:\s*\"(?P<s>[A-Za-z0-9+/]{8,}={0,2})\"", ["\"auth\""], validate=basic_auth_b64_ok,
       priority=PRIO_STRUCTURED, trivy="dockerconfig-secret", remediation=DOCKER_REMEDIATION,
       description="docker login stores base64(user:password) under auths.<registry>.auth; anyone who reads the file can push and pull as that user.")
secret(133, "docker-config-identity-token", "Registry identity/refresh token in docker config.json", "high",
       r"\"(?:identitytoken|registrytoken)\"\s*:\s*\"(?P<s>[^\"]{16,})\"", ["identitytoken", "registrytoken"],
       priority=PRIO_STRUCTURED, remediation=DOCKER_REMEDIATION)
secret(134, "artifactory-api-key", "JFrog Artifactory API key", "high", tok(r"AKCp[A-Za-z0-9]{69}"), ["akcp"],
       gitleaks="artifactory-api-key", entropy=4.0)
secret(135, "artifactory-reference-token", "JFrog Artifactory reference token", "high",
       tok(r"cmVmd[A-Za-z0-9]{59}"), ["cmvmd"], gitleaks="artifactory-reference-token", entropy=4.0)
secret(136, "jfrog-identity-token", "JFrog identity token / API key", "high",
       ctx(r"jfrog|artifactory|bintray", r"[a-z0-9]{64}|[a-z0-9]{73}"), ["jfrog", "artifactory", "bintray"],
       gitleaks=["jfrog-api-key", "jfrog-identity-token"], entropy=3.5)
secret(137, "xml-password-element", "Password in an XML <password> element (Maven settings.xml and similar)",
       "high", r"(?i)<(?P<k>password|passphrase)>[ \t]*(?P<s>[^<\s{$][^<\n]{2,}?)[ \t]*</(?P=k)>",
       ["<password>", "<passphrase>"], entropy=1.5,
       remediation="Encrypt it (mvn --encrypt-password with settings-security.xml) or reference ${env.MAVEN_PASSWORD}; rotate the password.")
secret(138, "private-packagist-token", "Private Packagist token", "high", tok(r"packagist_[ou][ru]t_[a-fA-F0-9]{68}"),
       ["packagist_"], trivy="private-packagist-token", entropy=3.0)
secret(139, "pypirc-password", "Password in .pypirc", "high",
       r"(?im)^[ \t]*password[ \t]*[=:][ \t]*(?P<s>\S{6,})", ["password"], paths=r"(?:^|/)\.pypirc$",
       priority=30, entropy=2.0)
