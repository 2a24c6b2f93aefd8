"""The launchers: one module each, registered here by name.

A launcher is a function of a Session that boots the environment (or runs
its host command) and returns an Outcome.  The matrix's `launcher` key
takes exactly the names registered here.
"""

LAUNCHERS = {}      # name -> launch(session), in registration order


def launcher(name):
    """Decorator: register a launch function under the matrix name NAME."""
    def register(function):
        if name in LAUNCHERS:
            raise ValueError(f"launcher {name} registered twice")
        LAUNCHERS[name] = function
        return function
    return register


# The order here is the order `launcher = ...` errors list the names in.
from . import qemu, grub, host, xen, xen_domu, kvm_nested  # noqa: E402,F401
