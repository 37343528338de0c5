"""The CDK app: `python -m infra.cdk_app [-c stage=prod] [-o cdk.out]` synthesises one stage, offline.

Also the `app` of cdk.json, so `cdk synth -c stage=prod` works too (the CLI passes context and the
output directory through the environment). No AWS account is needed: the stack is environment-agnostic.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# jsii prints a banner on every start under Node 20 (end of life): noise in `make synth` and the tests.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

import aws_cdk as cdk

from infra.stack import PROJECT_DIR, OmsStack


def stages() -> list[str]:
    """The stages .chalice/config.json declares: the only ones that can be synthesised."""
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    return sorted(config["stages"])


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.cdk_app", description=__doc__)
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("-o", "--output", help="cloud assembly directory (default: $CDK_OUTDIR or cdk.out)")
    return parser.parse_args(argv)


def build(argv: Sequence[str] = ()) -> cdk.App:
    args = parse(argv)
    context = dict(item.split("=", 1) for item in args.context)
    outdir = args.output or os.environ.get("CDK_OUTDIR") or str(PROJECT_DIR / "cdk.out")
    app = cdk.App(context=context, outdir=outdir)
    stage = str(app.node.try_get_context("stage") or "dev")
    if stage not in stages():
        raise SystemExit(f"unknown stage {stage!r}: .chalice/config.json declares {stages()}")
    # Chalice needs a region to package; the template itself refers to ${AWS::Region}.
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("CDK_DEFAULT_REGION", "eu-west-1"))
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    OmsStack(
        app,
        stage,
        work_dir=Path(outdir),
        env=cdk.Environment(account=account, region=region) if account and region else None,
        description=f"OMS ({stage}): the Chalice app, its tables, queues, event bus and rules",
    )
    return app


def main(argv: Sequence[str] | None = None) -> None:
    build(sys.argv[1:] if argv is None else argv).synth()


if __name__ == "__main__":
    main()
