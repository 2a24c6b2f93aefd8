"""The KTAP parser: console lines in, test cases out."""

import re
from dataclasses import dataclass, field
from typing import Optional

from .common import FAIL, PASS, SKIP, Case

# --------------------------------------------------------------------------
# KTAP parser
# --------------------------------------------------------------------------
#
# KTAP (as printed by Linux KUnit) nests test blocks by indentation.  Lines
# are matched after stripping their indentation; the indentation itself
# only tells which block a line belongs to, so 2- and 4-space nesting both
# work.  The console also carries ordinary log lines, which are ignored.

_VERSION_RE = re.compile(r"(?:KTAP version \d+|TAP version 1[34])$")
_PLAN_RE = re.compile(r"1\.\.(\d+)\s*(?:#.*)?$")
_RESULT_RE = re.compile(r"(ok|not ok)\s+(\d+)(?:\s+(.*))?$")
_SUBTEST_RE = re.compile(r"#\s*Subtest:\s*(.*)$")


@dataclass
class KtapReport:
    found: bool                 # was there any KTAP version line at all?
    cases: list                 # leaf Cases, in console order
    errors: list                # malformed-KTAP messages


@dataclass
class _Result:
    """A result line, or a subtest that ended without one (status None)."""
    name: str
    status: Optional[str]
    message: str = ""
    diagnostics: list = field(default_factory=list)
    child: Optional["_Block"] = None


@dataclass
class _Block:
    """A (sub)test block: the lines at one indentation under a version line."""
    indent: int
    name: str = ""              # from "# Subtest: NAME"
    plan: Optional[int] = None
    count: int = 0              # result lines seen
    results: list = field(default_factory=list)
    pending: list = field(default_factory=list)   # diagnostics since last result


def _split_result_text(text):
    """Split the part after 'ok N' into (name, directive or None)."""
    text = text.strip()
    if text.startswith("- "):
        text = text[2:].lstrip()
    if text.startswith("#"):
        return "", text[1:].strip()
    name, sep, directive = text.partition(" #")
    return name.strip(), (directive.strip() if sep else None)


def _result_status(word, directive):
    """(status, message) of a result line; SKIP and TODO count as skipped."""
    kind = directive.split()[0].upper() if directive else ""
    if kind in ("SKIP", "TODO"):
        return SKIP, directive[len(kind):].strip() or kind.lower()
    if word == "ok":
        return PASS, ""
    return FAIL, directive or ""


class KtapParser:
    """Feed console lines one at a time, then call finish()."""

    def __init__(self):
        self.stack = []         # open blocks, outermost first
        self.roots = []         # top-level blocks, finished or not
        self.errors = []
        self.found = False

    # ---- input ----

    def feed(self, raw):
        line = raw.rstrip().expandtabs()
        body = line.lstrip()
        indent = len(line) - len(body)
        if _VERSION_RE.match(body):
            self._start_block(indent)
            return
        if not self.stack or not body:
            return              # log noise outside any KTAP block
        if self._done():
            # The top-level plan is complete; only diagnostics of the last
            # result can still follow.  Anything else is log noise.
            if body.startswith("#"):
                self._diagnostic(indent, body)
            return
        for regex, handler in ((_PLAN_RE, self._plan),
                               (_RESULT_RE, self._result),
                               (_SUBTEST_RE, self._subtest)):
            match = regex.match(body)
            if match:
                handler(indent, match, body)
                return
        if body.startswith("#"):
            self._diagnostic(indent, body)

    def finish(self):
        if self.stack and not self._done():
            self.errors.append(self._ended_early())
        while self.stack:
            self._pop_unfinished()
        cases = []
        for root in self.roots:
            self._collect(root, [], cases)
        return KtapReport(self.found, cases, self.errors)

    # ---- line handlers ----

    def _start_block(self, indent):
        self.found = True
        if self._done():
            self._pop_unfinished()          # previous document completed
        elif self.stack and self.stack[-1].indent >= indent:
            self.errors.append(f"{self._path()}: a new KTAP version line "
                               f"started before this block ended")
            while self.stack and self.stack[-1].indent >= indent:
                self._pop_unfinished()
        block = _Block(indent)
        if not self.stack:
            self.roots.append(block)
        self.stack.append(block)

    def _plan(self, indent, match, _body):
        block = self._block_at(indent)
        if block is None:
            return
        if block.plan is not None:
            self.errors.append(f"{self._path()}: second plan line")
            return
        block.plan = int(match[1])

    def _subtest(self, indent, match, body):
        if indent < self.stack[-1].indent:
            self._diagnostic(indent, body)
            return
        block = self._block_at(indent)
        if not block.name:
            block.name = match[1].strip()

    def _diagnostic(self, indent, body):
        # Belongs to the deepest block not indented deeper than the line.
        for block in reversed(self.stack):
            if block.indent <= indent:
                block.pending.append(body)
                return

    def _result(self, indent, match, _body):
        if indent > self.stack[-1].indent:
            self.stack.append(_Block(indent))   # subtest without a header
        child = self._close_children(indent)
        block = self.stack[-1]
        block.count += 1
        number = int(match[2])
        if number != block.count:
            self.errors.append(f"{self._path()}: result numbers not "
                               f"sequential: expected {block.count}, "
                               f"got {number}")
        if len(self.stack) > 1 and block.plan is not None \
                and block.count == block.plan + 1:
            self.errors.append(f"{self._path()}: more results than the "
                               f"plan 1..{block.plan}")
        name, directive = _split_result_text(match[3] or "")
        status, message = _result_status(match[1], directive)
        name = name or (child.name if child else "") or f"test{number}"
        result = _Result(name, status, message, child=child)
        if child is not None:
            self._check_child(child, name)
        self._flush(block, result)
        block.results.append(result)

    # ---- block bookkeeping ----

    def _done(self):
        """True once the only open block is a root whose plan is complete."""
        if len(self.stack) != 1:
            return False
        root = self.stack[0]
        return root.plan is not None and root.count >= root.plan

    def _block_at(self, indent):
        """The block a plan/subtest line belongs to, opening one if deeper."""
        top = self.stack[-1]
        if indent > top.indent:
            top = _Block(indent)            # subtest without a version line
            self.stack.append(top)
        return top if top.indent == indent else None

    def _close_children(self, indent):
        """Close blocks deeper than a result line; return its subtest."""
        while len(self.stack) > 2 and self.stack[-2].indent > indent:
            self.errors.append(f"{self._path()}: subtest has no result line")
            self._pop_unfinished()
        if len(self.stack) > 1 and self.stack[-1].indent > indent:
            child = self.stack.pop()
            self._flush(child, None)
            return child
        return None

    def _pop_unfinished(self):
        """Pop the innermost block; its parent keeps it as unfinished."""
        block = self.stack.pop()
        self._flush(block, None)
        if self.stack:
            parent = self.stack[-1]
            name = block.name or f"test{parent.count + 1}"
            parent.results.append(_Result(name, None, child=block))

    def _check_child(self, child, name):
        where = self._path(extra=name)
        if child.plan is None:
            self.errors.append(f"{where}: no plan line")
        elif child.count < child.plan:
            self.errors.append(f"{where}: plan 1..{child.plan} but only "
                               f"{child.count} results")

    @staticmethod
    def _flush(block, following):
        """Give the diagnostics since the last result to a case.

        Diagnostics after a failing result belong to it (pvkit prints them
        after the 'not ok' line); otherwise they describe the following
        result (KUnit prints them before it).  A line 'NAME: ...' naming
        the following case always starts that case's diagnostics.
        """
        previous = block.results[-1] if block.results else None
        target = previous if previous and previous.status == FAIL else following
        for line in block.pending:
            text = line[1:].lstrip()
            if following is not None and text.startswith(following.name + ":"):
                target = following
            if target is not None:
                target.diagnostics.append(line)
        block.pending = []

    # ---- messages ----

    def _path(self, extra=None):
        """Dotted name of the innermost open block (plus a child name)."""
        names = [child.name or f"test{parent.count + 1}"
                 for parent, child in zip(self.stack, self.stack[1:])]
        if extra:
            names.append(extra)
        return f"'{'.'.join(names)}'" if names else "top level"

    def _ended_early(self):
        block = self.stack[-1]
        where = self._path()
        if block.plan is None:
            return (f"KTAP output ended in {where} without a plan line "
                    f"({block.count} results)")
        return (f"KTAP output ended in {where} after {block.count} of "
                f"{block.plan} results (did the guest crash or hang?)")

    # ---- result tree to cases ----

    def _collect(self, block, suite, cases):
        for result in block.results:
            if result.child is None:
                if result.status is not None:
                    cases.append(Case(".".join(suite), result.name,
                                      result.status, result.message,
                                      result.diagnostics))
                continue
            first = len(cases)
            self._collect(result.child, suite + [result.name], cases)
            child_failed = any(c.status == FAIL for c in cases[first:])
            full = ".".join(suite + [result.name])
            if result.status == PASS and child_failed:
                self.errors.append(f"'{full}' is reported ok but a case in "
                                   f"it failed")
            elif result.status == FAIL and not child_failed:
                cases.append(Case(".".join(suite), result.name, FAIL,
                                  result.message or "reported not ok, but "
                                  "none of its cases failed",
                                  result.diagnostics))


def parse_ktap(lines):
    parser = KtapParser()
    for line in lines:
        parser.feed(line)
    return parser.finish()

