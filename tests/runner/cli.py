"""The command line of tests/run."""

import argparse
import signal
import sys
from pathlib import Path

from .common import DEFAULT_MATRIX, PROG
from .matrix import MatrixError, load_matrix
from .modes import boot_mode, list_mode, merge_mode, test_mode
from .process import Terminated, signal_name, stop_all_children
from .shard import DEFAULT_DURATIONS, ShardError, parse_shard

# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Boot pvkit on a matrix of environments and collect "
                    "KTAP results (see docs/runner.md).",
        epilog="Exit status: 0 if nothing failed or broke and at least one "
               "case passed, 1 otherwise, 2 for usage/matrix errors, 130 if "
               "interrupted.")
    parser.add_argument("--builddir", default="build", type=Path, metavar="DIR",
                        help="build directory: image DIR/pvkit, logs in "
                             "DIR/tests/ENV/ (default: build)")
    parser.add_argument("--image", type=Path,
                        help="kernel image (default: DIR/pvkit)")
    parser.add_argument("--matrix", action="append", type=Path,
                        metavar="FILE",
                        help="matrix file; repeat to add/override "
                             f"environments (default: {DEFAULT_MATRIX})")
    parser.add_argument("--env", action="append", metavar="PATTERN",
                        help="run only environments matching this glob "
                             "(repeatable)")
    parser.add_argument("--group", action="append", metavar="NAME",
                        help="run only environments in this group (see "
                             "--list; repeatable; with --env, both must "
                             "match)")
    parser.add_argument("--list", action="store_true",
                        help="list environments, whether they can run, "
                             "their groups")
    parser.add_argument("--jobs", type=int, default=2, metavar="N",
                        help="environments run in parallel (default: 2)")
    parser.add_argument("--timeout", type=float, metavar="SECS",
                        help="override every environment's timeout "
                             "(0 = none)")
    parser.add_argument("--junit", metavar="FILE",
                        help="write JUnit XML results to FILE")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run the selected environments N times; a "
                             "failure in any round fails")
    parser.add_argument("--append", default="", metavar="ARGS",
                        help="append ARGS to the kernel command line")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each command line before running it")
    parser.add_argument("--shard", metavar="K/N",
                        help="run only the K-th of N shards of the selected "
                             "environments, balanced by recorded durations")
    parser.add_argument("--durations", type=Path, default=DEFAULT_DURATIONS,
                        metavar="FILE",
                        help="recorded durations for --shard (default: "
                             f"{DEFAULT_DURATIONS})")
    parser.add_argument("--record-durations", action="store_true",
                        help="write the durations of the environments run "
                             "into the durations file")
    parser.add_argument("--merge-junit", nargs="+", metavar="FILE",
                        help="OUT IN...: merge the shards' JUnit files into "
                             "OUT, checking that together they hold every "
                             "selected environment once")
    parser.add_argument("--boot", metavar="ENV",
                        help="boot one environment interactively ('auto': "
                             "first runnable of [run] order)")
    opts = parser.parse_args(argv)
    if opts.jobs < 1:
        parser.error("--jobs must be at least 1")
    if opts.repeat < 1:
        parser.error("--repeat must be at least 1")
    if opts.boot and opts.repeat != 1:
        parser.error("--repeat does not go with --boot")
    if opts.merge_junit is not None and len(opts.merge_junit) < 2:
        parser.error("--merge-junit needs OUT and at least one IN")
    if opts.shard:
        try:
            parse_shard(opts.shard)
        except ShardError as err:
            parser.error(str(err))
        if opts.boot or opts.merge_junit:
            parser.error("--shard goes with a run or --list")
    if opts.timeout is not None and opts.timeout < 0:
        parser.error("--timeout must be >= 0")
    opts.matrix = opts.matrix or [DEFAULT_MATRIX]
    opts.image = opts.image or opts.builddir / "pvkit"
    return opts


def _raise_terminated(signum, _frame):
    raise Terminated(signum)


def main(argv=None):
    opts = parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_terminated)
    try:
        matrix = load_matrix(opts.matrix)
        if opts.merge_junit:
            return merge_mode(matrix, opts)
        if opts.list:
            return list_mode(matrix, opts)
        if opts.boot:
            return boot_mode(matrix, opts)
        return test_mode(matrix, opts)
    except (MatrixError, ShardError) as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        stop_all_children()
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
    except Terminated as term:
        stop_all_children()
        print(f"\n{PROG}: terminated by {signal_name(term.signum)}",
              file=sys.stderr)
        return 128 + term.signum


if __name__ == "__main__":
    sys.exit(main())
