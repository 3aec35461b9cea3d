"""``sparkhouse spark …``: send sparks to a running board."""

from __future__ import annotations

import argparse
from typing import Any

from appliance.platform.parts import SettingsLoader

DEFAULT_URL = "http://127.0.0.1:4000"


def _run(args: argparse.Namespace) -> int:
    from appliance.sparks.client import run_spark_command

    return run_spark_command(args)


def add_commands(commands: argparse._SubParsersAction[Any], _: SettingsLoader) -> None:
    spark = commands.add_parser(
        "spark",
        help="send sparks to a running board",
        description="Send one spark to (X, Y), or --random N sparks at --rate per second.",
    )
    spark.add_argument("x", nargs="?", type=int, help="column 0..511")
    spark.add_argument("y", nargs="?", type=int, help="row 0..511")
    spark.add_argument(
        "--color", default="1,0.6,0.1", help="r,g,b[,a] each 0..1 (default 1,0.6,0.1)"
    )
    spark.add_argument("--radius", type=float, default=24.0, help="pixels, (0, 512]")
    spark.add_argument("--transparency", type=float, default=0.2, help="0..1")
    spark.add_argument("--grow", type=float, default=1.0, help="seconds to grow, 0..60")
    spark.add_argument("--random", type=int, metavar="N", help="send N random sparks")
    spark.add_argument("--rate", type=float, default=10.0, help="sparks per second (--random)")
    spark.add_argument("--url", default=DEFAULT_URL, help=f"server (default {DEFAULT_URL})")
    spark.set_defaults(func=_run)
