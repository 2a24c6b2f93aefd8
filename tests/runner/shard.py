"""Sharding the matrix over CI workers: durations, the split, merging
the shards' JUnit files (docs/runner.md, "Sharding")."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .common import SCRIPT_DIR
from .report import junit_counts

DEFAULT_DURATIONS = SCRIPT_DIR / "durations.json"
# The weight of an environment with no recorded duration: about a
# self-test boot under TCG with its bed, so that a new environment is
# neither free nor the heaviest.
FALLBACK_SECONDS = 20.0
# A recorded 0 (an environment skipped everywhere) still costs a start.
MIN_SECONDS = 0.1
_SHARD_RE = re.compile(r"([1-9]\d*)/([1-9]\d*)")


class ShardError(Exception):
    """A bad --shard value, durations file or JUnit input."""


def parse_shard(text):
    """(K, N) of 'K/N', 1 <= K <= N."""
    match = _SHARD_RE.fullmatch(text)
    if not match or int(match[1]) > int(match[2]):
        raise ShardError(f"--shard {text}: must be K/N with 1 <= K <= N")
    return int(match[1]), int(match[2])


def load_durations(path):
    """{environment: seconds} from a durations file ({} if there is none)."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise ShardError(f"{path}: {err}") from None
    if not isinstance(data, dict) or not all(
            isinstance(v, (int, float)) and v >= 0 for v in data.values()):
        raise ShardError(f"{path}: must map environment names to seconds")
    return data


def weight(durations, name):
    return max(MIN_SECONDS, durations.get(name, FALLBACK_SECONDS))


def split(envs, count, durations):
    """The environments in count shards, balanced by duration: longest
    first, each to the shard with the least time so far (the lowest
    numbered on a tie).  Depends only on the names and the durations, so
    every worker computes the same split; every environment is in exactly
    one shard.  Each shard keeps the matrix's order."""
    order = {env.name: index for index, env in enumerate(envs)}
    shards = [[] for _ in range(count)]
    loads = [0.0] * count
    for env in sorted(envs, key=lambda e: (-weight(durations, e.name),
                                           e.name)):
        least = min(range(count), key=lambda i: (loads[i], i))
        shards[least].append(env)
        loads[least] += weight(durations, env.name)
    return [sorted(shard, key=lambda e: order[e.name]) for shard in shards]


def shard_envs(envs, text, durations):
    """The environments of shard 'K/N'."""
    number, count = parse_shard(text)
    return split(envs, count, durations)[number - 1]


def record_durations(path, results, names):
    """Write each run environment's time (the longest of its rounds) into
    the durations file; entries of environments no longer in the matrix
    (names) go, those not run this time stay."""
    durations = {name: seconds for name, seconds in load_durations(path).items()
                 if name in names}
    measured = {}
    for result in results:
        if result.verdict != "SKIP":
            measured[result.name] = max(measured.get(result.name, 0.0),
                                        round(result.seconds, 1))
    durations.update(measured)
    Path(path).write_text(json.dumps(dict(sorted(durations.items())),
                                     indent=1) + "\n")
    return len(measured)


def merge_junit(out, inputs):
    """Merge the shards' JUnit files into one; the suites' names.

    A suite (environment) in two inputs is an error: each environment runs
    in exactly one shard."""
    root = ET.Element("testsuites", name="pvkit")
    seen = {}
    totals = [0, 0, 0, 0]           # passed, failed, errors, skipped
    seconds = 0.0
    for path in inputs:
        try:
            suites = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as err:
            raise ShardError(f"{path}: {err}") from None
        if suites.tag != "testsuites":
            raise ShardError(f"{path}: not a <testsuites> document")
        for suite in suites.findall("testsuite"):
            name = suite.get("name")
            if name in seen:
                raise ShardError(f"{path}: suite {name} is also in "
                                 f"{seen[name]}")
            seen[name] = path
            counts = [int(suite.get(key, "0")) for key in
                      ("tests", "failures", "errors", "skipped")]
            tests, failed, errors, skipped = counts
            for i, count in enumerate((tests - failed - errors - skipped,
                                       failed, errors, skipped)):
                totals[i] += count
            seconds += float(suite.get("time", "0"))
            root.append(suite)
    root.attrib.update(junit_counts(*totals), time=f"{seconds:.3f}")
    tree = ET.ElementTree(root)
    ET.indent(tree)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return list(seen), totals
