"""``seawall rbac who-can`` and ``seawall rbac can``: RBAC questions answered from manifests.

Both load every Kubernetes object under PATH (as ``seawall scan`` reads them) and evaluate with the
same matcher as the analyzer, so the answers and the findings can never disagree.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from seawall.cli.output import write_output
from seawall.rbac.matcher import Grant, Identity
from seawall.rbac.model import RbacModel
from seawall.rbac.who_can import can, parse_resource, parse_subject, who_can
from seawall.textsafe import printable


def register(sub: Any) -> None:
    p = sub.add_parser("rbac", help="answer RBAC questions from manifests (who-can, can)")
    rsub = p.add_subparsers(dest="rbac_command", metavar="COMMAND")

    w = rsub.add_parser("who-can", help="subjects allowed VERB on RESOURCE (like kubectl auth can-i, reversed)")
    w.add_argument("verb", help="get, list, create, impersonate, bind, '*' ...")
    w.add_argument("resource", help="RESOURCE[/SUBRESOURCE] (e.g. pods/exec, deployments.apps) or a /non-resource-url")
    w.add_argument("paths", nargs="+", metavar="PATH", help="manifest files or directories ('-' for stdin)")
    w.add_argument("--api-group", default=None, metavar="G", help="API group ('' is the core group)")
    w.add_argument(
        "-n", "--namespace", default=None, metavar="NS", help="only grants that apply in NS (default: anywhere)"
    )
    w.add_argument("--name", default="", help="a specific object name (checked against resourceNames)")
    _common(w)
    w.set_defaults(func=run_who_can)

    c = rsub.add_parser("can", help="everything SUBJECT may do, per namespace")
    c.add_argument("subject", help="user:NAME, group:NAME, sa:NAMESPACE:NAME or system:serviceaccount:NAMESPACE:NAME")
    c.add_argument("paths", nargs="+", metavar="PATH", help="manifest files or directories ('-' for stdin)")
    _common(c)
    c.set_defaults(func=run_can)
    p.set_defaults(func=lambda _a: (p.print_help(sys.stderr), 2)[1])


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format", choices=("table", "json"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--max-file-size", type=int, metavar="BYTES", help="skip files larger than this")


def load_model(args: argparse.Namespace) -> tuple[RbacModel, list[str]]:
    # The netpol area already owns the shared "objects under PATHs" loader; reuse it.
    from seawall.netpol.model import load_objects

    objects, problems = load_objects(args.paths, args.max_file_size)
    return RbacModel.from_objects(objects), problems


def _finish(problems: list[str]) -> int:
    for msg in problems:
        print(f"seawall: error: {msg}", file=sys.stderr)
    return 3 if problems else 0


def _table(rows: list[list[str]]) -> str:
    if len(rows) <= 1:
        return ""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows) + "\n"


def run_who_can(args: argparse.Namespace) -> int:
    model, problems = load_model(args)
    if args.resource.startswith("/"):
        answers = who_can(model, args.verb, "", path=args.resource, namespace=args.namespace)
    else:
        res, sub, group = parse_resource(args.resource, args.api_group)
        answers = who_can(
            model, args.verb, res, subresource=sub, api_group=group, namespace=args.namespace, name=args.name
        )
    if args.format == "json":
        body = {
            "subjects": [
                {"kind": a.subject.kind, "name": a.subject.name, "namespace": a.subject.namespace} for a in answers
            ]
        }
        write_output(json.dumps(body, indent=2) + "\n", args.output)
    else:
        rows = [["KIND", "NAMESPACE", "NAME", "GRANTED BY"]]
        for a in answers:
            role = model.role_for(a.binding)
            rows.append(
                [
                    a.subject.kind,
                    a.subject.namespace,
                    a.subject.name,
                    f"{a.binding.ref()} -> {role.ref() if role else '?'}",
                ]
            )
        text = _table(rows) or f"No subject can {args.verb} {args.resource}.\n"
        write_output(printable(text), args.output)
    return _finish(problems)


def _rule_json(g: Grant) -> dict[str, Any]:
    r = g.rule
    return {
        "apiGroups": list(r.api_groups),
        "resources": list(r.resources),
        "resourceNames": list(r.resource_names),
        "nonResourceURLs": list(r.non_resource_urls),
        "verbs": list(r.verbs),
        "binding": g.binding.ref(),
        "role": g.role.ref(),
    }


def _grant_rows(grants: list[Grant]) -> list[list[str]]:
    rows = [["RESOURCES", "NON-RESOURCE URLS", "RESOURCE NAMES", "VERBS", "GRANTED BY"]]
    for g in grants:
        r = g.rule
        res = [
            f"{x}.{grp}" if grp not in ("", "*") else (f"{x}.*" if grp == "*" else x)
            for grp in r.api_groups
            for x in r.resources
        ]
        rows.append(
            [
                ",".join(res),
                ",".join(r.non_resource_urls),
                ",".join(r.resource_names),
                ",".join(r.verbs),
                f"{g.binding.ref()} -> {g.role.ref()}",
            ]
        )
    return rows


def _who(ident: Identity) -> str:
    return ident.user or "members of " + ",".join(sorted(ident.groups))


def run_can(args: argparse.Namespace) -> int:
    from seawall.rbac.graph import EscalationGraph, render

    ident = parse_subject(args.subject)
    model, problems = load_model(args)
    perms = can(model, ident)
    path = EscalationGraph(model).path_for_identity(ident, args.subject) if model.bindings else None
    if args.format == "json":
        body = {
            "subject": {"user": ident.user, "groups": sorted(ident.groups)},
            "cluster": [_rule_json(g) for g in perms.cluster],
            "namespaces": {ns: [_rule_json(g) for g in gs] for ns, gs in perms.namespaces.items()},
            "escalation_path": path,
        }
        write_output(json.dumps(body, indent=2) + "\n", args.output)
        return _finish(problems)
    out = [f"{_who(ident)} (groups: {', '.join(sorted(ident.groups)) or '-'})\n"]
    out.append("\nCluster-wide (every namespace):\n")
    out.append(_table(_grant_rows(perms.cluster)) or "  nothing\n")
    for ns, gs in perms.namespaces.items():
        out.append(f"\nNamespace {ns}:\n")
        out.append(_table(_grant_rows(gs)))
    if path:
        out.append(f"\nCan become cluster-admin: {render(path)}\n")
    write_output(printable("".join(out)), args.output)
    return _finish(problems)
