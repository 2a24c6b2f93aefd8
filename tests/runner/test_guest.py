"""tests/run --guest: what a kernel image is, the guest environments,
and how anyone's kernel is judged."""

import re
import signal
import struct
import tempfile
import unittest
import unittest.mock
from pathlib import Path

from runner.cli import parse_args
from runner.evaluate import evaluate, verdict
from runner.guest import (NETPEER, KernelKind, NotAKernel, guest_keys,
                          guest_problem, judge_guest, kernel_kind, stop_reason)
from runner.launchers import LAUNCHERS
from runner.launchers.qemu import guest_boot_args
from runner.matrix import MatrixError, guest_envs, load_matrix
from runner.common import DEFAULT_MATRIX
from runner.process import Run
from runner.session import Outcome
from runner.testutil import junit_cases, make_env, run_runner, write


def elf64(notes=(), multiboot2=False):
    """A minimal ELF64 with one PT_NOTE of Xen notes of these types."""
    desc = struct.pack("<Q", 0x100000)
    blob = b"".join(struct.pack("<III", 4, len(desc), kind) + b"Xen\0" + desc
                    for kind in notes)
    phoff, noteoff = 64, 64 + 56
    head = bytearray(64)
    head[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", head, 0x20, phoff)
    struct.pack_into("<HH", head, 0x36, 56, 1)
    phdr = struct.pack("<IIQQQQQQ", 4, 0, noteoff, 0, 0, len(blob), len(blob), 4)
    data = bytes(head) + phdr + blob
    if multiboot2:
        data += b"\0" * (-len(data) % 8)
        data += struct.pack("<IIII", 0xE85250D6, 0, 16, (-(0xE85250D6 + 16)) & 0xFFFFFFFF)
    return data


def bzimage():
    data = bytearray(0x400)
    data[0x1FE:0x200] = b"\x55\xaa"
    data[0x202:0x206] = b"HdrS"
    return bytes(data)


class KernelKinds(unittest.TestCase):
    """A bzImage, a PVH or Xen PV ELF are kernels; anything else is refused."""

    def kind(self, data):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "k"
            path.write_bytes(data)
            return kernel_kind(path)

    def test_kinds(self):
        self.assertEqual(self.kind(bzimage()), KernelKind(bzimage=True, pvh=True))
        self.assertEqual(self.kind(elf64([18])), KernelKind(pvh=True))
        self.assertEqual(self.kind(elf64([1, 6])), KernelKind(xen_pv=True))
        self.assertEqual(self.kind(elf64([18, 1], multiboot2=True)),
                         KernelKind(pvh=True, xen_pv=True, multiboot2=True))

    def test_not_kernels(self):
        for data, why in ((b"hello\n" * 100, "neither a Linux bzImage"),
                          (elf64([]), "without a PVH entry note"),
                          (elf64([5]), "without a PVH entry note"),
                          (elf64([18])[:70], "truncated")):
            with self.assertRaisesRegex(NotAKernel, why):
                self.kind(data)

    def test_the_built_image(self):
        image = Path(__file__).resolve().parents[2] / "build" / "pvkit"
        if not image.is_file():
            self.skipTest("build/pvkit not built")
        self.assertEqual(kernel_kind(image),
                         KernelKind(pvh=True, xen_pv=True, multiboot2=True))

    def test_what_each_environment_needs(self):
        with tempfile.TemporaryDirectory() as tmp:
            pv = Path(tmp) / "pv"
            pv.write_bytes(elf64([1]))
            pvh = Path(tmp) / "pvh"
            pvh.write_bytes(elf64([18]))
            self.assertEqual(guest_problem(pv, "xen_pv"), "")
            self.assertRegex(guest_problem(pv, "pvh"), "no PVH entry note")
            self.assertRegex(guest_problem(pvh, "hvm"), "boots a bzImage or a multiboot2")
            self.assertRegex(guest_problem(pvh, "xen_pv"), "no Xen PV notes")
            self.assertRegex(guest_problem(Path(tmp) / "none", "pvh"),
                             "is not a kernel: cannot read it")


class Verdicts(unittest.TestCase):
    """judge_guest and the early stop: poweroff, isa-debug-exit, panic."""

    PANIC = ["[ 7.2] Kernel panic - not syncing: Attempted to kill init!",
             "[ 7.3] ---[ end Kernel panic - not syncing: Attempted to kill init! ]---"]

    def test_ends(self):
        said = ["Linux version 6.1", "reboot: Power down"]
        self.assertEqual(judge_guest(Run(returncode=0), 60, said), (0, "", True))
        self.assertEqual(judge_guest(Run(returncode=7), 60, said), (3, "", True))
        self.assertEqual(judge_guest(Run(returncode=1), 60, said), (0, "", True))
        self.assertEqual(judge_guest(Run(returncode=1), 60,
                                     ["qemu-system-x86_64: bad option"]),
                         (None, "QEMU failed (exit 1)", False))
        self.assertEqual(judge_guest(Run(returncode=0), 60,
                                     ["reboot: Restarting system"])[1],
                         "the guest rebooted (reboot: Restarting system)")
        self.assertEqual(judge_guest(Run(timed_out=True), 9, said),
                         (None, "timed out after 9 s", True))
        self.assertEqual(judge_guest(Run(returncode=-signal.SIGKILL), 60,
                                     self.PANIC, "panic")[1],
                         "kernel panic: Kernel panic - not syncing: "
                         "Attempted to kill init!")

    def test_stop_reasons(self):
        env = make_env(expect=[re.compile("^a$"), re.compile("^b$")],
                       fail=[re.compile("oops")])
        pending = list(env.expect)
        self.assertEqual([stop_reason(env, pending, line) for line in
                          ["b", "x", "a", "z"]], ["", "", "expect", ""])
        self.assertEqual(stop_reason(env, list(env.expect), "an oops"), "fail")
        self.assertEqual(stop_reason(env, [], self.PANIC[1]), "panic")
        self.assertEqual(stop_reason(make_env(), [], "a"), "")

    def test_cases(self):
        env = make_env(ktap=False, fail=[re.compile("BUG:")],
                       expect=[re.compile("^ok$")])
        cases = evaluate(env, Outcome(0, "", [], ["ok"], True), 1.0)
        self.assertEqual([(c.id, c.status) for c in cases],
                         [("boot.exit_status", "pass"), ("boot.expect: ^ok$", "pass"),
                          ("boot.fail: BUG:", "pass")])
        cases = evaluate(env, Outcome(0, "", [], ["ok", "BUG: x"], True), 1.0)
        self.assertEqual(cases[-1].message, "BUG: x")
        self.assertEqual(verdict(cases), "FAIL")
        broken = evaluate(env, Outcome(problem="k is not a kernel: ..."), 1.0)
        self.assertEqual([(c.id, c.status) for c in broken],
                         [("boot.exit_status", "error")])


class FakeQemuEnds(unittest.TestCase):
    """tests/run --guest end to end, QEMU replaced by a script that acts
    out a guest: one that hangs (the deadline), one that hangs silently
    (an error: it never booted), one that panics and halts (stopped at the
    panic's end, long before the deadline), one that powers off."""

    GUESTS = {
        "hang": 'echo "Linux version 6.1"; exec sleep 30',
        "silent": "exec sleep 30",
        "panic": 'echo "Kernel panic - not syncing: Attempted to kill init!"; '
                 'echo "---[ end Kernel panic - not syncing: x ]---"; exec sleep 30',
        "poweroff": 'echo "KTAP version 1"; echo "1..1"; echo "ok 1 t"; '
                    'echo "reboot: Power down"; exit 0',
    }

    def test_ends(self):
        with tempfile.TemporaryDirectory() as tmp:
            kernel = Path(tmp) / "bzImage"
            kernel.write_bytes(bzimage())
            matrix = ""
            for name, script in self.GUESTS.items():
                fake = write(tmp, f"qemu-{name}", f"#!/bin/sh\n{script}\n")
                fake.chmod(0o755)
                matrix += f"[template:guest-{name}]\nqemu = {fake}\nktap = no\n"
            run = run_runner(tmp, matrix, "--guest", str(kernel), "--timeout", "3",
                             "--jobs", "4")
            cases = {env: found[0] for env, found in junit_cases(tmp).items()}
            self.assertEqual(cases["guest-hang"][1:], ("fail", "timed out after 3 s"))
            self.assertEqual(cases["guest-silent"][1:], ("error", "timed out after 3 s"))
            self.assertEqual(cases["guest-panic"][1:], (
                "fail", "kernel panic: Kernel panic - not syncing: "
                        "Attempted to kill init!"))
            self.assertEqual(cases["guest-poweroff"][1], "pass")
            self.assertEqual(len(junit_cases(tmp)["guest-poweroff"]), 2)
            self.assertEqual(run.returncode, 1)
            self.assertEqual(run.stdout.splitlines()[-1], "2 passed, 2 failed, 1 errors")


class GuestEnvironments(unittest.TestCase):
    """--guest makes environments of the matrix's guest-* templates."""

    def test_options_become_keys(self):
        opts = parse_args(["--guest", "/k", "--initrd", "/i", "--memory", "1G",
                           "--disk", "/d1", "--disk", "/d2", "--expect", "x",
                           "--fail", "y", "--timeout", "30", "--cmdline", "c"])
        self.assertEqual(opts.guest_keys, {
            "guest": "/k", "guest_initrd": "/i", "cmdline": "c",
            "memory": "1024M", "domu_memory": "1024", "guest_disks": "/d1\n/d2",
            "expect": "x", "fail": "y", "timeout": "30"})
        envs = guest_envs(load_matrix([DEFAULT_MATRIX]), opts.guest_keys).envs
        self.assertTrue({"guest-q35", "guest-kvm-nested", "guest-xen-pvh",
                         "guest-xen-pv", "guest-xen-hvm"} <= set(envs))
        q35, pvh = envs["guest-q35"], envs["guest-xen-pvh"]
        self.assertEqual((q35.machine, q35.timeout, q35.guest_disks),
                         ("q35", 30, ["/d1", "/d2"]))
        # a domU's deadline is the guest's; the bed's start comes on top
        self.assertEqual((pvh.domu_type, pvh.domu_timeout, pvh.timeout,
                          pvh.domu_memory), ("pvh", 30, 180, 1024))
        self.assertEqual(pvh.requires, ["cmd:apt-get", "cmd:dpkg-deb"])
        self.assertEqual((q35.memory, pvh.memory), ("1024M", "2048M"))

    def test_usage_errors(self):
        for argv in (["--initrd", "/i"], ["--guest", "/k", "--memory", "lots"],
                     ["--guest", "/k", "--boot", "auto"]):
            with self.assertRaises(SystemExit), \
                    unittest.mock.patch("sys.stderr"):
                parse_args(argv)

    def test_templates_only(self):
        with tempfile.TemporaryDirectory() as tmp:
            matrix = load_matrix([write(tmp, "m.ini", """
                [template:guest-a]
                machine = q35
                [template:other]
                [e]
                like = guest-a
                """)])
            self.assertEqual(list(matrix.envs), ["e"])
            with self.assertRaisesRegex(MatrixError, "guest: only for launchers"):
                load_matrix([write(tmp, "m.ini", "[x]\nlauncher = grub\nguest = /k\n")])
            self.assertEqual(list(guest_envs(matrix, guest_keys(
                parse_args(["--guest", "/k"]))).envs), ["guest-a"])


class GuestNic(unittest.TestCase):
    """--nic: a virtio-net NIC on QEMU's UDP socket, netpeer the peer."""

    class Session:
        def __init__(self, env):
            self.env = env
            self.opts = None

        def subst(self, text):
            return text.replace("{port0}", "5000").replace("{port1}", "5001")

        def substitute(self, words):
            return [self.subst(word) for word in words]

        def cmdline(self):
            return self.env.cmdline

    def envs(self, *argv):
        opts = parse_args(["--guest", "/k", *argv])
        return guest_envs(load_matrix([DEFAULT_MATRIX]), opts.guest_keys).envs

    def test_keys(self):
        envs = self.envs("--nic")
        self.assertEqual((envs["guest-q35"].guest_nic, envs["guest-q35"].peer),
                         (True, NETPEER))
        self.assertEqual((self.envs()["guest-q35"].guest_nic,
                          self.envs()["guest-q35"].peer), (False, ""))
        # The matrix's environment is what --nic does.
        shipped = load_matrix([DEFAULT_MATRIX]).envs["guest-linux-q35"]
        self.assertEqual((shipped.guest_nic, shipped.peer), (True, NETPEER))

    def test_qemu_arguments(self):
        with tempfile.TemporaryDirectory() as tmp:
            kernel = Path(tmp) / "bzImage"
            kernel.write_bytes(bzimage())
            for name, device in (("guest-q35", "virtio-net-pci,netdev=gn0"),
                                 ("guest-microvm", "virtio-net-device,netdev=gn0")):
                env = self.envs("--nic")[name]
                env.guest = str(kernel)
                args = guest_boot_args(self.Session(env))
                self.assertEqual(args[-4:], [
                    "-netdev", "socket,id=gn0,udp=127.0.0.1:5000,"
                               "localaddr=127.0.0.1:5001",
                    "-device", device])
            env = self.envs()["guest-q35"]
            env.guest = str(kernel)
            self.assertNotIn("-netdev", guest_boot_args(self.Session(env)))

    def test_other_launchers_refuse(self):
        """A bed's guest gets no such NIC: an error saying so, nothing
        started (the launch stops before the bed is built)."""
        envs = self.envs("--nic")
        for name in ("guest-kvm-nested", "guest-xen-pv"):
            outcome = LAUNCHERS[envs[name].launcher](self.Session(envs[name]))
            self.assertRegex(outcome.problem, r"^--nic \(guest_nic\): .* QEMU "
                             r"TCG machines only .*not by launcher")
            self.assertFalse(outcome.guest_ran)

    def test_matrix_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            for text, message in (("[a]\nguest_nic = yes\n", "only with guest"),
                                  ("[a]\nguest = /k\nguest_nic = 2\n",
                                   "must be yes or no")):
                with self.assertRaisesRegex(MatrixError, "guest_nic: " + message):
                    load_matrix([write(tmp, "m.ini", text)])


if __name__ == "__main__":
    unittest.main()
