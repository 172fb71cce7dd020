
"""Source hosting and CI credentials: GitHub (checksum-verified), GitLab, Bitbucket, Atlassian,
Gitea, Sourcegraph, Codecov, Travis CI."""

from __future__ import annotations

from seawall.secrets.rules._spec import ctx, secret, tok
from seawall.secrets.rules._validators import github_token_ok

GH_REMEDIATION = (
    "Revoke the token (GitHub > Settings > Developer settings > Tokens, or "
    "gh api -X DELETE /applications/<client_id>/token for OAuth apps), purge it from history, and "
    "use a short-lived GITHUB_TOKEN or a GitHub App installation token in CI instead."
)
GL_REMEDIATION = (
    "Revoke the token in GitLab (User/Project/Group > Access tokens, or the runner/deploy token "
    "page), purge it from history and use CI/CD variables marked masked and protected."
)

secret(50, "github-pat", "GitHub personal access token (classic)", "critical", tok(r"ghp_[0-9a-zA-Z]{36}"),
       ["ghp_"], validate=github_token_ok, gitleaks="github-pat", trivy="github-pat", remediation=GH_REMEDIATION,
       description="A classic GitHub PAT; its last six characters are a CRC32 checksum, which is verified.")
secret(51, "github-oauth-token", "GitHub OAuth access token", "high", tok(r"gho_[0-9a-zA-Z]{36}"), ["gho_"],
       validate=github_token_ok, gitleaks="github-oauth", trivy="github-oauth", remediation=GH_REMEDIATION)
secret(52, "github-user-to-server-token", "GitHub App user-to-server token", "high", tok(r"ghu_[0-9a-zA-Z]{36}"),
       ["ghu_"], validate=github_token_ok, gitleaks="github-app-token", trivy="github-app-token",
       remediation=GH_REMEDIATION)
secret(53, "github-installation-token", "GitHub App installation token", "high", tok(r"ghs_[0-9a-zA-Z]{36}"),
       ["ghs_"], validate=github_token_ok, gitleaks="github-app-token", trivy="github-app-token",
       remediation=GH_REMEDIATION)
secret(54, "github-refresh-token", "GitHub refresh token", "high", tok(r"ghr_[0-9a-zA-Z]{36}"), ["ghr_"],
       validate=github_token_ok, gitleaks="github-refresh-token", trivy="github-refresh-token",
       remediation=GH_REMEDIATION)
secret(55, "github-fine-grained-pat", "GitHub fine-grained personal access token", "critical",
       tok(r"github_pat_\w{82}"), ["github_pat_"], gitleaks="github-fine-grained-pat",
       trivy="github-fine-grained-pat", entropy=3.0, remediation=GH_REMEDIATION)
secret(56, "github-legacy-token", "GitHub token (legacy 40-hex format)", "high",
       ctx(r"github[\w.\-]{0,20}?(?:token|secret|pat|key|password)|gh[_.\-]?token", r"[0-9a-f]{40}"),
       ["github", "gh_token", "gh-token", "ghtoken"], entropy=3.0, remediation=GH_REMEDIATION)
secret(57, "gitlab-pat", "GitLab personal access token", "critical", tok(r"glpat-[\w-]{20}"), ["glpat-"],
       gitleaks="gitlab-pat", trivy="gitlab-pat", entropy=3.0, remediation=GL_REMEDIATION)
secret(58, "gitlab-pat-routable", "GitLab personal access token (routable)", "critical",
       tok(r"glpat-[0-9a-zA-Z_-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7}"), ["glpat-"], gitleaks="gitlab-pat-routable",
       entropy=4.0, remediation=GL_REMEDIATION)
secret(59, "gitlab-pipeline-trigger-token", "GitLab pipeline trigger token", "high", tok(r"glptt-[0-9a-f]{40}"),
       ["glptt-"], gitleaks="gitlab-ptt", entropy=3.0, remediation=GL_REMEDIATION)
secret(60, "gitlab-runner-registration-token", "GitLab runner registration token", "high",
       tok(r"GR1348941[\w-]{20}"), ["gr1348941"], gitleaks="gitlab-rrt", entropy=3.0, remediation=GL_REMEDIATION)
secret(61, "gitlab-runner-auth-token", "GitLab runner authentication token", "high",
       tok(r"glrt-(?:t\d_)?[0-9a-zA-Z_\-]{20,300}(?:\.[0-9a-z]{9})?"), ["glrt-"],
       gitleaks="gitlab-runner-authentication-token", entropy=3.0, remediation=GL_REMEDIATION)
secret(62, "gitlab-deploy-token", "GitLab deploy token", "high", tok(r"gldt-[0-9a-zA-Z_\-]{20}"), ["gldt-"],
       gitleaks="gitlab-deploy-token", entropy=3.0, remediation=GL_REMEDIATION)
secret(63, "gitlab-feed-token", "GitLab feed token", "medium", tok(r"glft-[0-9a-zA-Z_\-]{20}"), ["glft-"],
       gitleaks="gitlab-feed-token", entropy=3.0, remediation=GL_REMEDIATION)
secret(64, "gitlab-incoming-mail-token", "GitLab incoming mail token", "medium", tok(r"glimt-[0-9a-zA-Z_\-]{25}"),
       ["glimt-"], gitleaks="gitlab-incoming-mail-token", entropy=3.0, remediation=GL_REMEDIATION)
secret(65, "gitlab-agent-token", "GitLab Kubernetes agent token", "critical", tok(r"glagent-[0-9a-zA-Z_\-]{50}"),
       ["glagent-"], gitleaks="gitlab-kubernetes-agent-token", entropy=3.0, remediation=GL_REMEDIATION)
secret(66, "gitlab-oauth-app-secret", "GitLab OAuth application secret", "high", tok(r"gloas-[0-9a-zA-Z_\-]{64}"),
       ["gloas-"], gitleaks="gitlab-oauth-app-secret", entropy=3.0, remediation=GL_REMEDIATION)
secret(67, "gitlab-ci-job-token", "GitLab CI/CD job token", "medium", tok(r"glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20}"),
       ["glcbt-"], gitleaks="gitlab-cicd-job-token", entropy=3.0, remediation=GL_REMEDIATION)
secret(68, "gitlab-feature-flag-token", "GitLab feature-flag client token", "low", tok(r"glffct-[0-9a-zA-Z_\-]{20}"),
       ["glffct-"], gitleaks="gitlab-feature-flag-client-token", entropy=3.0, remediation=GL_REMEDIATION)
secret(69, "gitlab-scim-token", "GitLab SCIM token", "high", tok(r"glsoat-[0-9a-zA-Z_\-]{20}"), ["glsoat-"],
       gitleaks="gitlab-scim-token", entropy=3.0, remediation=GL_REMEDIATION)
secret(70, "gitlab-session-cookie", "GitLab session cookie", "high", r"_gitlab_session=(?P<s>[0-9a-z]{32})",
       ["_gitlab_session="], gitleaks="gitlab-session-cookie", entropy=3.0, remediation=GL_REMEDIATION)
secret(71, "bitbucket-client-id", "Bitbucket OAuth client ID", "medium",
       ctx(r"bitbucket[\w.\-]{0,20}?(?:client|key|id)", r"[A-Za-z0-9]{32}"), ["bitbucket"],
       gitleaks="bitbucket-client-id", trivy="bitbucket-client-id", entropy=3.0)
secret(72, "bitbucket-client-secret", "Bitbucket OAuth client secret", "high",
       ctx(r"bitbucket", r"[A-Za-z0-9=_\-]{64}"), ["bitbucket"], gitleaks="bitbucket-client-secret",
       trivy="bitbucket-client-secret", entropy=3.5)
secret(73, "bitbucket-app-password", "Bitbucket app password / API token", "high",
       tok(r"ATBB[A-Za-z0-9_=.\-]{32}"), ["atbb"], entropy=3.5)
secret(74, "atlassian-api-token", "Atlassian API token", "high", tok(r"ATATT3[A-Za-z0-9_\-=]{186}"), ["atatt3"],
       gitleaks="atlassian-api-token", trivy="atlassian-api-token", entropy=3.5)
secret(75, "atlassian-legacy-api-token", "Atlassian (Jira/Confluence) API token, legacy format", "high",
       ctx(r"atlassian|confluence|jira", r"[a-zA-Z0-9]{24}"), ["atlassian", "confluence", "jira"],
       gitleaks="atlassian-api-token", trivy="atlassian-api-token", entropy=3.5)
secret(76, "gitea-token", "Gitea / Forgejo access token", "high",
       ctx(r"gitea|forgejo", r"[0-9a-f]{40}"), ["gitea", "forgejo"], entropy=3.0)
secret(77, "sourcegraph-token", "Sourcegraph access token", "high",
       tok(r"sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|sgp_[a-fA-F0-9]{40}"), ["sgp_"],
       gitleaks="sourcegraph-access-token", entropy=3.0)
secret(78, "codecov-token", "Codecov upload token", "medium", ctx(r"codecov", r"[a-z0-9\-]{32,36}"), ["codecov"],
       gitleaks="codecov-access-token", entropy=3.0)
secret(79, "travis-ci-token", "Travis CI access token", "medium", ctx(r"travis", r"[a-z0-9]{22}"), ["travis"],
       gitleaks="travisci-access-token", entropy=3.0)
