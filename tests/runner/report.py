"""Reports: progress lines, failure reports, the summary, JUnit XML."""

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .common import (ERROR, FAIL, LOG_TAIL_LINES, MAX_JUNIT_LOG_BYTES, SKIP,
                     count_text, tail_lines, tally)

# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

def progress_line(index, total, result, width):
    head = f"[{index}/{total}] {result.name:<{width}}  {result.verdict:<5}  "
    if result.verdict == "SKIP":
        return head + result.reason
    counts = count_text(*tally(result.cases))
    return f"{head}{counts:<44} ({result.seconds:.1f} s)"


def failure_report(result):
    """Lines explaining a failed or broken environment: its failed cases
    or its error, then the log tail."""
    lines = []
    for case in result.cases:
        if case.status not in (FAIL, ERROR):
            continue
        lines.append(f"    {case.status.upper()} {case.id}" +
                     (f": {case.message}" if case.message else ""))
        lines.extend(f"        {detail}" for detail in case.details)
    if result.log_path is not None:
        tail = tail_lines(result.log_path, LOG_TAIL_LINES)
        if not tail:
            lines.append(f"    (console log {result.log_path} is empty)")
            return lines
        lines.append(f"    --- last {len(tail)} lines of {result.log_path} ---")
        lines.extend(f"    | {line}" for line in tail)
        lines.append("    --- end of log ---")
    return lines


def summary_lines(results):
    width = max([len("environment")] + [len(r.name) for r in results])
    lines = [f"{'environment':<{width}}  result  passed  failed  errors  "
             f"skipped  seconds"]
    for result in results:
        passed, failed, errors, skipped = tally(result.cases)
        lines.append(f"{result.name:<{width}}  {result.verdict:<6}  "
                     f"{passed:>6}  {failed:>6}  {errors:>6}  {skipped:>7}  "
                     f"{result.seconds:>7.1f}")
    return lines


# At most this many lines in the recap of what failed.
MAX_RECAP_LINES = 40


def recap_lines(results):
    """What failed, once more, just above the final line: a CI log shown
    only by its tail must still name every failing case, with QEMU's own
    last words (an assertion, say) where the guest died."""
    lines = []
    for result in results:
        bad = [case for case in result.cases if case.status in (FAIL, ERROR)]
        if not bad:
            continue
        for case in bad:
            lines.append(f"{case.status.upper()} {result.name}: {case.id}" +
                         (f": {case.message}" if case.message else ""))
        if result.log_path is not None:
            said = [line for line in tail_lines(result.log_path, LOG_TAIL_LINES)
                    if line.lstrip().startswith("qemu-system")]
            lines.extend(f"    | {line.strip()}" for line in said[-2:])
    if len(lines) > MAX_RECAP_LINES:
        left = len(lines) - MAX_RECAP_LINES
        lines = lines[:MAX_RECAP_LINES] + [f"... and {left} more line(s)"]
    return lines


def final_line(results):
    return count_text(*totals(results))


def totals(results):
    cases = [case for result in results for case in result.cases]
    return tally(cases)


def exit_code(results):
    """0 iff nothing failed or broke and at least one case passed."""
    passed, failed, errors, _ = totals(results)
    return 0 if failed == 0 and errors == 0 and passed > 0 else 1


# Characters XML 1.0 cannot carry at all (consoles do print escape codes).
_XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text):
    return _XML_BAD.sub(lambda m: f"\\x{ord(m[0]):02x}", str(text))


def junit_tree(results):
    root = ET.Element("testsuites", name="pvkit",
                      **junit_counts(*totals(results)),
                      time=f"{sum(r.seconds for r in results):.3f}")
    for result in results:
        _junit_suite(root, result)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    return tree


def junit_counts(passed, failed, errors, skipped):
    """The count attributes of a <testsuites> or <testsuite>."""
    return {"tests": str(passed + failed + errors + skipped),
            "failures": str(failed), "errors": str(errors),
            "skipped": str(skipped)}


def _junit_suite(root, result):
    suite = ET.SubElement(root, "testsuite", name=xml_safe(result.name),
                          **junit_counts(*tally(result.cases)),
                          time=f"{result.seconds:.3f}")
    for case in result.cases:
        classname = result.name + (f".{case.suite}" if case.suite else "")
        element = ET.SubElement(suite, "testcase", classname=xml_safe(classname),
                                name=xml_safe(case.name),
                                time=f"{case.seconds:.3f}")
        if case.status in (FAIL, ERROR):
            # A failing KTAP case has no message of its own: its first
            # diagnostic line is the best one-line summary.
            message = case.message or next(iter(case.details), "failed")
            failure = ET.SubElement(element, "failure" if case.status == FAIL
                                    else "error", message=xml_safe(message))
            failure.text = xml_safe("\n".join(case.details or [case.message]))
        elif case.status == SKIP:
            ET.SubElement(element, "skipped", message=xml_safe(case.message))
    if result.log_path is not None:
        log = ET.SubElement(suite, "system-out")
        log.text = xml_safe(_log_text(result.log_path))


def _log_text(path):
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            file.seek(max(0, file.tell() - MAX_JUNIT_LOG_BYTES))
            return file.read().decode("utf-8", "replace")
    except OSError:
        return ""


def write_junit(path, results):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_tree(results).write(path, encoding="utf-8", xml_declaration=True)

