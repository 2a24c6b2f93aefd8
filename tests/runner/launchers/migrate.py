"""Live migration (matrix key migrate_on): the script that runs the guest's
QEMU twice, source and destination, and migrates between them
(tests/tools/migrate), for the qemu and kvm-nested launchers."""

import shlex

from ..common import SCRIPT_DIR

MIGRATE_SCRIPT = SCRIPT_DIR / "tools" / "migrate"
QMP_SOURCE = SCRIPT_DIR / "tools" / "qmp.c"


def migrate_script(argv, qmp, workdir, regex, script):
    """The text of a sh script that migrates the guest of argv (whose
    console is '-serial stdio') once a console line matches regex: it
    defines guest() and sources tests/tools/migrate (as script)."""
    at = next((i for i in range(len(argv) - 1)
               if argv[i:i + 2] == ["-serial", "stdio"]), None)
    if at is None:
        raise ValueError("migrate_on needs the console on -serial stdio")
    # Each QEMU's console goes to stdout and to the log the script reads;
    # exec: the script's background job is QEMU itself, whose pid it kills.
    console = '-chardev "stdio,id=mcon,logfile=$log" -serial chardev:mcon'
    return ("#!/bin/sh\n"
            "guest() {\n"
            "\tlog=$1\n"
            "\tshift\n"
            f"\texec {shlex.join(argv[:at])} {console} {shlex.join(argv[at + 2:])} \"$@\"\n"
            "}\n"
            f"QMP={shlex.quote(str(qmp))}\n"
            f"DIR={shlex.quote(str(workdir))}\n"
            f"MIGRATE_ON={shlex.quote(regex)}\n"
            f". {shlex.quote(str(script))}\n")
