"""pvkit's test runner as a package; tests/run is its entry point.

Modules, in the order a run goes through them:
  common        paths, statuses, test cases, console output
  matrix        the matrix file: environments, templates, groups
  requirements  whether an environment can run here (`requires`)
  process       child processes in process groups of their own, free ports
  session       one environment's launch: directory, log, placeholders
  guest         anyone's kernel (--guest): its kind, keys and verdict
  launchers/    one module per launcher, registered by name
  steps         setup, peer and check around a launch
  ktap          the KTAP parser
  evaluate      an environment's cases and verdict
  report        progress, summary, JUnit XML
  modes         run the matrix, list, boot
  cli           the command line

Standard library only: this has to run wherever the kernel builds.
"""
