"""The matrix file: keys, defaults, errors, requirements."""

import tempfile
import unittest

from runner.common import DEFAULT_MATRIX, KVM_CPU
from runner.matrix import MatrixError, load_matrix, select_envs
from runner.requirements import unmet_requirement
from runner.testutil import write


class Matrix(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def load(self, *texts):
        paths = [write(self.dir, f"m{i}.ini", text)
                 for i, text in enumerate(texts)]
        return load_matrix(paths)

    def assert_errors(self, bad):
        """Each matrix text of bad fails to load with its message."""
        for text, message in bad.items():
            with self.subTest(text=text):
                with self.assertRaisesRegex(MatrixError, message):
                    self.load(text)

    def test_xen_is_never_the_hosts(self):
        # An installed xen-hypervisor changed the host's boot menu: the
        # Xen launchers take Debian's package unpacked by tests/xen/dom0.
        matrix = load_matrix([DEFAULT_MATRIX])
        xen_envs = [env for env in matrix.envs.values()
                    if env.launcher in ("xen", "xen-domu")]
        self.assertTrue(xen_envs)
        for env in xen_envs:
            with self.subTest(env=env.name):
                self.assertEqual(env.xen, "")
                self.assertIn("cmd:dpkg-deb", env.requires)

    def test_defaults_and_override(self):
        matrix = self.load("""\
            # comment
            ; another comment
            [DEFAULT]
            timeout = 30
            memory = 256M

            [plain]

            [kvm]
            accel = kvm
            timeout = 5
            requires = kvm, cmd:sh
            expect =
                ^cpu:\\s
                ^boot time: \\d+
            ktap = no

            [run]
            order = kvm plain
            """)
        plain, kvm = matrix.envs["plain"], matrix.envs["kvm"]
        self.assertEqual(list(matrix.envs), ["plain", "kvm"])
        self.assertEqual((plain.timeout, plain.memory), (30.0, "256M"))
        self.assertEqual((plain.launcher, plain.machine, plain.accel),
                         ("qemu", "pc", "tcg"))
        self.assertEqual((plain.cpu, plain.cmdline, plain.expect_status),
                         ("max", "app=selftest", 0))
        self.assertEqual(plain.qemu, "qemu-system-x86_64")
        self.assertTrue(plain.ktap)
        self.assertEqual((kvm.timeout, kvm.cpu), (5.0, KVM_CPU))
        self.assertEqual(kvm.requires, ["kvm", "cmd:sh"])
        self.assertEqual([r.pattern for r in kvm.expect],
                         ["^cpu:\\s", "^boot time: \\d+"])
        self.assertFalse(kvm.ktap)
        self.assertEqual(matrix.run_order, ["kvm", "plain"])

    def test_later_file_overrides_and_adds(self):
        matrix = self.load("""\
            [a]
            machine = q35
            args = -smp 2 -drive file={builddir}/disk.img
            """, """\
            [a]
            timeout = 9
            [b]
            launcher = host
            command = printf 'x y'
            """)
        self.assertEqual(list(matrix.envs), ["a", "b"])
        self.assertEqual((matrix.envs["a"].machine, matrix.envs["a"].timeout),
                         ("q35", 9.0))
        self.assertEqual(matrix.envs["a"].args,
                         ["-smp", "2", "-drive", "file={builddir}/disk.img"])
        self.assertEqual(matrix.envs["b"].command, ["printf", "x y"])

    def test_errors(self):
        bad = {
            "[a]\nmachin = pc\n": "unknown key",
            "[DEFAULT]\ntimout = 1\n": "unknown key",
            "[a]\nlauncher = docker\n": "launcher",
            "[a]\naccel = hvf\n": "accel",
            "[a]\ntimeout = soon\n": "timeout",
            "[a]\nrequires = kvm gpu\n": "unknown condition 'gpu'",
            "[a]\nrequires = symbol:\n": "unknown condition",
            "[a]\nexpect = (unclosed\n": "bad regex",
            "[a]\nlauncher = host\n": "command",
            "[a]\nktap = maybe\n": "ktap",
            "[a]\n[run]\norder = a b\n": "no environment named 'b'",
            "[a b]\n": "environment names",
            "[a]\n[a]\n": "already exists",
        }
        self.assert_errors(bad)

    def test_like_templates_and_order(self):
        matrix = self.load("""\
            [DEFAULT]
            timeout = 30
            memory = 256M
            [template:disk]
            setup = make disk
            memory = 64M
            groups = blk
            [template:q35]
            machine = q35
            memory = 512M
            groups = pc blk
            [a]
            like = disk q35
            timeout = 5
            [b]
            like = a
            groups = quick
            machine = pc
            [c]
            """)
        self.assertEqual(list(matrix.envs), ["a", "b", "c"])
        a, b, c = matrix.envs.values()
        # A later parent over an earlier one, own keys over both, then
        # [DEFAULT], then the built-in defaults.
        self.assertEqual((a.setup, a.machine, a.memory, a.timeout, a.cmdline),
                         (["make disk"], "q35", "512M", 5.0, "app=selftest"))
        self.assertEqual((b.machine, b.memory, b.timeout), ("pc", "512M", 5.0))
        self.assertEqual((c.machine, c.memory, c.timeout), ("pc", "256M", 30.0))
        self.assertEqual(a.groups, ["blk", "pc"])
        self.assertEqual(b.groups, ["blk", "pc", "quick"])
        self.assertEqual(c.groups, [])

    def test_later_file_overrides_a_template(self):
        matrix = self.load("[template:t]\nmemory = 1G\n[a]\nlike = t\n",
                           "[template:t]\nmemory = 2G\n")
        self.assertEqual(matrix.envs["a"].memory, "2G")

    def test_template_errors(self):
        bad = {
            "[a]\nlike = a\n": r"cycle: \[a\] -> \[a\]",
            "[template:x]\nlike = y\n[template:y]\nlike = x\n[a]\nlike = x\n":
                r"cycle: \[a\] -> \[template:x\] -> \[template:y\] -> "
                r"\[template:x\]",
            "[a]\nlike = nothing\n": "no environment or .* named 'nothing'",
            "[template:a]\n[a]\n": "cannot share a name",
            "[template:a b]\n": "template names",
            "[template:t]\nmachin = q35\n[a]\nlike = t\n": "unknown key",
            "[a]\ngroups = x/y\n": "group names",
            "[DEFAULT]\nlike = a\n[a]\n": "unknown key",
            "[template:t]\nlauncher = docker\n[a]\nlike = t\n": "launcher",
        }
        self.assert_errors(bad)

    def test_a_template_is_not_an_environment(self):
        # Not checked as one either: a host template needs no command.
        matrix = self.load("[template:h]\nlauncher = host\n"
                           "[a]\nlike = h\ncommand = true\n")
        self.assertEqual(list(matrix.envs), ["a"])

    def test_select_groups(self):
        matrix = self.load("[a]\ngroups = quick blk\n[b]\ngroups = blk\n"
                           "[c-x]\ngroups = net\n")

        def names(patterns, groups):
            return [e.name for e in select_envs(matrix, patterns, groups)]
        self.assertEqual(names(None, ["blk"]), ["a", "b"])
        self.assertEqual(names(None, ["quick", "net"]), ["a", "c-x"])
        self.assertEqual(names(["b", "c-*"], ["blk"]), ["b"])
        with self.assertRaisesRegex(MatrixError, "no environment is in group"):
            select_envs(matrix, None, ["xen"])

    def test_shipped_matrix_groups(self):
        # Every group the matrix header promises has environments.
        matrix = load_matrix([DEFAULT_MATRIX])
        for group in ("quick", "blk", "net", "xen", "kvm", "hostile", "fuzz", "smp"):
            with self.subTest(group=group):
                self.assertTrue(select_envs(matrix, None, [group]))

    def test_select_envs(self):
        matrix = self.load("[qemu-a]\n[qemu-b]\n[host]\nlauncher = host\n"
                           "command = true\n")
        names = [e.name for e in select_envs(matrix, ["qemu-*"])]
        self.assertEqual(names, ["qemu-a", "qemu-b"])
        names = [e.name for e in select_envs(matrix, ["host", "*-b"])]
        self.assertEqual(names, ["qemu-b", "host"])
        with self.assertRaisesRegex(MatrixError, "no environment matches"):
            select_envs(matrix, ["nothing*"])

    def test_shipped_matrix_loads(self):
        matrix = load_matrix([DEFAULT_MATRIX])
        self.assertIn("qemu-tcg-pc", matrix.envs)
        self.assertEqual(matrix.run_order, ["qemu-kvm-info", "qemu-tcg-info"])

    def test_requirements(self):
        matrix = self.load("[a]\nrequires = cmd:sh\n"
                           "[b]\nrequires = cmd:no-such-command-pvkit\n")
        self.assertIsNone(unmet_requirement(matrix.envs["a"]))
        self.assertEqual(unmet_requirement(matrix.envs["b"]),
                         "no-such-command-pvkit not found on PATH")



class MatrixHostKeys(unittest.TestCase):
    """setup, peer, peer_timeout, check and the placeholders in the matrix."""

    def load(self, text):
        with tempfile.TemporaryDirectory() as tmp:
            return load_matrix([write(tmp, "m.ini", text)])

    def test_keys(self):
        matrix = self.load("""\
            [a]
            setup =
                echo one > {envdir}/x
                # a comment line inside the value

                echo two
            peer = nc -l {port0}
            peer_timeout = 2.5
            check = grep one x
            [b]
            """)
        a, b = matrix.envs["a"], matrix.envs["b"]
        self.assertEqual(a.setup, ["echo one > {envdir}/x", "echo two"])
        self.assertEqual((a.peer, a.peer_timeout), ("nc -l {port0}", 2.5))
        self.assertEqual(a.check, ["grep one x"])
        self.assertEqual((b.setup, b.peer, b.peer_timeout, b.check),
                         ([], "", 30.0, []))

    def test_errors(self):
        bad = {
            "[a]\npeer =\n    one\n    two\n": "peer: must be one command",
            "[a]\npeer_timeout = 0\n": "peer_timeout",
            "[a]\npeer_timeout = soon\n": "peer_timeout",
            "[a]\nargs = -p {port10}\n": r"args: \{port10\}: there are only",
            "[a]\ncheck = echo {port12}\n": "check",
        }
        for text, message in bad.items():
            with self.subTest(text=text):
                with self.assertRaisesRegex(MatrixError, message):
                    self.load(text)

    def test_other_braces_are_left_alone(self):
        matrix = self.load("[a]\ncheck = awk '{print $1}' x ${HOME}\n")
        self.assertEqual(matrix.envs["a"].check, ["awk '{print $1}' x ${HOME}"])

