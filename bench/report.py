"""The one table: scenario, measured, baseline, ratio, goal, pass/miss."""

import statistics
from dataclasses import dataclass, field


@dataclass
class Row:
    scenario: str
    measured: str
    baseline: str
    ratio: float = None  # None: no baseline (SSE) or not measured
    goal: str = ""
    passed: bool = None  # None: not measured (endpoint missing)
    checks: list = field(default_factory=list)  # (description, ok)
    note: str = ""


def median(values):
    return statistics.median(values) if values else 0.0


def ratio_row(scenario, measured, baseline, ratio, at_least=None, at_most=None, goal=""):
    if at_least is not None:
        passed, goal = ratio >= at_least, goal or f">= {at_least:g}x"
    else:
        passed, goal = ratio <= at_most, goal or f"<= {at_most:g}x"
    return Row(scenario, measured, baseline, ratio, goal, passed)


def missing(scenario, goal, why):
    return Row(scenario, "not measured", "-", None, goal, None, note=why)


def render(rows):
    header = ("scenario", "measured", "baseline in the same run", "ratio", "goal", "result")
    table = [header]
    for row in rows:
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
        result = {True: "pass", False: "MISS", None: "n/a"}[row.passed]
        table.append((row.scenario, row.measured, row.baseline, ratio, row.goal, result))
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in table
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {row.scenario}: {row.note}" for row in rows if row.note]
    checks = [
        f"- [{'ok' if ok else 'FAILED'}] {row.scenario}: {text}"
        for row in rows
        for text, ok in row.checks
    ]
    out = "\n".join(lines)
    if checks:
        out += "\n\nSelf-checks:\n" + "\n".join(checks)
    if notes:
        out += "\n\nNotes:\n" + "\n".join(notes)
    return out


def all_checks_pass(rows):
    return all(ok for row in rows for _text, ok in row.checks)
