"""Launcher details: kill_on, the console devices, the Xen domU report."""

import io
import json
import os
import re
import signal
import socket
import threading
import subprocess
import tempfile
import textwrap
import types
import unittest
from pathlib import Path
from unittest import mock

from runner.launchers.kvm_nested import l1_bridged, l2_problem
from runner.launchers.migrate import migrate_script
from runner.launchers.qemu import KillOn, MonitorOn, judge_monitor_on, qemu_argv
from runner.launchers.xen_domu import (bed_stalled, boot_bed, dom0_crashed,
                                       judge_domu, parse_domu_report)
from runner.matrix import MatrixError, load_matrix
from runner.process import Run, run_command
from runner.requirements import unmet_requirement
from runner.testutil import write


class KillOnTest(unittest.TestCase):
    """kill_on: the process group dies at the first matching line."""

    def test_kills_at_the_matching_line(self):
        killer = KillOn(re.compile("^now$"))
        with tempfile.TemporaryFile() as log:
            result = run_command(
                ["sh", "-c", "echo before; echo now; sleep 20; echo after"],
                log, 30, killer, on_spawn=killer.attach)
        self.assertEqual(result.returncode, -signal.SIGKILL)
        self.assertEqual(killer.matched, "now")
        self.assertNotIn(b"after", result.output)

    def test_matrix_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = load_matrix([write(tmp, "m.ini", "[a]\nkill_on = ^x$\n")])
            self.assertEqual(env.envs["a"].kill_on.pattern, "^x$")
            for text, message in {
                    "[a]\nlauncher = host\ncommand = true\nkill_on = x\n":
                        "kill_on: only for launcher qemu",
                    "[a]\nkill_on = (\n": "kill_on: bad regex"}.items():
                with self.assertRaisesRegex(MatrixError, message):
                    load_matrix([write(tmp, "m.ini", text)])


class MigrateTest(unittest.TestCase):
    """migrate_on: the script that runs the guest's QEMU twice."""

    def test_guest_function(self):
        argv = ["echo", "-M", "q35", "-serial", "stdio", "-append", "a b'c $x"]
        with tempfile.TemporaryDirectory() as tmp:
            then = write(tmp, "then", '(guest "$DIR/one.log" -incoming "unix:$DIR/s")\n'
                                      'echo "$QMP|$MIGRATE_ON"\n')
            script = write(tmp, "run", migrate_script(argv, "/q mp", tmp,
                                                      "^go (now)$", then))
            out = subprocess.run(["sh", script], capture_output=True, text=True,
                                 check=True).stdout.splitlines()
        self.assertEqual(out, [f"-M q35 -chardev stdio,id=mcon,logfile={tmp}/one.log "
                               f"-serial chardev:mcon -append a b'c $x "
                               f"-incoming unix:{tmp}/s",
                               "/q mp|^go (now)$"])
        with self.assertRaisesRegex(ValueError, "-serial stdio"):
            migrate_script(["qemu", "-serial", "none"], "q", "/d", "x", "m")

    def test_matrix_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = load_matrix([write(tmp, "m.ini", "[a]\nmigrate_on = ^x$\n")])
            self.assertEqual(env.envs["a"].migrate_on, "^x$")
            for text, message in {
                    "[a]\nlauncher = host\ncommand = true\nmigrate_on = x\n":
                        "migrate_on: only for launcher",
                    "[a]\nconsole = virtio\nmigrate_on = x\n":
                        "migrate_on: only with console = serial",
                    "[a]\nmigrate_on = it's\n": "migrate_on: no '"}.items():
                with self.assertRaisesRegex(MatrixError, message):
                    load_matrix([write(tmp, "m.ini", text)])


class L1BridgeTest(unittest.TestCase):
    """kvm-nested: a tap on L1's bridge passes, any other tap does not."""

    def test_bridge_tap(self):
        argv = ["qemu", "-netdev", "tap,id=n0,script=/l2/ifup,downscript=no"]
        self.assertEqual(l1_bridged(argv), {2})
        self.assertEqual(l2_problem(argv), "")
        for tap in ("tap,id=n0", "tap,id=n0,script=/etc/qemu-ifup",
                    "tap,script=/l2/ifupx"):
            self.assertEqual(l1_bridged(["qemu", "-netdev", tap]), set())
            self.assertIn("cannot reach", l2_problem(["qemu", "-netdev", tap]))


class ConsoleKey(unittest.TestCase):
    """console: which devices carry the guest's console to stdout."""

    class Session:
        def __init__(self, env):
            self.env = env

        def substitute(self, args):
            return args

    def argv(self, text):
        with tempfile.TemporaryDirectory() as tmp:
            env = load_matrix([write(tmp, "m.ini", text)]).envs["a"]
        return qemu_argv(self.Session(env), [])

    def test_serial_is_the_default(self):
        argv = self.argv("[a]\n")
        self.assertEqual(argv[argv.index("-serial") + 1], "stdio")
        self.assertNotIn("isa-debugcon", " ".join(argv))

    def test_debugcon_shares_stdout_with_com1(self):
        argv = self.argv("[a]\nconsole = debugcon\n")
        self.assertIn("stdio,id=con0,mux=on", argv)
        self.assertEqual(argv[argv.index("-serial") + 1], "chardev:con0")
        self.assertIn("isa-debugcon,iobase=0xe9,chardev=con0", argv)

    def test_virtio_console_shares_stdout_with_com1(self):
        argv = self.argv("[a]\nconsole = virtio\n")
        self.assertEqual(argv[argv.index("-serial") + 1], "chardev:con0")
        self.assertIn("virtconsole,chardev=con0", argv)

    def test_bad_values(self):
        with tempfile.TemporaryDirectory() as tmp:
            for text, message in {
                    "[a]\nconsole = hvc0\n": "console: must be one of",
                    "[a]\nlauncher = xen\nconsole = debugcon\n":
                        "console: only for launcher"}.items():
                with self.assertRaisesRegex(MatrixError, message):
                    load_matrix([write(tmp, "m.ini", text)])


class FakeQmp:
    """A QMP server on a Unix socket: answers, then sends SHUTDOWN(reason)."""

    def __init__(self, path, reason):
        self.reason = reason
        self.received = []
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(path)
        self.server.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.server.accept()
        with conn, conn.makefile("rw") as f:
            f.write('{"QMP": {"version": {}}}\n')
            f.flush()
            for _ in range(2):
                self.received.append(json.loads(f.readline())["execute"])
                if self.received[-1] == "system_powerdown":
                    f.write('{"event": "POWERDOWN"}\n')
                f.write('{"return": {}}\n')
                f.flush()
            f.write(json.dumps({"event": "SHUTDOWN",
                                "data": {"reason": self.reason}}) + "\n")
            f.flush()


class MonitorOnTest(unittest.TestCase):
    """monitor_on: a QMP command at a console line, judged by SHUTDOWN."""

    def powerdown(self, reason, returncode_script="exit 0"):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "qmp.sock")
            qmp = FakeQmp(path, reason)
            monitor = MonitorOn(re.compile("^now$"), "system_powerdown", path)
            with tempfile.TemporaryFile() as log:
                result = run_command(
                    ["sh", "-c", f"echo before; echo now; sleep 1; {returncode_script}"],
                    log, 30, monitor)
            monitor.thread.join(10)
            qmp.thread.join(10)
            qmp.server.close()
        self.assertEqual(qmp.received, ["qmp_capabilities", "system_powerdown"])
        self.assertEqual(monitor.matched, "now")
        return judge_monitor_on(monitor, result)

    def test_guest_shutdown_passes(self):
        self.assertEqual(self.powerdown("guest-shutdown"), "")

    def test_reset_fails(self):
        self.assertIn("guest-reset, not a guest power-off",
                      self.powerdown("guest-reset"))

    def test_nonzero_exit_fails(self):
        self.assertIn("QEMU exited 3", self.powerdown("guest-shutdown", "exit 3"))

    def test_no_match(self):
        monitor = MonitorOn(re.compile("^never$"), "system_powerdown", "/nonexistent")
        monitor.write(b"a line\n")
        self.assertIn("no console line matched",
                      judge_monitor_on(monitor, Run(returncode=0)))

    def test_matrix_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = load_matrix([write(tmp, "m.ini",
                                     "[a]\nmonitor_on = ^x -> y$ -> system_powerdown\n")])
            regex, command = env.envs["a"].monitor_on
            self.assertEqual((regex.pattern, command), ("^x -> y$", "system_powerdown"))
            for text, message in {
                    "[a]\nlauncher = host\ncommand = true\nmonitor_on = x -> quit\n":
                        "monitor_on: only for launcher qemu",
                    "[a]\nmonitor_on = ^x$\n": "monitor_on: must be",
                    "[a]\nmonitor_on = ( -> quit\n": "monitor_on: bad regex",
                    "[a]\nkill_on = x\nmonitor_on = x -> quit\n":
                        "monitor_on: not with kill_on"}.items():
                with self.assertRaisesRegex(MatrixError, message):
                    load_matrix([write(tmp, "m.ini", text)])


class XenDomu(unittest.TestCase):
    """launcher xen-domu: matrix keys, dom0's report, the domU's status."""

    CONSOLE = [
        "(XEN) Xen version 4.17",
        "dom0: [6.57] userspace started",
        "xl: Parsing config from /domu/domu.cfg",
        "pvkit-xen-domu: console begin",
        "KTAP version 1",
        "(XEN) d1v0: upcall vector f3",
        "1..1",
        "ok 1 lib",
        "pvkit: exit status 0 (success)",
        "pvkit-xen-domu: console end",
        "xl-log: Domain 1 has shut down, reason code 0 0x0",
        "pvkit-xen-domu: shutdown poweroff (reason code 0)",
        "pvkit-xen-domu: times: dom0 userspace 6.57 s, xenstored 8.32 s",
        "pvkit-xen-domu: done",
    ]

    def judge(self, lines, code=33, timed_out=False):
        return judge_domu(Run(returncode=code, timed_out=timed_out),
                              120, list(lines))

    def with_end(self, *end, console=("pvkit: exit status 0 (success)",)):
        return ["junk", "pvkit-xen-domu: console begin", *console,
                "pvkit-xen-domu: console end", *end, "pvkit-xen-domu: done"]

    def test_report_extracted_between_markers(self):
        report = parse_domu_report(self.CONSOLE)
        self.assertEqual(report.console, ["KTAP version 1", "1..1", "ok 1 lib",
                                          "pvkit: exit status 0 (success)"])
        self.assertTrue(report.complete and report.done)
        self.assertEqual((report.shutdown, report.code), ("poweroff", 0))
        self.assertEqual(report.notes,
                         ["times: dom0 userspace 6.57 s, xenstored 8.32 s"])
        # The markers may follow other output on the same serial line.
        report = parse_domu_report(
            ["abc pvkit-xen-domu: console begin", "x",
             "pvkit-xen-domu: console end\r"])
        self.assertEqual(report.console, ["x"])
        self.assertTrue(report.complete)

    def test_no_report(self):
        report = parse_domu_report(["(XEN) panic", "dom0: [1.0] x"])
        self.assertIsNone(report.console)
        status, problem, details, console = self.judge(
            ["(XEN) Hardware Dom0 crashed"], code=None, timed_out=True)
        self.assertIsNone(status)
        self.assertIn("dom0 did not report on the domU (timed out after "
                      "120 s", problem)
        self.assertEqual(details, ["(XEN) Hardware Dom0 crashed"])
        self.assertIsNone(console)
        # Cut off inside the console: no status either.
        status, problem, _, _ = self.judge(self.CONSOLE[:6], code=0)
        self.assertIn("QEMU exit 0", problem)

    def test_bed_stalled_after_create(self):
        stalled = ["dom0: [4.34] xl create", "(XEN) HVM1 restore: CPU 0",
                   "dom0: [5.74] domU created (domid 1)", "(XEN) late line"]
        self.assertTrue(bed_stalled(Run(returncode=None, timed_out=True), stalled))
        # Not killed at the timeout, or dom0 spoke on: not the bed's stall.
        self.assertFalse(bed_stalled(Run(returncode=0, timed_out=False), stalled))
        self.assertFalse(bed_stalled(Run(returncode=None, timed_out=True),
                                     stalled + ["dom0: [130.0] domU timeout"]))
        self.assertFalse(bed_stalled(Run(returncode=None, timed_out=True),
                                     stalled + ["pvkit-xen-domu: console begin"]))
        self.assertFalse(bed_stalled(Run(returncode=None, timed_out=True),
                                     ["dom0: [3.47] userspace started"]))

    def test_dom0_crashed(self):
        aborted = ["xl: Parsing config from /domu/domu.cfg",
                   "xl: corrupted double-linked list",
                   "xl: libxl: error: libxl_exec.c:127:libxl_report_child_exitstatus: "
                   "domain monitoring daemonizing child [139] died due to fatal "
                   "signal Aborted",
                   "pvkit-xen-domu: xl create failed (exit 3)"]
        self.assertTrue(dom0_crashed(aborted))
        segv = ["dom0: [13.81] domU created (domid 1)", "Segmentation fault",
                "(XEN) d1v0 Triple fault - invoking HVM shutdown action 1",
                "pvkit-xen-domu: console begin", "app: smp"]
        self.assertTrue(dom0_crashed(segv))
        # xl refusing the domU (a bad config, a kernel it cannot load) is
        # the domU's own failure, and so is anything the domU's console
        # says: never retried.
        self.assertFalse(dom0_crashed(
            ["xl: libxl: error: libxl_dom.c:583: panic: xc_dom_core.c:689: "
             "failed to load kernel", "pvkit-xen-domu: xl create failed (exit 3)"]))
        self.assertFalse(dom0_crashed(
            ["dom0: [13.81] domU created (domid 1)", "pvkit-xen-domu: console begin",
             "Segmentation fault"]))

    class BedSession:
        """Boots that print the given consoles, one per run."""

        def __init__(self, logdir, *outputs, expect=()):
            self.logdir = Path(logdir)
            self.outputs = list(outputs)
            self.timeout = 120
            self.env = types.SimpleNamespace(
                name="xen-x", expect=[re.compile(e) for e in expect], fail=[])

        def run(self, argv, guest=False):
            code, text = self.outputs.pop(0)
            return Run(returncode=code, output=text.encode())

    def boot(self, *outputs, expect=()):
        with tempfile.TemporaryDirectory() as tmp, \
                mock.patch("runner.launchers.xen_domu.qemu_argv", return_value=["q"]), \
                mock.patch("sys.stderr", new_callable=io.StringIO):
            session = self.BedSession(tmp, *outputs, expect=expect)
            _, verdict = boot_bed(session, [])
            kept = Path(tmp, "console-stalled.log")
            return verdict, session.outputs, kept.read_text() if kept.exists() else None

    def test_bed_booted_again_after_a_dom0_crash(self):
        crashed = "\n".join(["dom0: [13.81] domU created (domid 1)", "Segmentation fault",
                             *self.with_end("pvkit-xen-domu: shutdown reboot (reason "
                                            "code 1)", console=["app: smp"])])
        passed = "\n".join(self.with_end("pvkit-xen-domu: shutdown poweroff (reason "
                                         "code 0)"))
        (status, problem, details, _), left, kept = self.boot((33, crashed), (33, passed))
        self.assertEqual((status, problem, left), (0, "", []))
        self.assertIn("a dom0 process died of a signal", details[0])
        self.assertIn("Segmentation fault", kept)
        # A dom0 crash in a run that passed is not booted again.
        ok_crashed = "\n".join(["Segmentation fault", passed])
        (status, problem, details, _), left, kept = self.boot((33, ok_crashed),
                                                              (33, crashed))
        self.assertEqual((status, problem, len(left), kept), (0, "", 1, None))

    def test_bed_booted_again_when_dom0_segfaulted_and_an_expect_failed(self):
        # xen-hvm-domu-reboot at load 15: dom0's tools died while the domU
        # ran (only dom0's own count, after the console, says so), the
        # domU powered off with status 0, and its expected lines were lost.
        segv = ["pvkit-xen-domu: dom0 segfaults: 6",
                "pvkit-xen-domu: dom0 kernel: sh[401]: segfault at 8 ip 433f4b"]
        lost = "\n".join(self.with_end(
            "pvkit-xen-domu: shutdown poweroff (reason code 0)", *segv,
            console=["wait: waiting", "Segmentation fault"]))
        good = "\n".join(self.with_end(
            "pvkit-xen-domu: shutdown poweroff (reason code 0)",
            "pvkit-xen-domu: dom0 segfaults: 0",
            console=["wait: waiting", "shutdown: power off after 2 notifiers",
                     "pvkit: exit status 0 (success)"]))
        expect = [r"power off after 2 notifiers$"]
        (status, problem, details, console), left, kept = self.boot(
            (33, lost), (33, good), expect=expect)
        self.assertEqual((status, problem, left), (0, "", []))
        self.assertIn("a dom0 process died of a signal", details[0])
        self.assertIn("dom0 segfaults: 6", kept)
        self.assertIn("shutdown: power off after 2 notifiers", console)
        # No segfault counted by dom0: the failed expect is the domU's.
        clean = lost.replace("dom0 segfaults: 6", "dom0 segfaults: 0")
        (_, _, details, _), left, kept = self.boot((33, clean), (33, good),
                                                   expect=expect)
        self.assertEqual((len(left), kept), (1, None))
        # The shell's "Segmentation fault" inside the domU's console alone
        # is never taken for dom0's.
        self.assertFalse(dom0_crashed(clean.splitlines()))
        self.assertTrue(dom0_crashed(lost.splitlines()))

    def test_statuses(self):
        self.assertEqual(self.judge(self.CONSOLE)[:2], (0, ""))
        # A domU that is not pvkit: a poweroff is success.
        lines = self.with_end("pvkit-xen-domu: shutdown poweroff (reason "
                              "code 0)", console=["hello"])
        self.assertEqual(self.judge(lines)[:2], (0, ""))
        # pvkit crashes its domain with a non-zero status and says which.
        lines = self.with_end("pvkit-xen-domu: shutdown crash (reason code 3)",
                              console=["pvkit: exit status 2 (kernel panic)"])
        self.assertEqual(self.judge(lines)[:2], (2, ""))
        lines = self.with_end("pvkit-xen-domu: shutdown crash (reason code 3)",
                              console=["oops"])
        self.assertIn("domU crashed", self.judge(lines)[1])
        lines = self.with_end("pvkit-xen-domu: shutdown reboot (reason code 1)")
        self.assertEqual(self.judge(lines)[1],
                         "domU shut down with reason reboot")
        lines = self.with_end("pvkit-xen-domu: timeout after 60 s")
        self.assertEqual(self.judge(lines)[1], "domU: timeout after 60 s")
        lines = ["xl: libxl: error: bad", *self.with_end(
            "pvkit-xen-domu: xl create failed (exit 3)")]
        status, problem, details, _ = self.judge(lines)
        self.assertEqual(problem, "domU: xl create failed (exit 3)")
        self.assertIn("xl: libxl: error: bad", details)

    def test_destroyed_by_the_peer(self):
        # xl destroy after the domU reported its write: no exit status of
        # its own, and the environment's checks judge the data.
        lines = self.with_end("pvkit-xen-domu: destroyed by the peer",
                              console=["blk: fill xvda 0+512 seed 1 done"])
        status, problem, details, _ = self.judge(lines)
        self.assertEqual((status, problem), (0, ""))
        self.assertIn("destroyed by its dom0 peer, as the environment asks", details)
        # A domain that vanished without the peer is still a problem.
        lines = self.with_end("pvkit-xen-domu: shutdown unknown (domain vanished)")
        self.assertEqual(self.judge(lines)[1],
                         "domU: shutdown unknown (domain vanished)")

    def test_dom0_not_ending_cleanly_is_noted(self):
        status, problem, details, _ = self.judge(self.CONSOLE[:-1], code=None,
                                                 timed_out=True)
        self.assertEqual((status, problem), (0, ""))
        self.assertIn("dom0 did not end cleanly", details[-1])

    def test_matrix_keys(self):
        with tempfile.TemporaryDirectory() as tmp:
            matrix = load_matrix([write(tmp, "m.ini", textwrap.dedent("""\
                [d]
                launcher = xen-domu
                domu_type = pv
                domu_kernel = linux
                domu_memory = 256
                domu_disks = {envdir}/a.img
                    {envdir}/b.img
                domu_vifs = 1
                domu_config = cpuid = "host,rdtscp=0"
                domu_vif_model = e1000
                [e]
                launcher = xen-domu
                """))])
            d, e = matrix.envs["d"], matrix.envs["e"]
            self.assertEqual((d.domu_type, d.domu_kernel, d.domu_memory,
                              d.domu_vifs), ("pv", "linux", 256, 1))
            self.assertEqual(d.domu_disks, ["{envdir}/a.img", "{envdir}/b.img"])
            self.assertEqual(d.domu_config, ['cpuid = "host,rdtscp=0"'])
            self.assertEqual((d.domu_vif_model, e.domu_vif_model), ("e1000", ""))
            self.assertEqual((e.domu_type, e.domu_kernel, e.domu_memory,
                              e.domu_disks, e.domu_timeout),
                             ("pvh", "{image}", 128, [], 60.0))
            for text, message in {"domu_type = hvx": "domu_type",
                                  "domu_vifs = -1": "domu_vifs",
                                  "domu_memory = lots": "domu_memory",
                                  "domu_vif_model = e1000,x": "domu_vif_model",
                                  "domu_disks = {port12}": "only"}.items():
                with self.subTest(text=text):
                    with self.assertRaisesRegex(MatrixError, message):
                        load_matrix([write(tmp, "bad.ini",
                                               f"[x]\n{text}\n")])

    def test_symbol_requirement(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = write(tmp, "s.c", "int pvkit_marker_symbol;\n"
                                    "int main(void) { return 0; }\n")
            exe = os.path.join(tmp, "s")
            if subprocess.run(["cc", "-o", exe, src]).returncode != 0:
                self.skipTest("no C compiler")
            matrix = load_matrix([write(tmp, "m.ini",
                "[a]\nrequires = symbol:pvkit_marker_symbol\n"
                "[b]\nrequires = symbol:no_such_symbol\n")])
            self.assertIsNone(unmet_requirement(matrix.envs["a"], exe))
            self.assertEqual(unmet_requirement(matrix.envs["b"], exe),
                             f"{exe} has no symbol 'no_such_symbol'")
            self.assertIn("cannot read symbols",
                          unmet_requirement(matrix.envs["b"], src))

