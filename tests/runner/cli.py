"""The command line of tests/run."""

import argparse
import signal
import sys
from pathlib import Path

from .common import DEFAULT_MATRIX, PROG
from .guest import guest_keys
from .matrix import MatrixError, guest_envs, load_matrix
from .modes import boot_mode, list_mode, merge_mode, prepare_mode, test_mode
from .process import Terminated, signal_name, stop_all_children
from .shard import DEFAULT_DURATIONS, ShardError, parse_shard

# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def _each(metavar, text, **more):
    """A repeatable option's keywords: its values in a list."""
    return dict(action="append", metavar=metavar, help=text, **more)


# (flags, argparse keywords) of every option, in --help's order.
OPTIONS = [
    (["--builddir"], dict(default="build", type=Path, metavar="DIR",
                          help="build directory: image DIR/pvkit, logs in "
                               "DIR/tests/ENV/ (default: build)")),
    (["--image"], dict(type=Path, help="kernel image (default: DIR/pvkit)")),
    (["--matrix"], _each("FILE", "matrix file; repeat to add/override "
                         f"environments (default: {DEFAULT_MATRIX})", type=Path)),
    (["--env"], _each("PATTERN", "run only environments matching this glob "
                      "(repeatable)")),
    (["--group"], _each("NAME", "run only environments in this group (see "
                        "--list; repeatable; with --env, both must match)")),
    (["--list"], dict(action="store_true",
                      help="list environments, whether they can run, their groups")),
    (["--jobs"], dict(type=int, default=2, metavar="N",
                      help="environments run in parallel (default: 2)")),
    (["--timeout"], dict(type=float, metavar="SECS",
                         help="override every environment's timeout (0 = none)")),
    (["--junit"], dict(metavar="FILE", help="write JUnit XML results to FILE")),
    (["--repeat"], dict(type=int, default=1, metavar="N",
                        help="run the selected environments N times; a "
                             "failure in any round fails")),
    (["--append"], dict(default="", metavar="ARGS",
                        help="append ARGS to the kernel command line")),
    (["-v", "--verbose"], dict(action="store_true",
                               help="print each command line before running it")),
    (["--shard"], dict(metavar="K/N",
                       help="run only the K-th of N shards of the selected "
                            "environments, balanced by recorded durations")),
    (["--durations"], dict(type=Path, default=DEFAULT_DURATIONS, metavar="FILE",
                           help="recorded durations for --shard (default: "
                                f"{DEFAULT_DURATIONS})")),
    (["--record-durations"], dict(action="store_true",
                                  help="write the durations of the environments "
                                       "run into the durations file")),
    (["--merge-junit"], dict(nargs="+", metavar="FILE",
                             help="OUT IN...: merge the shards' JUnit files into "
                                  "OUT, checking that together they hold every "
                                  "selected environment once")),
    (["--boot"], dict(metavar="ENV",
                      help="boot one environment interactively ('auto': "
                           "first runnable of [run] order)")),
    (["--prepare"], dict(action="store_true",
                         help="build the Xen dom0 and KVM L1 beds into their "
                              "caches (keyed by package versions) and exit")),
    # tests/run --guest: anyone's kernel on the [template:guest-*] environments
    (["--guest"], dict(type=Path, metavar="IMAGE",
                       help="boot this kernel (a Linux bzImage, or an ELF with "
                            "a PVH or Xen PV note) on the guest-* environments "
                            "(--env selects; see docs/runner.md)")),
    (["--initrd"], dict(type=Path, metavar="FILE",
                        help="--guest: its initramfs")),
    (["--cmdline"], dict(metavar="STR",
                         help="--guest: its command line (default: each "
                              "environment's console=...)")),
    (["--memory"], dict(metavar="M", help="--guest: memory in MiB (M or G "
                                          "suffixes)")),
    (["--disk"], _each("FILE", "--guest: a raw disk image (virtio-blk or a "
                       "Xen vbd, in order; repeatable)", type=Path)),
    (["--expect"], _each("REGEX", "--guest: a console line must match "
                         "(repeatable; the guest is stopped once all did)")),
    (["--fail"], _each("REGEX", "--guest: a console line matching fails the "
                       "boot (repeatable)")),
    (["--nic"], dict(action="store_true", default=None,
                     help="--guest: a virtio-net NIC whose other end is "
                          "tests/tools/netpeer.py (the guest is 10.0.2.15/24 "
                          "and echoes UDP port 7 until 'pvkit-quit'); QEMU "
                          "TCG machines only")),
]
GUEST_ONLY = ("initrd", "cmdline", "memory", "disk", "expect", "fail", "nic")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Boot pvkit on a matrix of environments and collect "
                    "KTAP results (see docs/runner.md).",
        epilog="Exit status: 0 if nothing failed or broke and at least one "
               "case passed, 1 otherwise, 2 for usage/matrix errors, 130 if "
               "interrupted.")
    for flags, keywords in OPTIONS:
        parser.add_argument(*flags, **keywords)
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
    given = [name for name in GUEST_ONLY if getattr(opts, name) is not None]
    if given and not opts.guest:
        parser.error(f"--{given[0]} goes with --guest")
    if opts.guest:
        try:
            opts.guest_keys = guest_keys(opts)
        except ValueError as err:
            parser.error(str(err))
        if opts.boot or opts.merge_junit or opts.image:
            parser.error("--guest goes with a run or --list")
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
        if opts.prepare:
            return prepare_mode(opts)
        matrix = load_matrix(opts.matrix)
        if opts.guest:
            matrix = guest_envs(matrix, opts.guest_keys)
            opts.timeout = None     # the guest's keys have it
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
