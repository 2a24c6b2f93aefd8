#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The Linux reference of `make bench`: Debian's Linux kernel with Debian's
fio in a small initramfs, booted on the same QEMU machine, memory and
null-co disk as pvkit's blkbench (docs/benchmarks.md).

The kernel, busybox and fio are fetched with `apt-get download` (nothing
installed on the host); of fio's dependencies only the shared libraries
its binary loads (DT_NEEDED, recursively) go into the initramfs, each
taken from the Debian package that holds it.  The result is cached,
keyed by the package versions and the bed's own files.

    fiobed.py build [--cache DIR]     assemble (or reuse) the cache; prints its path
    fiobed.py run --machine M --device ARGS [--jobs ENGINE:QD,...] [--time S]
                                      boot it once, run fio for each job on the
                                      disk, print one JSON line per job
    fiobed.py smoke                   a 1 s run on virtio-blk that must report
                                      IOPS > 0 at 4 KiB (make check: linux-fio-smoke)

Standard library only (and apt-get, apt-cache, dpkg-deb, readelf, QEMU).
"""

import argparse
import fcntl
import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC_DIR = HERE.parent.parent
sys.path.insert(0, str(HERE))
import linuxbed  # noqa: E402
from linuxbed import Cpio, Error, add_modules, bzimage_elf, run  # noqa: E402

linuxbed.LOG_PREFIX = "fiobed"
log = linuxbed.log

DEFAULT_CACHE = SRC_DIR / "build" / "fio-bed-cache"
PACKAGES = ["busybox-static", "fio"]
# Every disk controller of the bench's rows (and what they need).
MODULES = ["virtio_pci", "virtio_blk", "ata_piix", "ahci", "sd_mod", "nvme"]
OWN_FILES = ["fiobed.py", "fiobed-init", "linuxbed.py"]
# The same machine as scripts/bench's pvkit rows.
MEMORY = "256M"
NULL_DISK = "-blockdev null-co,node-name=n0,size=1073741824,read-zeroes=on"
ENGINES = ("libaio", "io_uring")


# --------------------------------------------------------------------------
# Shared libraries: from fio's DT_NEEDED to the Debian packages that hold them
# --------------------------------------------------------------------------

def needed(path):
    """The DT_NEEDED sonames of an ELF file and its RUNPATH/RPATH directories."""
    out = run(["readelf", "-d", str(path)])
    dirs = []
    for m in re.finditer(r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]+)\]", out):
        dirs += [d.strip("/") for d in m[1].split(":") if "$" not in d]
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out), dirs


LIB_DIRS = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "lib"]


def find_lib(roots, soname, dirs=()):
    """soname in the extracted packages' library directories (and the
    needer's run paths), or None."""
    for root in roots:
        for d in [*dirs, *LIB_DIRS]:
            path = root / d / soname
            if path.exists() or path.is_symlink():
                return path
    return None


def norm(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def lib_depends(pkg):
    """The library packages pkg depends on (apt-cache, no network)."""
    out = run(["apt-cache", "depends", "--no-recommends", "--no-suggests", pkg])
    deps = re.findall(r"^\s+(?:Pre)?Depends: <?([a-z0-9.+-]+)>?", out, re.M)
    return [d for d in deps if d.startswith(("lib", "zlib"))]


def guess_package(soname, candidates):
    """The candidate named after soname (libfoo.so.1 -> libfoo1 or
    libfoo-1, libgcc_s.so.1 -> libgcc-s1), or None."""
    m = re.match(r"(.+?)\.so\.?(.*)$", soname)
    if not m:
        return None
    base, ver = norm(m[1]), norm(m[2])
    for c in candidates:
        if norm(c).startswith(base + ver):
            return c
    return None


class Libraries:
    """Downloads and extracts packages until every library in the
    DT_NEEDED closure of the start files is found."""

    def __init__(self, debdir, workdir):
        self.debdir, self.workdir = debdir, workdir
        self.roots = {}         # package: extracted tree
        self.debs = {}          # package: .deb file name
        self.deps = {}          # package: its library packages

    def fetch(self, pkgs):
        pkgs = [p for p in pkgs if p not in self.roots]
        if not pkgs:
            return
        debs = linuxbed.resolve(pkgs)
        self.borrow(debs)
        linuxbed.download(self.debdir, debs)
        for pkg, deb in debs.items():
            root = self.workdir / pkg
            root.mkdir(parents=True, exist_ok=True)
            run(["dpkg-deb", "-x", str(self.debdir / deb), str(root)])
            self.roots[pkg], self.debs[pkg] = root, deb

    def borrow(self, debs):
        """Copies the .deb files the other beds' caches beside this one
        already hold (the kernel's is 70 MB); apt moves a file there only
        once it is whole."""
        for deb in debs.values():
            for bed in ("kvm-l1-cache", "xen-dom0-cache"):
                src = self.debdir.parent.parent / bed / "debs" / deb
                dst = self.debdir / deb
                if src.is_file() and not dst.exists():
                    self.debdir.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, dst.with_suffix(".part"))
                    dst.with_suffix(".part").rename(dst)

    def closure(self, start, owner):
        """{soname: path} for everything start (files of package owner)
        loads.  Breadth first, so that each level is one or two apt calls."""
        found, frontier = {}, [(path, owner) for path in start]
        while frontier:
            wants = {}          # soname: (needer's package, its run paths)
            for path, pkg in frontier:
                sonames, dirs = needed(path)
                for soname in sonames:
                    if soname not in found:
                        wants.setdefault(soname, (pkg, dirs))
            missing = self.look_up(wants, found)
            # Named after the library first; else every library package
            # the needer depends on (libc6 for libm, zlib1g for libz).
            self.fetch({guess_package(so, self.depends(pkg)) for so, (pkg, _) in missing.items()}
                       - {None})
            missing = self.look_up(missing, found)
            self.fetch({dep for pkg, _ in missing.values() for dep in self.depends(pkg)})
            missing = self.look_up(missing, found)
            if missing:
                so, (pkg, _) = next(iter(missing.items()))
                raise Error(f"{so} (needed by {pkg}) is in none of {self.depends(pkg)}")
            frontier = [(found[so].resolve(), self.owner_of(found[so])) for so in wants]
        return found

    def look_up(self, wants, found):
        """Records in found the sonames of wants that are there; returns the rest."""
        missing = {}
        for soname, (pkg, dirs) in wants.items():
            lib = find_lib(self.roots.values(), soname, dirs)
            if lib:
                found[soname] = lib
            else:
                missing[soname] = (pkg, dirs)
        return missing

    def depends(self, pkg):
        if pkg not in self.deps:
            self.deps[pkg] = lib_depends(pkg)
        return self.deps[pkg]

    def owner_of(self, path):
        for pkg, root in self.roots.items():
            if root in path.parents:
                return pkg
        raise Error(f"{path} is in no extracted package")

    def in_image(self, path):
        """Where path (in an extracted package) goes in the initramfs."""
        return str(path.relative_to(self.roots[self.owner_of(path)]))


# --------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------

def cache_key(debs):
    h = hashlib.sha256(b"1\n")
    for name in OWN_FILES:
        h.update(name.encode() + b"\0" + (HERE / name).read_bytes())
    for deb in sorted(debs):
        h.update(deb.encode() + b"\n")
    return h.hexdigest()[:16]


def build_cache(cache):
    """Assemble the cache (once per key) and return its directory."""
    cache = Path(cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kpkg = linuxbed.kernel_package()
        top = linuxbed.resolve(PACKAGES + [kpkg])
        # The library packages are only known once fio is looked at: the
        # key is the top packages', and versions lists them all.
        out = cache / cache_key(top.values())
        if (out / "done").exists():
            return out
        shutil.rmtree(out, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix="assemble-", dir=cache))
        try:
            libs = Libraries(cache / "debs", tmp / "pkgs")
            libs.fetch(PACKAGES + [kpkg])
            assemble(tmp, libs, kpkg)
            shutil.rmtree(tmp / "pkgs")
            (tmp / "versions").write_text(
                "".join(f"{f}\n" for f in sorted(libs.debs.values())))
            (tmp / "done").write_text("")
            tmp.rename(out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return out


def assemble(out, libs, kpkg):
    log("assembling the fio bed's kernel and initramfs")
    kroot = libs.roots[kpkg]
    vmlinuz = next((kroot / "boot").glob("vmlinuz-*"))
    (out / "vmlinux").write_bytes(bzimage_elf(vmlinuz.read_bytes()))
    index = linuxbed.module_index(next((kroot / "lib" / "modules").iterdir()))
    cpio = Cpio()
    for d in ("dev", "proc", "sys", "tmp"):
        cpio.mkdir(d)
    cpio.copy("bin/busybox", libs.roots["busybox-static"] / "bin" / "busybox")
    cpio.symlink("bin/sh", "busybox")
    cpio.copy("init", HERE / "fiobed-init")
    fio = libs.roots["fio"] / "usr" / "bin" / "fio"
    cpio.copy("usr/bin/fio", fio)
    size = fio.stat().st_size
    for path in sorted(libs.closure([fio], "fio").values()):
        data = path.resolve().read_bytes()
        size += len(data)
        cpio.file(libs.in_image(path), data, 0o755)
    # The dynamic loader, where fio's PT_INTERP names it.
    loader = find_lib(libs.roots.values(), "ld-linux-x86-64.so.2")
    if not loader:
        raise Error("ld-linux-x86-64.so.2 not found (libc6)")
    cpio.file("lib64/ld-linux-x86-64.so.2", loader.resolve().read_bytes(), 0o755)
    add_modules(cpio, index, MODULES)
    log(f"fio and its libraries: {size >> 20} MiB")
    # Compressed: fio's libraries (Ceph's, GlusterFS's and ICU's data
    # among them, loaded though never called) would not fit twice in the
    # 256 MiB the bench gives every guest.  The root is a ramfs
    # (qemu_argv): a tmpfs would be limited to half of it.
    (out / "fio.cpio").write_bytes(gzip.compress(cpio.finish(), 6))


# --------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------

RESULT_RE = re.compile(r"^fiobed: result (\S+) (\d+) (\{.*\})\s*$", re.M)
COUNTS_RE = re.compile(r"^fiobed: counts (\S+) (\d+) reads (\d+) interrupts (\d+)\s*$", re.M)


def qemu_argv(cachedir, machine, device, cmdline):
    return (["qemu-system-x86_64", "-M", machine, "-accel", "tcg", "-cpu", "max",
             "-m", MEMORY, "-nodefaults", "-display", "none", "-no-reboot",
             "-serial", "stdio", "-monitor", "none",
             "-kernel", str(cachedir / "vmlinux"), "-initrd", str(cachedir / "fio.cpio"),
             "-append", f"console=ttyS0 loglevel=3 rootfstype=ramfs {cmdline}"]
            + NULL_DISK.split() + device.split())


def parse_job(text):
    """A fio JSON report: {iops, bs, lat/clat p50/p99 in us, ios}."""
    rep = json.loads(text)
    read = rep["jobs"][0]["read"]
    ios = read["total_ios"]

    def pct(kind, p):
        v = read[kind].get("percentile", {}).get(f"{p:.6f}")
        return None if v is None else v / 1000.0
    return dict(iops=read["iops"], ios=ios, bs=read["io_bytes"] // ios if ios else 0,
                lat_p50_us=pct("lat_ns", 50), lat_p99_us=pct("lat_ns", 99),
                clat_p50_us=pct("clat_ns", 50), clat_p99_us=pct("clat_ns", 99),
                errors=rep["jobs"][0].get("error", 0))


def run_bed(cachedir, machine, device, jobs, seconds, ramp=0.5, timeout=None):
    """Boot once and run fio for each (engine, qd) in jobs; returns
    ({(engine, qd): parse_job(...)}, console)."""
    spec = ",".join(f"{e}:{q}" for e, q in jobs)
    cmdline = f"fiobed.jobs={spec} fiobed.time={seconds} fiobed.ramp={ramp}"
    if timeout is None:
        timeout = 120 + len(jobs) * (seconds + ramp + 10)
    try:
        out = subprocess.run(qemu_argv(cachedir, machine, device, cmdline),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=timeout, text=True,
                             errors="replace").stdout
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or ""
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        out += f"\nfiobed: timed out after {timeout} s\n"
    results, counts = {}, {}
    for m in COUNTS_RE.finditer(out):
        # The disk's interrupts per completed read, warm-up included.
        if int(m[3]):
            counts[(m[1], int(m[2]))] = int(m[4]) / int(m[3])
    for m in RESULT_RE.finditer(out):
        job = (m[1], int(m[2]))
        try:
            results[job] = parse_job(m[3])
        except (ValueError, KeyError, IndexError, ZeroDivisionError) as err:
            out += f"\nfiobed: bad fio report for {m[1]} qd {m[2]}: {err}\n"
            continue
        results[job]["irq_per_req"] = counts.get(job)
    return results, out


def parse_jobs(text):
    jobs = []
    for item in text.split(","):
        engine, qd = item.split(":")
        if engine not in ENGINES:
            raise Error(f"unknown engine {engine}")
        jobs.append((engine, int(qd)))
    return jobs


def smoke(cachedir):
    """One second of libaio at QD1 on virtio-blk: fio must have done reads
    of 4 KiB, more than none, with no error."""
    res, out = run_bed(cachedir, "q35", "-device virtio-blk-pci,drive=n0,disable-legacy=on",
                       [("libaio", 1)], 1, ramp=0)
    r = res.get(("libaio", 1))
    if not r:
        print(out[-3000:])
        raise Error("fio reported nothing")
    print(f"fiobed: virtio-blk libaio qd 1: {r['iops']:.0f} IOPS, {r['ios']} reads "
          f"of {r['bs']} bytes, lat p50 {r['lat_p50_us']} us p99 {r['lat_p99_us']} us, "
          f"interrupts/req {r['irq_per_req']}")
    # At queue depth 1 every read waits for its own interrupt.
    if r["errors"] or r["iops"] <= 0 or r["bs"] != 4096 or r["lat_p99_us"] is None \
            or not r["irq_per_req"] or r["irq_per_req"] < 0.5:
        raise Error("fio's report is wrong")
    print("fiobed: smoke ok")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="fiobed.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default=str(DEFAULT_CACHE))
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build")
    sub.add_parser("smoke")
    p = sub.add_parser("run")
    p.add_argument("--machine", default="q35")
    p.add_argument("--device", default="-device virtio-blk-pci,drive=n0,disable-legacy=on")
    p.add_argument("--jobs", default="libaio:1,libaio:32,io_uring:1,io_uring:32")
    p.add_argument("--time", type=int, default=3)
    opts = ap.parse_args(argv)
    try:
        cachedir = build_cache(opts.cache)
        print(f"fiobed: cache {cachedir}")
        if opts.cmd == "smoke":
            smoke(cachedir)
        elif opts.cmd == "run":
            res, out = run_bed(cachedir, opts.machine, opts.device,
                               parse_jobs(opts.jobs), opts.time)
            if not res:
                print(out[-3000:])
            for (engine, qd), r in res.items():
                print(json.dumps(dict(engine=engine, qd=qd, **r)))
        return 0
    except (Error, OSError, subprocess.CalledProcessError) as err:
        log(f"error: {err}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
