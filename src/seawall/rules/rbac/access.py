"""Metadata of the findings the RBAC analyzer builds (``seawall.analyzers.rbac``).

Each risky capability (see :mod:`seawall.rbac.capabilities`) has one rule id here; the analyzer
evaluates every binding with Kubernetes' own matcher and reports one finding per binding subject.
"""

from __future__ import annotations

from typing import Any

from seawall.rules.registry import declare

RISK = ("3.3.1",)
CM = ("4.3.1",)
ADMIN_RISK = ("3.3.1", "3.3.2")
ADMIN_CM = ("4.3.1", "4.3.2")

#: capability key -> rule id (the analyzer reports these per binding subject)
CAPABILITY_RULES: dict[str, str] = {
    "read-secrets": "SW-RBAC-006",
    "create-pods": "SW-RBAC-007",
    "exec": "SW-RBAC-008",
    "nodes-proxy": "SW-RBAC-009",
    "escalate": "SW-RBAC-010",
    "bind": "SW-RBAC-011",
    "impersonate": "SW-RBAC-012",
    "sa-token": "SW-RBAC-013",
    "csr-approve": "SW-RBAC-014",
    "webhooks": "SW-RBAC-015",
    "create-pv": "SW-RBAC-016",
}


def _d(id: str, title: str, severity: str, description: str, remediation: str, *,
       risk: tuple[str, ...] = RISK, cm: tuple[str, ...] = CM, tools: dict[str, Any] | None = None,
       cis: tuple[str, ...] = ()) -> None:
    declare(id=id, title=title, severity=severity, category="access", description=description,
            remediation=remediation, risk=risk, countermeasure=cm, tools=tools, cis=cis)


_NARROW = """Remove the permission from the role, or bind a narrower role:
  kubectl create role NAME --verb=get,list --resource=configmaps -n NAMESPACE
or delete the binding: kubectl delete rolebinding NAME -n NAMESPACE (clusterrolebinding NAME)"""

_d("SW-RBAC-002", "cluster-admin (or equivalent) bound cluster-wide", "critical",
   """A ClusterRoleBinding gives a user, group or service account cluster-admin, or a role with '*'
   verbs on '*' resources: unbounded administrative access to every namespace, node and secret.""",
   """Bind a role limited to what the subject needs, in the namespaces it needs (RoleBinding);
keep cluster-admin for break-glass accounts only:
  kubectl delete clusterrolebinding NAME""",
   risk=ADMIN_RISK, cm=ADMIN_CM,
   tools={"kubescape": ["C-0035", "C-0185"], "kube-linter": "cluster-admin-role-binding",
          "polaris": "clusterrolebindingClusterAdmin", "trivy": "KSV-0111"},
   cis=("5.1.1",))
_d("SW-RBAC-003", "Administrator rights in a namespace", "high",
   """A RoleBinding gives cluster-admin or a role with '*' verbs on '*' resources inside a
   namespace: every secret, pod and service account of that namespace (and their permissions).""",
   """Grant the verbs and resources needed instead of '*':
  rules:
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get", "list", "watch", "update"]""",
   risk=ADMIN_RISK, cm=ADMIN_CM,
   tools={"kubescape": "C-0035",
          "polaris": ["rolebindingClusterAdminClusterRole", "rolebindingClusterAdminRole"]})
_d("SW-RBAC-004", "Permissions granted to anonymous users", "critical",
   """A binding grants permissions to system:anonymous or system:unauthenticated: anyone who can
   reach the API server gets them without credentials.""",
   """Remove system:anonymous / system:unauthenticated from the binding's subjects (and run the API
server with --anonymous-auth=false):
  kubectl edit clusterrolebinding NAME   # delete the subject""",
   risk=("3.3.2",), cm=("4.3.2",),
   tools={"kubescape": "C-0262", "kubesec": "BindingsToSystemAnonymous", "trivy": ["KSV-0122", "KSV-01011"]})
_d("SW-RBAC-005", "Sensitive permissions granted to every authenticated identity", "high",
   """A binding grants system:authenticated or system:serviceaccounts (every user and every
   service account token of the cluster) access to secrets, pods, nodes, RBAC objects or other
   sensitive resources.""",
   """Bind the role to the specific users, groups or service accounts that need it instead of
system:authenticated / system:serviceaccounts.""",
   risk=("3.3.1", "3.3.2"), cm=("4.3.1", "4.3.2"),
   tools={"kubescape": "C-0265", "trivy": "KSV-0123"})
_d("SW-RBAC-006", "Subject can read secrets", "high",
   """get, list or watch on secrets reads every secret of the scope, including service-account
   tokens and credentials of other applications (list and watch return the values too).""",
   _NARROW.replace("configmaps", "secrets --resource-name=THE-SECRET").replace("get,list", "get"),
   tools={"kubescape": ["C-0015", "C-0186"], "checkov": "CKV2_K8S_5", "kube-linter": "access-to-secrets",
          "trivy": ["KSV-0041", "KSV-0113"]}, cis=("5.1.2",))
_d("SW-RBAC-007", "Subject can create pods or pod controllers", "high",
   """Creating pods (directly or through Deployments, Jobs, DaemonSets...) lets the subject run a pod
   as any service account of the namespace, mount its secrets and, without Pod Security admission,
   the host.""",
   _NARROW, tools={"kubescape": "C-0188", "kube-linter": "access-to-create-pods", "trivy": "KSV-0048"},
   cis=("5.1.4",))
_d("SW-RBAC-008", "Subject can exec, attach or port-forward into pods", "high",
   """pods/exec, pods/attach, pods/portforward and pods/ephemeralcontainers give a shell or network
   access inside running containers, with their service-account tokens and secrets.""",
   _NARROW, tools={"kubescape": ["C-0002", "C-0063"], "checkov": "CKV2_K8S_2",
                   "polaris": ["clusterrolePodExecAttach", "rolePodExecAttach"],
                   "trivy": ["KSV-0053", "KSV-0054"]})
_d("SW-RBAC-009", "Subject can use nodes/proxy", "critical",
   """nodes/proxy reaches the kubelet API of every node, which can run commands in any pod and is
   not audited by the API server.""",
   _NARROW, risk=ADMIN_RISK, cm=ADMIN_CM,
   tools={"kubescape": "C-0279", "checkov": "CKV2_K8S_2", "trivy": "KSV-0047"}, cis=("5.1.10",))
_ESC_TOOLS: dict[str, Any] = {"kubescape": "C-0191", "checkov": ["CKV_K8S_157", "CKV_K8S_158", "CKV2_K8S_1"],
                              "trivy": ["KSV-0050", "KSV-0051", "KSV-0052", "KSV-0055"]}
_d("SW-RBAC-010", "Subject can escalate roles", "critical",
   """The escalate verb lets a subject write roles with permissions it does not hold, bypassing
   Kubernetes' privilege-escalation prevention.""",
   _NARROW, risk=ADMIN_RISK, cm=ADMIN_CM, tools=_ESC_TOOLS, cis=("5.1.8",))
_d("SW-RBAC-011", "Subject can bind roles", "critical",
   """The bind verb lets a subject bind any (or the named) role, including cluster-admin, to itself
   or others, bypassing privilege-escalation prevention.""",
   _NARROW, risk=ADMIN_RISK, cm=ADMIN_CM, tools=_ESC_TOOLS, cis=("5.1.8",))
_d("SW-RBAC-012", "Subject can impersonate users, groups or service accounts", "critical",
   """impersonate lets a subject act as another user, group (e.g. system:masters) or service account
   and so hold all of its permissions.""",
   _NARROW, risk=ADMIN_RISK, cm=ADMIN_CM,
   tools={"kubescape": ["C-0065", "C-0191"], "checkov": "CKV2_K8S_3", "trivy": "KSV-0043"}, cis=("5.1.8",))
_d("SW-RBAC-013", "Subject can create service account tokens", "high",
   """create on serviceaccounts/token mints tokens for any (or the named) service account of the
   scope, so the subject holds all of their permissions.""",
   _NARROW, tools={"kubescape": "C-0282"}, cis=("5.1.13",))
_d("SW-RBAC-014", "Subject can create and approve certificate signing requests", "critical",
   """Creating and approving CertificateSigningRequests for the API-server client signer issues a
   client certificate for any user or group, including system:masters.""",
   _NARROW, risk=ADMIN_RISK, cm=ADMIN_CM, tools={"kubescape": "C-0280", "checkov": "CKV_K8S_156"},
   cis=("5.1.11",))
_d("SW-RBAC-015", "Subject can change admission webhook configurations", "high",
   """Control of validating or mutating webhook configurations lets a subject disable admission
   controls or inject containers into every new pod.""",
   _NARROW, tools={"kubescape": "C-0281", "checkov": "CKV_K8S_155", "trivy": "KSV-0114"}, cis=("5.1.12",))
_d("SW-RBAC-016", "Subject can create persistent volumes", "medium",
   """Creating PersistentVolumes lets a subject expose any hostPath or storage to pods it can create.""",
   _NARROW, tools={"kubescape": "C-0278"}, cis=("5.1.9",))
_d("SW-RBAC-017", "Binding references a role missing from the input", "medium",
   """The binding's role is neither in the scanned input nor a built-in role. It grants nothing now;
   whoever later creates a role of that name grants its permissions to these subjects (and a
   ClusterRoleBinding referencing a Role is never valid).""",
   """Add the role to the manifests, or delete the binding:
  kubectl delete rolebinding NAME -n NAMESPACE""",
   risk=("3.3.2",), cm=("4.3.2",))
_d("SW-RBAC-018", "Binding names a service account missing from the input", "low",
   """The binding grants a service account that the scanned input does not define: an orphaned
   grant that whoever creates that service account later inherits.""",
   """Define the ServiceAccount next to the binding, or remove the subject:
  apiVersion: v1
  kind: ServiceAccount
  metadata: {name: NAME, namespace: NAMESPACE}""",
   risk=("3.3.2",), cm=("4.3.2",))
_d("SW-RBAC-019", "Workload's service account can escalate to cluster-admin", "critical",
   """The workload mounts a service-account token whose permissions lead, step by step (create pods
   as another service account, read its token, bind roles...), to cluster-admin: compromising this
   one container compromises the cluster. The finding shows the shortest path.""",
   """Break the path: remove the first permission on it from the service account's roles, or stop
mounting the token where the API is not needed:
  spec:
    automountServiceAccountToken: false""",
   risk=ADMIN_RISK, cm=ADMIN_CM)
_d("SW-RBAC-020", "Workload's service account has administrator rights", "critical",
   """The workload mounts a token of a service account bound to '*' verbs on '*' resources: anyone
   who compromises the container administers the scope of that binding.""",
   """Bind a least-privilege role to the service account, or do not mount its token:
  spec:
    automountServiceAccountToken: false""",
   risk=ADMIN_RISK, cm=ADMIN_CM, tools={"kubescape": "C-0272"})
_d("SW-RBAC-021", "Workload's service account holds cluster-takeover permissions", "high",
   """The workload mounts a token of a service account that may read secrets, create or update
   pods, exec into pods, bind, escalate or impersonate: a container compromise becomes an
   attack on the cluster.""",
   """Bind a least-privilege role to the service account, or do not mount its token:
  spec:
    automountServiceAccountToken: false""",
   tools={"kubescape": ["C-0267", "C-0053"]})
_d("SW-RBAC-022", "Subject can escalate to cluster-admin", "high",
   """The subject is not bound to cluster-admin, but its permissions lead there step by step
   (create pods in kube-system, mint a token of a privileged service account, bind or escalate
   roles, impersonate, nodes/proxy...): it is cluster-admin in all but name. The finding shows the
   shortest path.""",
   """Remove the first permission on the path from the subject's roles (see the message), e.g.
  kubectl edit clusterrole NAME""",
   risk=ADMIN_RISK, cm=ADMIN_CM)
_d("SW-RBAC-023", "Default service account granted roles", "medium",
   """A binding grants permissions to a namespace's 'default' service account, which every pod that
   names no service account runs as: every such pod gets these permissions.""",
   """Create a dedicated service account for the workload that needs the role and bind that instead:
  kubectl create serviceaccount APP -n NAMESPACE
  kubectl create rolebinding APP --role=ROLE --serviceaccount=NAMESPACE:APP -n NAMESPACE""",
   tools={"kubescape": ["C-0189", "C-0225"], "checkov": "CKV_K8S_42"}, cis=("5.1.5",))
