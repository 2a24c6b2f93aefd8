"""tests/run end to end with fake host environments: setup, peer,
check, ports, --repeat, signals."""

import contextlib
import io
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import unittest.mock
import xml.etree.ElementTree as ET
from pathlib import Path

from runner.cli import parse_args
from runner.modes import prepare_mode
from runner.process import free_port
from runner.testutil import RUNNER, alive, junit_cases, run_runner, write


class HostEnvironments(unittest.TestCase):
    """End to end through the real script, with fake 'host' environments."""

    def test_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            matrix = write(tmp, "m.ini", """\
                [DEFAULT]
                launcher = host
                [good]
                command = printf 'log line\\nKTAP version 1\\n1..1\\nok 1 x\\n'
                [bad]
                command = sh -c "printf 'KTAP version 1\\n1..1\\nnot ok 1 y\\n# y: boom\\n'; exit 1"
                [hang]
                command = sh -c 'echo $$ > {builddir}/hang.pid; exec sleep 100'
                timeout = 1
                [absent]
                command = true
                requires = cmd:no-such-command-pvkit
                """)
            start = time.monotonic()
            proc = subprocess.run(
                [sys.executable, str(RUNNER), "--builddir", tmp, "--matrix",
                 str(matrix), "--jobs", "4", "--junit", f"{tmp}/j.xml"],
                capture_output=True, text=True, timeout=60)
            elapsed = time.monotonic() - start
            hang_pid = int(Path(tmp, "hang.pid").read_text())
            lines = proc.stdout.splitlines()
            cmd = Path(tmp, "tests", "good", "cmd.txt").read_text()
            log = Path(tmp, "tests", "bad", "console.log").read_text()
            junit = junit_cases(tmp)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        # good: x + exit; bad: y fails + exit fails; hang: timed out
        # before any KTAP, an error; absent: skipped.
        self.assertEqual(lines[-1], "2 passed, 2 failed, 1 errors, 1 skipped")
        self.assertIn("ERROR boot.exit_status: timed out after 1 s", proc.stdout)
        self.assertRegex(proc.stdout, r"hang +ERROR +0 +0 +1 +0 ")
        self.assertEqual(junit["hang"], [
            ("boot/exit_status", "error", "timed out after 1 s")])
        self.assertIn("# y: boom", proc.stdout)
        self.assertIn("absent  SKIP   no-such-command-pvkit not found on PATH",
                      proc.stdout)
        self.assertLess(elapsed, 30)
        self.assertEqual(cmd, "printf 'log line\\nKTAP version 1\\n1..1\\nok 1 x\\n'\n")
        self.assertIn("not ok 1 y", log)
        self.assertFalse(alive(hang_pid), "timed-out command still running")

    def test_only_passes(self):
        with tempfile.TemporaryDirectory() as tmp:
            matrix = write(tmp, "m.ini", """\
                [only]
                launcher = host
                command = printf 'KTAP version 1\\n1..1\\nok 1 x\\n'
                """)
            proc = subprocess.run(
                [sys.executable, str(RUNNER), "--builddir", tmp,
                 "--matrix", str(matrix)],
                capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout.splitlines()[-1], "2 passed, 0 failed, 0 errors")


class Repeat(unittest.TestCase):
    """--repeat N: rounds, their table, and a failure in any round fails."""

    # Fails in the round whose number is in {builddir}/fail-rounds; the
    # round is counted in {builddir}/round.
    FLAKY = """\
        [DEFAULT]
        launcher = host
        [steady]
        command = printf 'KTAP version 1\\n1..1\\nok 1 x\\n'
        [flaky]
        command = sh -c 'n=$(($(cat {builddir}/round 2>/dev/null || echo 0) + 1)); echo $n > {builddir}/round; if grep -qx $n {builddir}/fail-rounds; then printf "KTAP version 1\\n1..1\\nnot ok 1 y\\n"; exit 1; fi; printf "KTAP version 1\\n1..1\\nok 1 y\\n"'
        """

    def rounds(self, fail_rounds, *args):
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "fail-rounds").write_text(
                "".join(f"{n}\n" for n in fail_rounds))
            proc = run_runner(tmp, self.FLAKY, "--jobs", "1", *args)
            kept = sorted(str(p.relative_to(tmp))
                          for p in Path(tmp, "tests").glob("rounds/*/*/*"))
            suites = [suite.get("name") for suite in
                      ET.parse(Path(tmp, "j.xml")).getroot()]
            return proc, kept, suites

    def test_all_rounds_pass(self):
        proc, kept, suites = self.rounds([], "--repeat", "3")
        lines = proc.stdout.splitlines()
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        for n in (1, 2, 3):
            self.assertIn(f"=== round {n}/3 ===", lines)
            self.assertIn(f"round {n}/3: 4 passed, 0 failed, 0 errors", lines)
        self.assertRegex(proc.stdout, r"\nflaky +\.\.\. +6 +0 +0 ")
        self.assertIn("rounds: 3, failed: 0  (. pass, F fail, E error, s skip)", lines)
        self.assertEqual(lines[-1], "12 passed, 0 failed, 0 errors")
        self.assertEqual(kept, [])
        self.assertEqual(suites, ["steady#1", "flaky#1", "steady#2",
                                  "flaky#2", "steady#3", "flaky#3"])

    def test_one_failed_round_fails_the_run(self):
        proc, kept, _ = self.rounds([2], "--repeat", "3")
        lines = proc.stdout.splitlines()
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn("round 2/3: 2 passed, 2 failed, 0 errors", lines)
        self.assertIn("round 3/3: 4 passed, 0 failed, 0 errors", lines)
        self.assertRegex(proc.stdout, r"\nflaky +\.F\. +4 +2 +0 ")
        self.assertRegex(proc.stdout, r"\nsteady +\.\.\. +6 +0 +0 ")
        self.assertIn("rounds: 3, failed: 1 (round 2)  (. pass, F fail, E error, s skip)",
                      lines)
        self.assertEqual(lines[-1], "10 passed, 2 failed, 0 errors")
        # the failed round's logs survive the rounds after it
        self.assertEqual(kept, ["tests/rounds/2/flaky/cmd.txt",
                                "tests/rounds/2/flaky/console.log"])

    def test_once_is_the_plain_run(self):
        proc, kept, suites = self.rounds([1])
        self.assertEqual(proc.returncode, 1)
        self.assertNotIn("=== round", proc.stdout)
        self.assertNotIn("rounds:", proc.stdout)
        self.assertEqual(proc.stdout.splitlines()[-1], "2 passed, 2 failed, 0 errors")
        self.assertEqual(suites, ["steady", "flaky"])

    def test_bad_values(self):
        for args in (["--repeat", "0"], ["--repeat", "2", "--boot", "x"]):
            with self.subTest(args=args), \
                    tempfile.TemporaryDirectory() as tmp:
                proc = run_runner(tmp, self.FLAKY, *args)
                self.assertEqual(proc.returncode, 2)
                self.assertIn("--repeat", proc.stderr)




class HostSteps(unittest.TestCase):
    """setup, peer and check end to end, with fake 'host' environments."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_setup_check_and_placeholders(self):
        # A stale file from an earlier run disappears: the envdir is fresh.
        old = Path(self.dir, "tests", "ok")
        old.mkdir(parents=True)
        (old / "cmd.txt").write_text("")
        (old / "stale").write_text("")
        proc = run_runner(self.dir, """\
            [DEFAULT]
            launcher = host
            ktap = no
            [ok]
            setup =
                echo made > made.txt
                printf '%s\\n' {envdir} {srcdir} {builddir} {image} > where.txt
                test "$PVKIT_ENVDIR" = {envdir}
            command = sh -c 'cat {envdir}/made.txt; echo guest ran'
            check =
                grep -q 'guest ran' console.log && echo console checked
                echo checked > checked.txt
                echo failing check output; exit 3
            """)
        envdir = Path(self.dir, "tests", "ok")
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout.splitlines()[-1], "4 passed, 1 failed, 0 errors")
        self.assertFalse((envdir / "stale").exists())
        self.assertTrue((envdir / "checked.txt").exists())
        self.assertEqual((envdir / "where.txt").read_text().split(),
                         [str(envdir.absolute()), str(RUNNER.parent.parent),
                          str(Path(self.dir).absolute()),
                          str(Path(self.dir, "pvkit").absolute())])
        self.assertIn("made\nguest ran", (envdir / "console.log").read_text())
        self.assertIn("failing check output", (envdir / "check.log").read_text())
        self.assertIn("    FAIL host.check: echo failing check output; exit 3:"
                      " exit status 3\n", proc.stdout)
        self.assertIn("        failing check output\n", proc.stdout)
        cases = junit_cases(self.dir)["ok"]
        self.assertEqual([c[:2] for c in cases], [
            ("host/setup", "pass"),
            ("boot/exit_status", "pass"),
            ("host/check: grep -q 'guest ran' console.log && echo console "
             "checked", "pass"),
            ("host/check: echo checked > checked.txt", "pass"),
            ("host/check: echo failing check output; exit 3", "fail")])
        self.assertEqual(cases[2][2], None)     # passing cases: no message

    def test_setup_failure_skips_boot_and_checks(self):
        proc = run_runner(self.dir, """\
            [broken]
            launcher = host
            setup =
                echo first
                echo something went wrong; exit 7
                touch never-setup
            command = touch {envdir}/never-booted
            peer = touch never-peer
            check = touch never-checked
            """)
        envdir = Path(self.dir, "tests", "broken")
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout.splitlines()[-1], "0 passed, 0 failed, 1 errors")
        self.assertEqual(sorted(p.name for p in envdir.iterdir()),
                         ["cmd.txt", "console.log", "setup.log"])
        self.assertIn("ERROR host.setup: echo something went wrong; exit 7: "
                      "exit status 7", proc.stdout)
        self.assertIn("        something went wrong\n", proc.stdout)
        self.assertEqual(junit_cases(self.dir)["broken"],
                         [("host/setup", "error", "echo something went "
                           "wrong; exit 7: exit status 7")])

    def test_checks_run_when_the_guest_fails(self):
        proc = run_runner(self.dir, """\
            [crashed]
            launcher = host
            command = sh -c 'echo partial output; exit 2'
            check = grep partial console.log
            """)
        cases = junit_cases(self.dir)["crashed"]
        self.assertEqual([c[:2] for c in cases],
                         [("boot/exit_status", "fail"), ("ktap/format", "fail"),
                          ("host/check: grep partial console.log", "pass")])
        self.assertEqual(cases[2][2], None)
        self.assertEqual(proc.stdout.splitlines()[-1], "1 passed, 2 failed, 0 errors")

    def test_peers(self):
        proc = run_runner(self.dir, """\
            [DEFAULT]
            launcher = host
            ktap = no
            [good]
            # The peer sees the guest running, and outlives it a little.
            command = sh -c 'touch {envdir}/guest-started; sleep 0.5'
            peer = sh -c 'sleep 0.2; test -e guest-started && sleep 0.5 && echo peer done'
            check = grep -q 'peer done' peer.log
            [bad]
            command = true
            peer = sh -c 'echo peer says no; exit 3'
            [hang]
            command = true
            peer = sh -c 'echo $$ > {builddir}/peer.pid; sleep 100 & echo $! > {builddir}/peer-child.pid; echo waiting; wait'
            peer_timeout = 1
            [nostart]
            command = no-such-command-pvkit
            peer = touch started
            """, "--jobs", "4")
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        cases = junit_cases(self.dir)
        self.assertEqual(cases["good"][1:], [
            ("host/peer", "pass", None),
            ("host/check: grep -q 'peer done' peer.log", "pass", None)])
        self.assertEqual(cases["bad"][1], ("host/peer", "fail", "exit status 3"))
        self.assertIn("        peer says no\n", proc.stdout)
        self.assertEqual(cases["hang"][1], (
            "host/peer", "fail",
            "still running 1 s after the guest exited: killed"))
        self.assertIn("        waiting\n", proc.stdout)
        for name in ("peer.pid", "peer-child.pid"):
            pid = int(Path(self.dir, name).read_text())
            self.assertFalse(alive(pid), f"{name}: peer still running")
        # The command could not start: an error, not a failure, and the
        # peer's case is not judged.
        self.assertEqual(cases["nostart"], [(
            "boot/exit_status", "error",
            "cannot run no-such-command-pvkit: No such file or directory")])
        self.assertIn("not judged, the environment being broken: host.peer",
                      proc.stdout)
        self.assertFalse(Path(self.dir, "tests", "nostart", "started").exists())
        # good: exit, peer, check; bad: exit; hang: exit; nostart: error.
        self.assertEqual(proc.stdout.splitlines()[-1],
                         "5 passed, 2 failed, 1 errors")

    def test_ports_distinct_in_parallel(self):
        # Each peer binds its ports for TCP and UDP: they must be free.
        bind = ("python3 -c 'import socket, sys; [socket.socket(socket."
                "AF_INET, k).bind((\"127.0.0.1\", int(p))) for p in "
                "sys.argv[1:] for k in (socket.SOCK_STREAM, socket.SOCK_DGRAM)"
                "]; print(\"bound\")' {port0} {port1} {port9}")
        env = """\
            [%s]
            launcher = host
            ktap = no
            cmdline = port={port1}
            command = sh -c 'echo {port0} {port1} {port9} $PVKIT_PORT0; sleep 0.5'
            peer = %s
            check = echo {port0} {port1} {port9}
            """
        text = "".join(textwrap.dedent(env % (name, bind)) for name in "ab")
        proc = run_runner(self.dir, text, "--jobs", "2")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        ports = []
        for name in ("a", "b"):
            envdir = Path(self.dir, "tests", name)
            words = (envdir / "console.log").read_text().split()
            self.assertEqual(len(words), 4)
            self.assertEqual(words[0], words[3])     # PVKIT_PORT0
            self.assertIn(" ".join(words[:3]),
                          (envdir / "check.log").read_text())
            self.assertEqual((envdir / "peer.log").read_text(), "bound\n")
            ports += [int(word) for word in words[:3]]
        self.assertEqual(len(set(ports)), 6, ports)
        self.assertTrue(all(0 < port < 65536 for port in ports))

    def test_foreign_directory_is_not_cleared(self):
        foreign = Path(self.dir, "tests", "unit")
        foreign.mkdir(parents=True)
        (foreign / "host-tests").write_text("keep me")
        proc = run_runner(self.dir, "[unit]\nlauncher = host\ncommand = true\n")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual((foreign / "host-tests").read_text(), "keep me")
        self.assertIn("was not made by tests/run", proc.stdout)

    def test_sigterm_kills_setup_peer_and_checks(self):
        matrix = write(self.dir, "m.ini", """\
            [DEFAULT]
            launcher = host
            ktap = no
            [s]
            setup = sh -c 'echo $$ > {builddir}/setup.pid; exec sleep 100'
            command = true
            [p]
            command = sh -c 'echo $$ > {builddir}/guest.pid; exec sleep 100'
            peer = sh -c 'echo $$ > {builddir}/peer.pid; exec sleep 100'
            [c]
            command = true
            check = sh -c 'echo $$ > {builddir}/check.pid; exec sleep 100'
            """)
        proc = subprocess.Popen(
            [sys.executable, str(RUNNER), "--builddir", self.dir,
             "--matrix", str(matrix), "--jobs", "3"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        names = ("setup", "guest", "peer", "check")
        pid_files = [Path(self.dir, f"{name}.pid") for name in names]
        deadline = time.monotonic() + 30
        while not all(p.exists() and p.read_text() for p in pid_files):
            self.assertLess(time.monotonic(), deadline, "commands not started")
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM, err)
        for path in pid_files:
            self.assertFalse(alive(int(path.read_text())),
                             f"{path.name}: still running")


class PortAllocation(unittest.TestCase):

    def test_never_handed_out_twice(self):
        ports = [free_port() for _ in range(50)]
        self.assertEqual(len(set(ports)), 50)
        for port in ports[:5]:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as sock:
                    sock.bind(("127.0.0.1", port))




class BlkEndToEnd(unittest.TestCase):
    """The matrix's blk environments' shape, with a host command as guest."""

    MATRIX = """\
        [blk]
        launcher = host
        ktap = no
        setup =
            python3 {srcdir}/tests/tools/blkimg.py random {envdir}/disk.img 1M --seed 1234
            cp disk.img disk.before
        # A fake guest: CRC of the whole disk, then the fill.
        command = sh -c 'b="python3 {srcdir}/tests/tools/blkimg.py"; d={envdir}/disk.img;
            echo "blk: crc32 vda 0+1048576 = $($b crc $d 0 1M)";
            $b pattern $d 256K 64K 42 && echo "blk: fill vda 262144+65536 seed %s done"'
        check =
            python3 {srcdir}/tests/tools/blkimg.py check-log {envdir}/console.log {envdir}/disk.img --before {envdir}/disk.before --expect crc,fill
        """

    def test_pass_and_fail(self):
        with tempfile.TemporaryDirectory() as tmp:
            proc = run_runner(tmp, self.MATRIX % 42)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            self.assertEqual(proc.stdout.splitlines()[-1], "3 passed, 0 failed, 0 errors")
            check = junit_cases(tmp)["blk"][2]
            self.assertEqual(check[1], "pass")
            # The guest claims another seed than it wrote.
            proc = run_runner(tmp, self.MATRIX % 43)
            self.assertEqual(proc.returncode, 1)
            self.assertIn("FAIL fill vda 262144+65536 (256K+64K) seed 43: the "
                          "image differs from the pattern at byte 262144",
                          proc.stdout)
            self.assertEqual(proc.stdout.splitlines()[-1], "2 passed, 1 failed, 0 errors")




class Prepare(unittest.TestCase):
    """--prepare (make beds): each bed's builder run once with its cache
    in the build directory, where it put the bed printed; the builders
    (tests/xen/dom0, tests/kvm/l1) are stand-ins that only say so."""

    BUILDER = textwrap.dedent("""\
        import os, sys
        args = sys.argv[1:]
        with open(os.environ["PREPARE_LOG"], "a") as log:
            log.write(" ".join([os.path.basename(sys.argv[0])] + args) + "\\n")
        cache = args[args.index("--cache") + 1]
        status = int(os.environ.get("FAIL_" + os.path.basename(sys.argv[0]), "0"))
        if status >= 0:
            print("building...")
            print(f"PREFIX: {args[-1]} {cache}/{args[-1]}-1234")
        sys.exit(max(status, 0))
        """)

    def prepare(self, tmp, **fail):
        scripts = Path(tmp, "tests")
        for subdir, name in (("xen", "dom0"), ("kvm", "l1")):
            (scripts / subdir).mkdir(parents=True, exist_ok=True)
            (scripts / subdir / name).write_text(
                self.BUILDER.replace("PREFIX", name))
        log = Path(tmp, "prepare.log")
        log.unlink(missing_ok=True)
        env = {"PREPARE_LOG": str(log)}
        env.update({f"FAIL_{name}": str(status) for name, status in fail.items()})
        out = io.StringIO()
        with unittest.mock.patch("runner.modes.SCRIPT_DIR", scripts), \
                unittest.mock.patch.dict("os.environ", env), \
                contextlib.redirect_stdout(out):
            status = prepare_mode(parse_args(["--prepare", "--builddir",
                                              f"{tmp}/build"]))
        return status, out.getvalue().splitlines(), log.read_text().splitlines()

    def test_every_bed_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            status, out, calls = self.prepare(tmp)
            build = f"{tmp}/build"
            self.assertEqual(status, 0)
            self.assertEqual(calls, [
                f"dom0 --cache {build}/xen-dom0-cache build",
                f"dom0 --cache {build}/xen-dom0-cache hypervisor",
                f"l1 --cache {build}/kvm-l1-cache build"])
            self.assertEqual(out[1::2], [
                f"Xen dom0 bed: {build}/xen-dom0-cache/build-1234",
                f"Xen hypervisor: {build}/xen-dom0-cache/hypervisor-1234",
                f"KVM L1 bed: {build}/kvm-l1-cache/build-1234"])
            self.assertRegex(out[0], r"^Xen dom0 bed: \S+python\S* \S+/tests/xen/dom0 "
                                     r"--cache \S+/xen-dom0-cache build$")

    def test_a_failing_bed(self):
        """A builder that fails, or says nothing, fails --prepare; the
        other beds are still built."""
        with tempfile.TemporaryDirectory() as tmp:
            status, out, calls = self.prepare(tmp, l1=3)
            self.assertEqual(status, 1)
            self.assertEqual(len(calls), 3)
            self.assertEqual(out[-1], "KVM L1 bed: failed (exit 3)")
            self.assertIn("Xen hypervisor: " + f"{tmp}/build/xen-dom0-cache/"
                          "hypervisor-1234", out)
            status, out, calls = self.prepare(tmp, dom0=-1)
            self.assertEqual(status, 1)
            self.assertEqual([line for line in out if "failed" in line],
                             ["Xen dom0 bed: failed (exit 0)",
                              "Xen hypervisor: failed (exit 0)"])
            self.assertEqual(out[-1], f"KVM L1 bed: {tmp}/build/kvm-l1-cache/build-1234")
