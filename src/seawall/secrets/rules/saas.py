# ruff: noqa: E501  (rule tables: one rule per call, long regexes stay on one line)
"""SaaS and developer-platform credentials: AI APIs (OpenAI, Anthropic, Hugging Face, Cohere,
Perplexity, Groq, Replicate, LangSmith), observability (Datadog, New Relic, Sentry, Grafana,
Dynatrace, PagerDuty), productivity and dev tools (Postman, Linear, Notion, Airtable, Asana,
Okta, Auth0, Mapbox, Algolia, Contentful, Databricks, Snyk, SonarQube, CI services...),
social platforms and a few commerce APIs."""

from __future__ import annotations

from seawall.secrets.rules._spec import ctx, secret, tok

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

secret(200, "openai-api-key", "OpenAI API key", "high",
       tok(r"sk-(?:(?:proj|svcacct|admin|service-account\d*|None)-)?[A-Za-z0-9_-]{20,74}T3BlbkFJ[A-Za-z0-9_-]{20,74}"),
       ["t3blbkfj"], gitleaks="openai-api-key", trivy=["openai-api-key", "openai-project-api-key"], entropy=3.0,
       allow=[r"^sk-(?:ant|or)-"])
secret(201, "anthropic-api-key", "Anthropic API key", "high", tok(r"sk-ant-api03-[a-zA-Z0-9_\-]{93}AA"),
       ["sk-ant-api03"], gitleaks="anthropic-api-key", entropy=3.5)
secret(202, "anthropic-admin-key", "Anthropic admin API key", "critical", tok(r"sk-ant-admin01-[a-zA-Z0-9_\-]{93}AA"),
       ["sk-ant-admin01"], gitleaks="anthropic-admin-api-key", entropy=3.5)
secret(203, "huggingface-token", "Hugging Face access token", "high", tok(r"hf_[A-Za-z0-9]{34}"), ["hf_"],
       gitleaks="huggingface-access-token", trivy="hugging-face-access-token", entropy=3.0)
secret(204, "huggingface-org-token", "Hugging Face organization API token", "high", tok(r"api_org_[A-Za-z]{34}"),
       ["api_org_"], gitleaks="huggingface-organization-api-token", entropy=3.0)
secret(205, "cohere-api-key", "Cohere API key", "high", ctx(r"cohere|co_api_key", r"[a-zA-Z0-9]{40}"),
       ["cohere", "co_api_key"], gitleaks="cohere-api-token", entropy=4.0)
secret(206, "perplexity-api-key", "Perplexity API key", "high", tok(r"pplx-[a-zA-Z0-9]{48}"), ["pplx-"],
       gitleaks="perplexity-api-key", entropy=4.0)
secret(207, "groq-api-key", "Groq API key", "high", tok(r"gsk_[A-Za-z0-9]{52}"), ["gsk_"], entropy=4.0)
secret(208, "replicate-token", "Replicate API token", "high", tok(r"r8_[A-Za-z0-9]{37}"), ["r8_"], entropy=4.0)
secret(209, "langsmith-api-key", "LangSmith API key", "high", tok(r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}"),
       ["lsv2_"], entropy=3.0)
secret(210, "datadog-api-key", "Datadog API key", "high",
       ctx(r"datadog[\w.\-]{0,10}?api|(?<![a-z])dd[_.\-]api", r"[a-f0-9]{32}"), ["datadog", "dd_api", "dd-api"],
       gitleaks="datadog-access-token", entropy=3.0)
secret(211, "datadog-app-key", "Datadog application key", "high",
       ctx(r"datadog[\w.\-]{0,10}?app|(?<![a-z])dd[_.\-]app", r"[a-f0-9]{40}"), ["datadog", "dd_app", "dd-app"],
       gitleaks="datadog-access-token", entropy=3.0)
secret(212, "newrelic-user-api-key", "New Relic user API key", "high", tok(r"NRAK-[A-Z0-9]{27}"), ["nrak-"],
       gitleaks="new-relic-user-api-key", trivy="new-relic-user-api-key", entropy=3.0)
secret(213, "newrelic-browser-token", "New Relic browser ingest token", "medium", tok(r"NRJS-[a-f0-9]{19}"),
       ["nrjs-"], gitleaks="new-relic-browser-api-token", trivy="new-relic-browser-api-token", entropy=3.0)
secret(214, "newrelic-insert-key", "New Relic insights insert key", "medium", tok(r"NRII-[A-Za-z0-9-]{32}"),
       ["nrii-"], gitleaks="new-relic-insert-key", entropy=3.0)
secret(215, "sentry-user-token", "Sentry user auth token", "high", tok(r"sntryu_[a-f0-9]{64}"), ["sntryu_"],
       gitleaks="sentry-user-token", entropy=3.5)
secret(216, "sentry-org-token", "Sentry organization auth token", "high",
       tok(r"sntrys_eyJpYXQiO[a-zA-Z0-9+/]{10,400}={0,2}_[a-zA-Z0-9+/]{43}"), ["sntrys_"],
       gitleaks="sentry-org-token", entropy=4.0)
secret(217, "grafana-api-key", "Grafana API key", "high", tok(r"eyJrIjoi[A-Za-z0-9]{70,400}={0,3}"), ["eyjrijoi"],
       gitleaks="grafana-api-key", trivy="grafana-api-token", entropy=3.0)
secret(218, "grafana-cloud-token", "Grafana Cloud API token", "high", tok(r"glc_[A-Za-z0-9+/]{32,400}={0,3}"),
       ["glc_"], gitleaks="grafana-cloud-api-token", entropy=3.0)
secret(219, "grafana-service-account-token", "Grafana service account token", "high",
       tok(r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"), ["glsa_"], gitleaks="grafana-service-account-token", entropy=3.0)
secret(220, "dynatrace-token", "Dynatrace API token", "high", tok(r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}"),
       ["dt0c01."], gitleaks="dynatrace-api-token", trivy="dynatrace-api-token", entropy=4.0)
secret(221, "pagerduty-token", "PagerDuty API key", "high", ctx(r"pagerduty|pager[_.\-]duty", r"[A-Za-z0-9_+\-]{20}"),
       ["pagerduty", "pager_duty", "pager-duty"], entropy=3.5)
secret(222, "postman-api-key", "Postman API key", "high", tok(r"PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}"), ["pmak-"],
       gitleaks="postman-api-token", trivy="postman-api-token", entropy=3.0)
secret(223, "linear-api-key", "Linear API key", "high", tok(r"lin_api_[A-Za-z0-9]{40}"), ["lin_api_"],
       gitleaks="linear-api-key", trivy="linear-api-token", entropy=3.0)
secret(224, "notion-token", "Notion integration token", "high",
       tok(r"ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43}"), ["ntn_", "secret_"], requires=[],
       gitleaks="notion-api-token", entropy=4.0)
secret(225, "airtable-pat", "Airtable personal access token", "high", tok(r"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}"),
       ["pat"], gitleaks="airtable-api-key", entropy=3.5)
secret(226, "asana-token", "Asana personal access token", "high",
       tok(r"[12]/[0-9]{16}/[0-9]{16,}:[a-f0-9]{32}"), ["asana"], whole=True, gitleaks=["asana-client-secret"],
       trivy="asana-client-secret", entropy=3.0)
secret(227, "okta-api-token", "Okta API token", "high", ctx(r"okta", r"00[\w=\-]{40}"), ["okta"],
       gitleaks="okta-access-token", entropy=4.0)
secret(228, "auth0-client-secret", "Auth0 client secret", "high",
       ctx(r"auth0[\w.\-]{0,20}?secret", r"[A-Za-z0-9_\-]{64}"), ["auth0"], entropy=4.0)
secret(229, "mapbox-secret-token", "Mapbox secret access token", "high",
       tok(r"sk\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,}"), ["sk.eyj"], gitleaks="mapbox-api-token",
       trivy="mapbox-api-token", entropy=4.0)
secret(230, "algolia-admin-key", "Algolia API key", "high", ctx(r"algolia", r"[a-f0-9]{32}"), ["algolia"],
       gitleaks="algolia-api-key", entropy=3.0)
secret(231, "contentful-token", "Contentful delivery/management token", "medium",
       ctx(r"contentful", r"[a-zA-Z0-9=_\-]{43}|CFPAT-[a-zA-Z0-9_\-]{43}"), ["contentful"],
       gitleaks="contentful-delivery-api-token", trivy="contentful-delivery-api-token", entropy=3.5)
secret(232, "databricks-token", "Databricks personal access token", "high", tok(r"dapi[a-f0-9]{32}(?:-\d)?"),
       ["dapi"], gitleaks="databricks-api-token", trivy="databricks-api-token", entropy=3.0)
secret(233, "snyk-token", "Snyk API token", "high", ctx(r"snyk", UUID), ["snyk"], gitleaks="snyk-api-token")
secret(234, "sonarqube-token", "SonarQube/SonarCloud token", "high", tok(r"sq[upa]_[a-f0-9]{40}"),
       ["squ_", "sqp_", "sqa_"], gitleaks="sonar-api-token", entropy=3.0)
secret(235, "infracost-token", "Infracost API token", "medium", tok(r"ico-[a-zA-Z0-9]{32}"), ["ico-"],
       gitleaks="infracost-api-token", entropy=3.0)
secret(236, "prefect-token", "Prefect API key", "high", tok(r"pnu_[a-zA-Z0-9]{36}"), ["pnu_"],
       gitleaks="prefect-api-token", entropy=3.0)
secret(237, "planetscale-token", "PlanetScale service token", "high", tok(r"pscale_tkn_[\w=.\-]{32,64}"),
       ["pscale_tkn_"], gitleaks="planetscale-api-token", trivy="planetscale-api-token", entropy=3.0)
secret(238, "planetscale-password", "PlanetScale database password", "critical", tok(r"pscale_pw_[\w=.\-]{32,64}"),
       ["pscale_pw_"], gitleaks="planetscale-password", trivy="planetscale-password", entropy=3.0)
secret(239, "planetscale-oauth-token", "PlanetScale OAuth token", "high", tok(r"pscale_oauth_[\w=.\-]{32,64}"),
       ["pscale_oauth_"], gitleaks="planetscale-oauth-token", entropy=3.0)
secret(240, "supabase-token", "Supabase access token", "high", tok(r"sbp_[a-f0-9]{40}"), ["sbp_"], entropy=3.0)
secret(241, "twitch-token", "Twitch API token", "medium", ctx(r"twitch", r"[a-z0-9]{30}"), ["twitch"],
       gitleaks="twitch-api-token", trivy="twitch-api-token", entropy=3.0)
secret(242, "twitter-bearer-token", "Twitter/X bearer token", "high", tok(r"A{22}[A-Za-z0-9%]{80,100}"),
       ["aaaaaaaaaaaaaaaaaaaaaa"], gitleaks="twitter-bearer-token", trivy="twitter-bearer-token", entropy=3.5)
secret(243, "twitter-api-secret", "Twitter/X API secret", "high",
       ctx(r"twitter[\w.\-]{0,20}?secret|(?<![a-z])x[_.\-]api[_.\-]secret", r"[a-zA-Z0-9]{45,50}"), ["twitter", "x_api", "x-api"],
       gitleaks=["twitter-api-secret", "twitter-access-secret"], trivy="twitter-token", entropy=4.0)
secret(244, "facebook-access-token", "Facebook/Meta access token", "high", tok(r"EAA[MC][A-Za-z0-9]{100,}"),
       ["eaam", "eaac"], gitleaks="facebook-page-access-token", trivy="facebook-token", entropy=4.0)
secret(245, "facebook-app-secret", "Facebook/Meta app secret", "high",
       ctx(r"facebook[\w.\-]{0,20}?secret|(?<![a-z])fb[_.\-]?(?:app[_.\-]?)?secret", r"[a-f0-9]{32}"), ["facebook", "fb"],
       gitleaks="facebook-secret", trivy="facebook-token", entropy=3.0)
secret(246, "linkedin-client-secret", "LinkedIn client secret", "medium",
       ctx(r"linked[_.\-]?in[\w.\-]{0,20}?secret", r"[a-zA-Z0-9]{16}"), ["linkedin", "linked_in", "linked-in"],
       gitleaks="linkedin-client-secret", trivy="linkedin-client-secret", entropy=3.0)
secret(247, "dropbox-token", "Dropbox access token", "high", tok(r"sl\.[A-Za-z0-9\-=_]{130,150}"), ["sl."],
       requires=["dropbox"], gitleaks="dropbox-short-lived-api-token", trivy="dropbox-api-secret", entropy=4.0)
secret(248, "dropbox-long-lived-token", "Dropbox long-lived access token", "high",
       ctx(r"dropbox", r"[a-z0-9]{11}AAAAAAAAAA[a-z0-9\-_=]{43}"), ["dropbox"], gitleaks="dropbox-long-lived-api-token")
secret(249, "typeform-token", "Typeform personal access token", "medium", tok(r"tfp_[a-zA-Z0-9\-_.=]{59}"),
       ["tfp_"], gitleaks="typeform-api-token", trivy="typeform-api-token", entropy=3.0)
secret(250, "zendesk-token", "Zendesk API token", "high", ctx(r"zendesk", r"[A-Za-z0-9]{40}"), ["zendesk"],
       gitleaks="zendesk-secret-key", entropy=3.5)
secret(251, "intercom-token", "Intercom access token", "high", ctx(r"intercom", r"[a-zA-Z0-9=_\-]{60}"), ["intercom"],
       gitleaks="intercom-api-key", trivy="intercom-api-token", entropy=3.5)
secret(252, "hubspot-private-app-token", "HubSpot private app token", "high",
       tok(r"pat-(?:na|eu)1-" + UUID), ["pat-na1-", "pat-eu1-"], gitleaks="hubspot-api-key",
       trivy="hubspot-api-token")
secret(253, "circleci-token", "CircleCI personal API token", "high",
       tok(r"CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}"), ["ccipat_"], entropy=3.5)
secret(254, "droneci-token", "Drone CI access token", "medium", ctx(r"drone", r"[a-zA-Z0-9]{32}"), ["drone"],
       gitleaks="droneci-access-token", entropy=3.5)
secret(255, "buildkite-token", "Buildkite API access token", "high", tok(r"bkua_[a-f0-9]{40}"), ["bkua_"],
       entropy=3.0)
secret(256, "launchdarkly-token", "LaunchDarkly access token", "medium",
       tok(r"api-" + UUID), ["api-"], requires=["launchdarkly"], gitleaks="launchdarkly-access-token")
secret(257, "readme-token", "ReadMe API key", "medium", tok(r"rdme_[a-z0-9]{70}"), ["rdme_"],
       gitleaks="readme-api-token", trivy="readme-api-token", entropy=3.0)
secret(258, "shippo-token", "Shippo API token", "high", tok(r"shippo_(?:live|test)_[a-fA-F0-9]{40}"), ["shippo_"],
       gitleaks="shippo-api-token", trivy="shippo-api-token", entropy=3.0)
secret(259, "easypost-token", "EasyPost API key", "high", tok(r"EZ[AT]K[a-zA-Z0-9]{54}"), ["ezak", "eztk"],
       gitleaks=["easypost-api-token", "easypost-test-api-token"], trivy="easypost-api-token", entropy=3.0)
secret(260, "duffel-token", "Duffel API token", "high", tok(r"duffel_(?:test|live)_[A-Za-z0-9_\-=]{43}"),
       ["duffel_"], gitleaks="duffel-api-token", trivy="duffel-api-token", entropy=3.0)
secret(261, "frameio-token", "Frame.io API token", "medium", tok(r"fio-u-[A-Za-z0-9\-_=]{64}"), ["fio-u-"],
       gitleaks="frameio-api-token", trivy="frameio-api-token", entropy=3.0)
secret(262, "beamer-token", "Beamer API key", "medium", ctx(r"beamer", r"b_[a-z0-9=_\-]{44}"), ["beamer"],
       gitleaks="beamer-api-token", trivy="beamer-api-token")
secret(263, "lob-api-key", "Lob API key", "high", ctx(r"lob", r"(?:live|test)_[a-f0-9]{35}"), ["lob"],
       gitleaks="lob-api-key", trivy="lob-api-key")
secret(264, "onepassword-service-token", "1Password service account token", "critical",
       tok(r"ops_eyJ[a-zA-Z0-9+/]{250,}={0,3}"), ["ops_eyj"], gitleaks="1password-service-account-token",
       entropy=4.0)
secret(265, "onepassword-secret-key", "1Password account secret key", "critical",
       tok(r"A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}"),
       ["a3-"], gitleaks="1password-secret-key", entropy=3.8)
secret(266, "octopus-deploy-key", "Octopus Deploy API key", "high", tok(r"API-[A-Z0-9]{26}"), ["api-"],
       gitleaks="octopus-deploy-api-key", entropy=3.0)
secret(267, "harness-token", "Harness personal/service access token", "high",
       tok(r"(?:pat|sat)\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20}"), ["pat.", "sat."],
       gitleaks="harness-api-key", entropy=3.5)
secret(268, "ngrok-token", "ngrok authtoken", "high", ctx(r"ngrok", r"[0-9A-Za-z]{20,30}_[0-9A-Za-z]{20,30}"),
       ["ngrok"], entropy=4.0)
secret(269, "fastly-token", "Fastly API token", "high", ctx(r"fastly", r"[a-zA-Z0-9=_\-]{32}"), ["fastly"],
       gitleaks="fastly-api-token", trivy="fastly-api-token", entropy=3.5)
