"""The launchers: one module each, registered here by name.

A launcher is a function of a Session that boots the environment (or runs
its host command) and returns an Outcome.  The matrix's `launcher` key
takes exactly the names registered here.
"""

import functools

from ..guest import nic_problem
from ..session import Outcome, image_problem

LAUNCHERS = {}      # name -> launch(session), in registration order


def launcher(name, image=False):
    """Decorator: register a launch function under the matrix name NAME.
    image: it boots pvkit's image (unless the environment boots anyone's
    kernel, `guest`), so a missing image fails the launch first.  A guest's
    NIC (guest_nic) on a launcher that cannot give it fails it too."""
    def register(function):
        if name in LAUNCHERS:
            raise ValueError(f"launcher {name} registered twice")

        @functools.wraps(function)
        def launch(session):
            env = session.env
            problem = nic_problem(env, name) if env.guest else \
                image_problem(session.opts) if image else ""
            return Outcome(problem=problem) if problem else function(session)
        LAUNCHERS[name] = launch
        return launch
    return register


# The order here is the order `launcher = ...` errors list the names in.
from . import qemu, grub, host, xen, xen_domu, kvm_nested  # noqa: E402,F401
