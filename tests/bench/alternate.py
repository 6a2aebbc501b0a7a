#!/usr/bin/env python3
"""Run two commands alternately and report medians of wall time and of CPU time.

    alternate.py RUNS LABEL GOAL CMD_A... -- CMD_B...

GOAL "-" prints the figures without a verdict.

CPU time is user + system of the command and every child it waited for (getrusage
RUSAGE_CHILDREN), so `sh loop.sh` counts each `ip netns exec` and `ss` it runs. On a
shared, loaded machine wall time mostly measures the scheduler; CPU time measures the
work. Both ratios (A over B) are printed; the verdict against GOAL uses CPU time when
the machine is loaded (a 1-minute load average above the number of CPUs), else wall time."""
import os
import resource
import subprocess
import sys
import time


def one(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


def main(argv):
    runs, label = int(argv[1]), argv[2]
    goal = None if argv[3] == "-" else float(argv[3])
    rest = argv[4:]
    split = rest.index("--")
    a, b = rest[:split], rest[split + 1:]
    wa, ca, wb, cb = [], [], [], []
    for _ in range(runs):
        w, c = one(a)
        wa.append(w)
        ca.append(c)
        w, c = one(b)
        wb.append(w)
        cb.append(c)
    load = os.getloadavg()[0]
    loaded = load > os.cpu_count()
    rw, rc = median(wa) / median(wb), median(ca) / median(cb)
    r = rc if loaded else rw
    verdict = "" if goal is None else "  goal <= %.2fx by %s: %s" % (
        goal, "cpu" if loaded else "wall", "ok" if r <= goal else "MISSED")
    print("%-32s wall %7.1f vs %7.1f ms (%.2fx)  cpu %7.1f vs %7.1f ms (%.2fx)%s"
          % (label, median(wa), median(wb), rw, median(ca), median(cb), rc, verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
