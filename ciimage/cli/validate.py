"""`ciimage validate RULE...`: the canonical form of each valid rule, a pointed error otherwise."""

from __future__ import annotations

import argparse
import json
import sys

from ciimage.errors import RuleError, escape_controls


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check rules and print their canonical form",
        description="Check CI processing rules. Exit 0 when all are valid, 2 otherwise.",
    )
    parser.add_argument("rules", nargs="+", metavar="RULE", help="a rule, URL or query string")
    parser.add_argument("--json", action="store_true", help="print each rule's AST as JSON")
    parser.set_defaults(func=run)


def caret_report(rule: str, error: RuleError) -> str:
    """`error -60998 at column N: message`, the rule, and a caret under column N."""
    column = error.position + 1
    line = escape_controls(rule)
    caret = " " * len(escape_controls(rule[: error.position])) + "^"
    return f"error {error.code} at column {column}: {error.message}\n  {line}\n  {caret}"


def run(args: argparse.Namespace) -> int:
    from ciimage.rules import validate
    from ciimage.rules.jsonify import pipeline_to_json

    status = 0
    for rule in args.rules:
        try:
            pipeline = validate(rule)
        except RuleError as error:
            print(caret_report(rule, error), file=sys.stderr)
            status = 2
            continue
        if args.json:
            print(json.dumps(pipeline_to_json(pipeline), ensure_ascii=False, indent=2))
        else:
            print(pipeline.to_rule())
    return status
