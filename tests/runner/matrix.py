"""The matrix file: environments and their keys (docs/runner.md)."""

import configparser
import fnmatch
import re
import shlex
from dataclasses import dataclass, field
from typing import Optional

from .common import KVM_CPU, PLACEHOLDER_RE, PORT_COUNT
from .guest import with_deadline
from .launchers import LAUNCHERS

# --------------------------------------------------------------------------
# Matrix file
# --------------------------------------------------------------------------

# Every key an environment may have, with its built-in default.  "cpu" is
# empty here because its default depends on "accel".
ENV_DEFAULTS = {
    "description": "",
    "launcher": "qemu",
    "qemu": "qemu-system-x86_64",
    "machine": "pc",
    "accel": "tcg",
    "cpu": "",
    "memory": "128M",
    "args": "",
    "cmdline": "app=selftest",
    "timeout": "60",
    "requires": "",
    "expect_status": "0",
    "expect": "",
    "ktap": "yes",
    "command": "",
    "setup": "",
    "peer": "",
    "peer_timeout": "30",
    "check": "",
    # launcher qemu: SIGKILL QEMU the moment a console line matches (below).
    "kill_on": "",
    # launchers qemu, kvm-nested: the guest's console devices (CONSOLES).
    "console": "serial",
    # launcher qemu: "REGEX -> QMP_COMMAND", sent when a console line matches.
    "monitor_on": "",
    # launchers qemu, kvm-nested: an extended regex; when a console line
    # matches, the guest is live-migrated to a second QEMU (tests/tools/migrate).
    "migrate_on": "",
    # Empty: Debian's, unpacked by tests/xen/dom0 into the build directory.
    "xen": "",
    # Empty: the launcher's own default (XEN_DOM0_CMDLINE, XEN_DOMU_CMDLINE).
    "xen_cmdline": "",
    # launcher xen-domu: the domU that dom0 creates (tests/xen/).
    "domu_type": "pvh",
    "domu_kernel": "{image}",
    "domu_memory": "128",
    "domu_vcpus": "1",
    "domu_disks": "",
    "domu_vifs": "0",
    # dom0's blkback offers this many queues per disk (multi-queue-max-queues).
    "domu_blk_queues": "1",
    # dom0's netback offers this many queues per vif (multi-queue-max-queues).
    "domu_net_queues": "1",
    "domu_peer": "",
    # launcher xen-domu, HVM: the emulated NIC of each vif (xl's vif model=).
    "domu_vif_model": "",
    "domu_timeout": "60",
    "domu_config": "",
    # Anyone's kernel instead of pvkit's image (tests/run --guest, and
    # environments in the matrix): its initramfs and raw disk images.
    "guest": "",
    # The file QEMU's -kernel boots instead of the image (e.g. {image}.bin).
    "kernel": "",
    "guest_initrd": "",
    "guest_disks": "",
    # With guest: a virtio-net NIC on QEMU's UDP socket backend to
    # 127.0.0.1:{port0} (its own end {port1}), where the peer listens.
    "guest_nic": "no",
    # regexes, one per line: a console line matching one fails the boot.
    "fail": "",
}
DOMU_TYPES = ("pv", "pvh", "hvm")
# serial: COM1 on QEMU's stdout.  debugcon: COM1 and an isa-debugcon at
# port 0xe9, virtio: COM1 and a virtio-console (virtio-serial-pci), each
# pair on one multiplexed stdout, whichever the kernel writes to.
CONSOLES = ("serial", "debugcon", "virtio")
CONSOLE_LAUNCHERS = ("qemu", "kvm-nested")
# The launchers that boot anyone's kernel (`guest`).
GUEST_LAUNCHERS = ("qemu", "kvm-nested", "xen-domu")
ACCELS = ("tcg", "kvm")
RUN_SECTION = "run"
DEFAULT_SECTION = "DEFAULT"
TEMPLATE_PREFIX = "template:"
GUEST_TEMPLATE = TEMPLATE_PREFIX + "guest-"
# configparser's own [DEFAULT] handling is turned off by naming a section
# no file can have: a template's or environment's own keys must be told
# apart from the defaults.
_NO_DEFAULT_SECTION = "\0"
_ENV_NAME_RE = re.compile(r"[A-Za-z0-9._-]+")


class MatrixError(Exception):
    """A problem in a matrix file or in the environment selection."""


@dataclass
class Env:
    name: str
    groups: list                # `groups`, with those inherited through `like`
    description: str
    launcher: str
    qemu: str
    machine: str
    accel: str
    cpu: str
    memory: str
    args: list                  # shlex-split, placeholders not substituted
    cmdline: str
    timeout: float              # 0 = no limit
    requires: list
    expect_status: int
    expect: list                # compiled regexes
    ktap: bool
    command: list
    setup: list = field(default_factory=list)   # shell command lines
    peer: str = ""                              # one shell command
    peer_timeout: float = 30.0
    check: list = field(default_factory=list)   # shell command lines
    kill_on: Optional[re.Pattern] = None        # launcher qemu: kill at a line
    console: str = "serial"                     # launchers qemu, kvm-nested
    monitor_on: Optional[tuple] = None          # (regex, QMP command name)
    migrate_on: str = ""                        # ERE: migrate at a console line
    xen: str = ""                               # launcher xen: the hypervisor
    xen_cmdline: str = ""                       # launcher xen: its command line
    domu_type: str = "pvh"                      # launcher xen-domu: the domU
    domu_kernel: str = "{image}"
    domu_memory: int = 128
    domu_vcpus: int = 1
    domu_disks: list = field(default_factory=list)
    domu_vifs: int = 0
    domu_blk_queues: int = 1
    domu_net_queues: int = 1
    domu_peer: str = ""                         # a script dom0 runs beside the domU
    domu_vif_model: str = ""                    # HVM: the emulated NIC (xl's vif model=)
    domu_timeout: float = 60.0
    domu_config: list = field(default_factory=list)
    guest: str = ""                             # anyone's kernel (not pvkit's)
    kernel: str = ""                            # QEMU -kernel, if not the image
    guest_initrd: str = ""
    guest_disks: list = field(default_factory=list)
    guest_nic: bool = False
    fail: list = field(default_factory=list)    # compiled regexes

    def substituted(self):
        """Every value in which placeholders are replaced."""
        return [*self.args, self.cmdline, *self.command, *self.setup,
                self.peer, *self.check, self.domu_kernel, *self.domu_disks,
                *self.domu_config, self.guest, self.guest_initrd,
                *self.guest_disks]


@dataclass
class Matrix:
    envs: dict                  # name -> Env, in file order
    run_order: list             # names from [run] order
    # tests/run --guest: [template:guest-NAME] as (keys, groups), and [DEFAULT]
    guest_templates: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)


def load_matrix(paths):
    """Read the matrix files in order; later files add or override keys."""
    # [DEFAULT] is read as a section like any other: its keys come below
    # those an environment inherits through `like` (see _resolve).
    parser = configparser.ConfigParser(interpolation=None,
                                       comment_prefixes=("#", ";"),
                                       default_section=_NO_DEFAULT_SECTION)
    for path in paths:
        try:
            with open(path, encoding="utf-8") as file:
                parser.read_file(file, source=str(path))
        except OSError as err:
            raise MatrixError(f"{path}: {err.strerror}") from None
        except configparser.Error as err:
            raise MatrixError(str(err)) from None
    sections = {name: dict(parser[name]) for name in parser.sections()}
    defaults = sections.pop(DEFAULT_SECTION, {})
    _check_keys(DEFAULT_SECTION, defaults, ("groups",))
    run = sections.pop(RUN_SECTION, None)
    names = _section_names(sections)
    envs, guests = {}, {}
    for name in sections:
        if not name.startswith(TEMPLATE_PREFIX):
            values, groups = _resolve(sections, names, name, ())
            envs[name] = _make_env(name, dict(defaults, **values),
                                   _groups(name, defaults, groups))
        elif name.startswith(GUEST_TEMPLATE):
            guests[name[len(TEMPLATE_PREFIX):]] = _resolve(sections, names, name, ())
    return Matrix(envs, _run_order(run, envs), guests, defaults)


def guest_envs(matrix, keys):
    """The environments of tests/run --guest: every [template:guest-NAME]
    as environment guest-NAME, with keys (the guest's, from the command
    line) over its own."""
    envs = {}
    for name, (values, groups) in matrix.guest_templates.items():
        section = dict(matrix.defaults, **values)
        launcher = section.get("launcher", ENV_DEFAULTS["launcher"]).strip()
        section.update(with_deadline(keys, launcher))
        envs[name] = _make_env(name, section, _groups(name, matrix.defaults, groups))
    return Matrix(envs, [])


def _section_names(sections):
    """What `like` may name: environments, and templates without the
    prefix; both in one name space."""
    names = {}
    for section in sections:
        name = section
        if section.startswith(TEMPLATE_PREFIX):
            name = section[len(TEMPLATE_PREFIX):]
        if name in names:
            raise MatrixError(f"[{section}] and [{names[name]}]: a template "
                              f"and an environment cannot share a name")
        if not _ENV_NAME_RE.fullmatch(name):
            kind = "template" if name != section else "environment"
            raise MatrixError(f"[{section}]: {kind} names may only contain "
                              f"letters, digits, '.', '_' and '-'")
        names[name] = section
    return names


def _resolve(sections, names, section, chain):
    """(keys, groups) of a section with everything it is `like`: the
    parents in the order named (a later one overrides an earlier one), its
    own keys over theirs; groups add up."""
    if section in chain:
        cycle = " -> ".join(f"[{s}]" for s in chain + (section,))
        raise MatrixError(f"like: a cycle: {cycle}")
    own = sections[section]
    _check_keys(section, own, ("like", "groups"))
    values, groups = {}, []
    for parent in own.get("like", "").split():
        if parent not in names:
            raise MatrixError(f"[{section}] like: no environment or "
                              f"[{TEMPLATE_PREFIX}{parent}] named '{parent}'")
        keys, more = _resolve(sections, names, names[parent], chain + (section,))
        values.update(keys)
        groups += more
    values.update((key, value) for key, value in own.items()
                  if key not in ("like", "groups"))
    return values, groups + own.get("groups", "").split()


def _groups(name, defaults, inherited):
    groups = []
    for group in defaults.get("groups", "").split() + inherited:
        if not _ENV_NAME_RE.fullmatch(group):
            raise MatrixError(f"[{name}] groups: '{group}': group names may "
                              f"only contain letters, digits, '.', '_' and '-'")
        if group not in groups:
            groups.append(group)
    return groups


def _check_keys(name, keys, extra=()):
    unknown = sorted(set(keys) - set(ENV_DEFAULTS) - set(extra))
    if unknown:
        raise MatrixError(f"[{name}]: unknown key(s): {', '.join(unknown)}")


def _make_env(name, section, groups):
    """The Env of a section's resolved keys (a dict of strings)."""
    def get(key):
        return section.get(key, ENV_DEFAULTS[key]).strip()

    def fail(key, problem):
        return MatrixError(f"[{name}] {key}: {problem}")

    launcher = get("launcher")
    if launcher not in LAUNCHERS:
        raise fail("launcher", f"must be one of {', '.join(LAUNCHERS)}")
    accel = get("accel")
    if accel not in ACCELS:
        raise fail("accel", f"must be one of {', '.join(ACCELS)}")
    try:
        timeout = float(get("timeout"))
        if timeout < 0:
            raise ValueError
    except ValueError:
        raise fail("timeout", "must be a number of seconds >= 0") from None
    try:
        expect_status = int(get("expect_status"))
    except ValueError:
        raise fail("expect_status", "must be an integer") from None
    ktap = configparser.ConfigParser.BOOLEAN_STATES.get(get("ktap").lower())
    if ktap is None:
        raise fail("ktap", "must be yes or no")
    command = _split(get("command"), lambda p: fail("command", p))
    if launcher == "host" and not command:
        raise fail("command", "required for launcher host")
    peer = _lines(get("peer"))
    if len(peer) > 1:
        raise fail("peer", "must be one command (one line)")
    try:
        peer_timeout = float(get("peer_timeout"))
        if not peer_timeout > 0:
            raise ValueError
    except ValueError:
        raise fail("peer_timeout", "must be a number of seconds > 0") from None
    kill_on = _parse_kill_on(get("kill_on"), launcher,
                             lambda p: fail("kill_on", p))
    console = get("console")
    if console not in CONSOLES:
        raise fail("console", f"must be one of {', '.join(CONSOLES)}")
    if console != "serial" and launcher not in CONSOLE_LAUNCHERS:
        raise fail("console", f"only for launcher {' or '.join(CONSOLE_LAUNCHERS)}")
    if get("guest") and launcher not in GUEST_LAUNCHERS:
        raise fail("guest", f"only for launchers {', '.join(GUEST_LAUNCHERS)}")
    guest_nic = configparser.ConfigParser.BOOLEAN_STATES.get(get("guest_nic").lower())
    if guest_nic is None:
        raise fail("guest_nic", "must be yes or no")
    if guest_nic and not get("guest"):
        raise fail("guest_nic", "only with guest")
    monitor_on = _parse_monitor_on(get("monitor_on"), launcher,
                                   lambda p: fail("monitor_on", p))
    if kill_on and monitor_on:
        raise fail("monitor_on", "not with kill_on")
    migrate_on = get("migrate_on")
    if migrate_on:
        if launcher not in CONSOLE_LAUNCHERS:
            raise fail("migrate_on", f"only for launcher {' or '.join(CONSOLE_LAUNCHERS)}")
        if console != "serial" or kill_on or monitor_on or get("guest"):
            raise fail("migrate_on", "only with console = serial, and not with "
                       "kill_on, monitor_on or guest")
        if "'" in migrate_on:
            raise fail("migrate_on", "no ' in the regex (the script quotes it)")
    domu_type = get("domu_type")
    if domu_type not in DOMU_TYPES:
        raise fail("domu_type", f"must be one of {', '.join(DOMU_TYPES)}")
    domu_vif_model = get("domu_vif_model")
    if not re.fullmatch(r"[a-z0-9_-]*", domu_vif_model):
        raise fail("domu_vif_model", "must be a device model name such as e1000")
    domu = {}
    for key, convert, low in (("domu_memory", int, 1), ("domu_vcpus", int, 1),
                              ("domu_vifs", int, 0),
                              ("domu_blk_queues", int, 1),
                              ("domu_net_queues", int, 1),
                              ("domu_timeout", float, 1)):
        try:
            domu[key] = convert(get(key))
            if domu[key] < low:
                raise ValueError
        except ValueError:
            raise fail(key, f"must be a number >= {low}") from None
    for key in ("args", "cmdline", "command", "setup", "peer", "check",
                "domu_kernel", "domu_disks", "domu_config", "guest",
                "guest_initrd", "guest_disks"):
        for match in PLACEHOLDER_RE.finditer(get(key)):
            if match[2] is not None and int(match[2]) >= PORT_COUNT:
                raise fail(key, f"{match[0]}: there are only {{port0}} .. "
                                f"{{port{PORT_COUNT - 1}}}")
    return Env(
        name=name,
        groups=groups,
        description=get("description"),
        launcher=launcher,
        qemu=get("qemu"),
        machine=get("machine"),
        accel=accel,
        cpu=get("cpu") or (KVM_CPU if accel == "kvm" else "max"),
        memory=get("memory"),
        args=_split(get("args"), lambda p: fail("args", p)),
        cmdline=get("cmdline"),
        timeout=timeout,
        requires=_parse_requires(get("requires"), lambda p: fail("requires", p)),
        expect_status=expect_status,
        expect=_parse_expect(get("expect"), lambda p: fail("expect", p)),
        ktap=ktap,
        command=command,
        setup=_lines(get("setup")),
        peer=peer[0] if peer else "",
        peer_timeout=peer_timeout,
        check=_lines(get("check")),
        kill_on=kill_on,
        console=console,
        monitor_on=monitor_on,
        migrate_on=migrate_on,
        xen=get("xen"),
        xen_cmdline=get("xen_cmdline"),
        domu_type=domu_type,
        domu_kernel=get("domu_kernel"),
        domu_disks=_lines(get("domu_disks")),
        domu_config=_lines(get("domu_config")),
        domu_peer=get("domu_peer"),
        domu_vif_model=domu_vif_model,
        guest=get("guest"),
        kernel=get("kernel"),
        guest_initrd=get("guest_initrd"),
        guest_disks=_lines(get("guest_disks")),
        guest_nic=guest_nic,
        fail=_parse_expect(get("fail"), lambda p: fail("fail", p)),
        **domu,
    )


def _lines(text):
    """The non-empty lines of a multi-line value, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _split(text, fail):
    try:
        return shlex.split(text)
    except ValueError as err:
        raise fail(str(err)) from None


def _parse_kill_on(text, launcher, fail):
    if not text:
        return None
    if launcher != "qemu":
        raise fail("only for launcher qemu")
    try:
        return re.compile(text)
    except re.error as err:
        raise fail(f"bad regex: {err}") from None


def _parse_monitor_on(text, launcher, fail):
    if not text:
        return None
    if launcher != "qemu":
        raise fail("only for launcher qemu")
    regex, sep, command = text.rpartition(" -> ")
    if not sep or not re.fullmatch(r"[a-z][a-z0-9_-]*", command.strip()):
        raise fail("must be 'REGEX -> COMMAND', COMMAND a QMP command name "
                   "such as system_powerdown")
    try:
        return re.compile(regex.strip()), command.strip()
    except re.error as err:
        raise fail(f"bad regex: {err}") from None


def _parse_requires(text, fail):
    items = [item for item in re.split(r"[\s,]+", text) if item]
    for item in items:
        if item not in ("kvm", "tap") and not (
                item.startswith(("cmd:", "symbol:")) and not item.endswith(":")):
            raise fail(f"unknown condition '{item}' (use kvm, tap, cmd:NAME "
                       f"or symbol:NAME)")
    return items


def _parse_expect(text, fail):
    regexes = []
    for line in text.splitlines():
        if line.strip():
            try:
                regexes.append(re.compile(line.strip()))
            except re.error as err:
                raise fail(f"bad regex {line.strip()!r}: {err}") from None
    return regexes


def _run_order(run, envs):
    if run is None:
        return []
    if set(run) - {"order"}:
        raise MatrixError(f"[{RUN_SECTION}]: unknown key(s): "
                          f"{', '.join(sorted(set(run) - {'order'}))}")
    order = run.get("order", "").split()
    for name in order:
        if name not in envs:
            raise MatrixError(f"[{RUN_SECTION}] order: no environment "
                              f"named '{name}'")
    return order


def select_envs(matrix, patterns, groups=()):
    """Environments matching any of the fnmatch patterns (all if none) and
    in any of the groups (all if none)."""
    for pattern in patterns or ():
        if not any(fnmatch.fnmatchcase(name, pattern) for name in matrix.envs):
            raise MatrixError(f"no environment matches '{pattern}' "
                              f"(see --list)")
    known = {group for env in matrix.envs.values() for group in env.groups}
    for group in groups or ():
        if group not in known:
            raise MatrixError(f"no environment is in group '{group}' "
                              f"(see --list)")
    return [env for name, env in matrix.envs.items()
            if (not patterns or
                any(fnmatch.fnmatchcase(name, p) for p in patterns))
            and (not groups or set(groups) & set(env.groups))]
