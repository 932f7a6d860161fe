#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The table of `make bench`: reads the guest's output (result.log, with one
"sample METRIC SUBJECT ROUND VALUE" line per measurement) and prints, per
metric, the median over the rounds for vlb, ipvs and plain forwarding, and
the vlb/ipvs ratio, taken as the median of the per-round ratios (the rounds
interleave vlb and ipvs, so a round's two values saw the same emulator
weather). "±N%" is half the min-max spread over the rounds, relative to the
median. --json also writes everything, raw samples included, as JSON.

Usage: report.py [--json FILE] [--kernel K] [--rounds N] [--seconds S] LOG
Exit status 1 when the log holds no sample at all.
"""

import argparse
import json
import statistics
import sys

# (label, metric, unit, better): better is "high" for rates, "low" for costs.
SECTIONS = [
    ("Established flows: 64-byte UDP, 1,000 flows, 2 real servers (rr)", [
        ("NAT  capacity, 1/CPU cost", "cap_nat", "pkt/s", "high", "cap_fwd"),
        ("NAT  received", "pps_nat", "pkt/s", "high", "pps_fwd"),
        ("NAT  director CPU per packet", "cpp_nat", "us", "low", "cpp_fwd"),
        ("DR   capacity, 1/CPU cost", "cap_dr", "pkt/s", "high", "cap_fwd"),
        ("DR   received", "pps_dr", "pkt/s", "high", "pps_fwd"),
        ("DR   director CPU per packet", "cpp_dr", "us", "low", "cpp_fwd"),
        ("TUN  capacity, 1/CPU cost", "cap_tun", "pkt/s", "high", "cap_fwd"),
        ("TUN  received", "pps_tun", "pkt/s", "high", "pps_fwd"),
        ("TUN  director CPU per packet", "cpp_tun", "us", "low", "cpp_fwd"),
    ]),
    ("New connections: NAT, 2 real servers (rr)", [
        ("TCP  SYNs, capacity", "capsyn_rr2", "conn/s", "high", None),
        ("TCP  SYNs received", "syn_rr2", "conn/s", "high", None),
        ("TCP  director CPU per SYN", "cpsyn_rr2", "us", "low", None),
        ("TCP  lifetimes, capacity", "capc_rr2", "conn/s", "high", None),
        ("TCP  lifetimes completed", "cps_rr2", "conn/s", "high", None),
        ("TCP  director CPU per lifetime", "cpc_rr2", "us", "low", None),
        ("UDP  new flows, capacity", "capn_rr2", "flow/s", "high", None),
        ("UDP  new flows received", "nfs_rr2", "flow/s", "high", None),
        ("UDP  director CPU per new flow", "cpn_rr2", "us", "low", None),
    ]),
    ("New-connection cost against real servers (NAT; director CPU)", [
        ("TCP rr     2: per SYN", "cpsyn_rr2", "us", "low", None),
        ("TCP rr     2: per connection", "cpc_rr2", "us", "low", None),
        ("TCP rr  1000: per connection", "cpc_rr1000", "us", "low", None),
        ("TCP wlc    2: per connection", "cpc_wlc2", "us", "low", None),
        ("TCP wlc 1000: per connection", "cpc_wlc1000", "us", "low", None),
        ("UDP rr     2: per new flow", "cpn_rr2", "us", "low", None),
        ("UDP rr  1000: per new flow", "cpn_rr1000", "us", "low", None),
        ("UDP wlc    2: per new flow", "cpn_wlc2", "us", "low", None),
        ("UDP wlc 1000: per new flow", "cpn_wlc1000", "us", "low", None),
    ]),
    ("Connection table: established UDP NAT over every entry", []),
    ("Memory per connection (largest table)", [
        ("slab object size", "mem_obj", "B", "low", None),
        ("slab pages / connections", "mem_slab", "B", "low", None),
        ("hash table / connections", "mem_table", "B", "low", None),
        ("total (slab + table)", "mem_total", "B", "low", None),
        ("Slab: in /proc/meminfo, delta / conns", "mem_slabdelta", "B", "low", None),
    ]),
]

# Derived rows: (label, numerator metric, denominator metric).
DERIVED = {
    "New-connection cost against real servers (NAT; director CPU)": [
        ("TCP rr  cost 1000 / 2 dests", "cpc_rr1000", "cpc_rr2"),
        ("TCP wlc cost 1000 / 2 dests", "cpc_wlc1000", "cpc_wlc2"),
        ("UDP rr  cost 1000 / 2 dests", "cpn_rr1000", "cpn_rr2"),
        ("UDP wlc cost 1000 / 2 dests", "cpn_wlc1000", "cpn_wlc2"),
    ],
}

# The targets: metric -> (operator, value, what is compared). The
# new-connection target is judged where the director does all the work, on
# streams of new connections (TCP SYNs, UDP flows): whole TCP lifetimes are
# bound by the end points, and under TCG the director's CPU then mostly
# takes one cross-CPU interrupt per packet, which forwarding pays as much as
# either balancer (see README, Benchmarks).
TARGETS = {
    "cap_nat": (">=", 1.2, "ratio"), "cap_dr": (">=", 1.2, "ratio"),
    "cap_tun": (">=", 1.2, "ratio"), "capsyn_rr2": (">=", 1.3, "ratio"),
    "capn_rr2": (">=", 1.3, "ratio"), "mem_total": ("<=", 128, "vlb"),
}
# Rows shown with a remark in the target column instead.
REMARKS = {"capc_rr2": "not judged: end-point bound"}

# Capacities: the rate one director CPU would sustain, 1e6 / its cost in
# microseconds, per sample (prefix of the cost metric -> of the capacity).
CAPACITY = {"cpp_": "cap_", "cpc_": "capc_", "cpn_": "capn_",
            "cpsyn_": "capsyn_"}

SUBJECTS = ("vlb", "ipvs", "fwd")


def load(path):
    samples = {}        # metric -> subject -> {round: value}
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split()
            if len(w) != 5 or w[0] != "sample":
                continue
            try:
                v = float(w[4])
            except ValueError:
                continue
            samples.setdefault(w[1], {}).setdefault(w[2], {})[int(w[3])] = v
    return samples


def stats(by_round):
    vals = list(by_round.values())
    if not vals:
        return None
    med = statistics.median(vals)
    spread = (max(vals) - min(vals)) / 2 / med * 100 if med else 0.0
    return {"median": med, "min": min(vals), "max": max(vals),
            "spread_pct": spread, "n": len(vals),
            "samples": [by_round[r] for r in sorted(by_round)]}


def paired_ratio(a, b):
    """Median over rounds of a[r] / b[r], for the rounds both have."""
    rs = [a[r] / b[r] for r in a if r in b and b[r]]
    return statistics.median(rs) if rs else None


def fmt(v, unit):
    if v is None:
        return "-"
    if unit in ("pkt/s", "conn/s", "flow/s", "conns") or v >= 1000:
        return "%.0f" % v
    if v >= 100:
        return "%.0f" % v
    return "%.1f" % v


def cell(st, unit):
    if st is None:
        return "-"
    s = fmt(st["median"], unit)
    if st["n"] > 1:
        s += " ±%.0f%%" % st["spread_pct"]
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--json")
    ap.add_argument("--kernel", default="")
    ap.add_argument("--rounds", default="")
    ap.add_argument("--seconds", default="")
    a = ap.parse_args()
    samples = load(a.log)
    if not samples:
        print("report: no samples in %s" % a.log)
        return 1
    for m in list(samples):
        for cost, cap in CAPACITY.items():
            if m.startswith(cost):
                samples[cap + m[len(cost):]] = {
                    subj: {r: 1e6 / v for r, v in by.items() if v > 0}
                    for subj, by in samples[m].items()}

    # The table section's rows depend on which sizes ran (1m, or 100k when
    # quick).
    sizes = sorted({m[4:] for m in samples if m.startswith("pps_") and
                    m[4:].endswith(("k", "m"))},
                   key=lambda s: float(s[:-1]) * (1e6 if s[-1] == "m" else 1e3))
    rows_table = []
    for s in sizes:
        rows_table += [
            ("%-4s entries reached" % s, "entries_" + s, "conns", "high", None),
            ("%-4s packets/s" % s, "pps_" + s, "pkt/s", "high", None),
            ("%-4s director CPU per packet" % s, "cpp_" + s, "us", "low", None),
            ("%-4s capacity, 1/CPU cost" % s, "cap_" + s, "pkt/s", "high", None),
            ("%-4s memory per connection" % s, "memt_" + s, "B", "low", None),
        ]
    derived = dict(DERIVED)
    if len(sizes) >= 2:
        derived["Connection table: established UDP NAT over every entry"] = [
            ("cost per packet %s / %s" % (big, sizes[0]),
             "cpp_" + big, "cpp_" + sizes[0]) for big in sizes[1:]]

    out = {"kernel": a.kernel, "rounds": a.rounds, "elapsed_s": a.seconds,
           "metrics": {}, "ratios": {}, "derived": {}, "targets": {}}
    lines = []
    header = "%-40s %14s %14s %14s %9s  %s" % ("metric", "vlb", "ipvs", "fwd",
                                               "vlb/ipvs", "target")
    lines.append("vlb bench%s: median of %s round(s), ±: half the spread"
                 % (" on " + a.kernel if a.kernel else "", a.rounds or "?"))
    seen = set()
    for title, rows in SECTIONS:
        if title.startswith("Connection table"):
            rows = rows_table
        rows = [r for r in rows if r[1] in samples]
        drows = [d for d in derived.get(title, [])
                 if d[1] in samples and d[2] in samples]
        if not rows and not drows:
            continue
        lines.append("")
        lines.append("== " + title)
        lines.append(header)
        for label, metric, unit, better, fwd_metric in rows:
            by = samples[metric]
            st = {s: stats(by[s]) if s in by else None for s in SUBJECTS}
            if fwd_metric and st["fwd"] is None and fwd_metric in samples:
                st["fwd"] = stats(samples[fwd_metric].get("fwd", {}))
            ratio = None
            if "vlb" in by and "ipvs" in by:
                ratio = paired_ratio(by["vlb"], by["ipvs"])
            target = REMARKS.get(metric, "")
            if metric in TARGETS:
                op, val, what = TARGETS[metric]
                got = ratio if what == "ratio" else (
                    st["vlb"]["median"] if st["vlb"] else None)
                if got is not None:
                    ok = got >= val if op == ">=" else got <= val
                    target = "%s %s%g %s" % ("vlb" if what == "vlb" else "ratio",
                                             op, val, "ok" if ok else "MISSED")
                    out["targets"][metric] = {"want": "%s %g" % (op, val),
                                              "got": got, "ok": ok}
            lines.append("%-40s %14s %14s %14s %9s  %s" % (
                label + " (" + unit + ")", cell(st["vlb"], unit),
                cell(st["ipvs"], unit), cell(st["fwd"], unit),
                "%.2f" % ratio if ratio is not None else "-", target))
            if metric not in seen:
                seen.add(metric)
                out["metrics"][metric] = {"unit": unit, "better": better,
                                          **{s: st[s] for s in SUBJECTS if st[s]}}
                if ratio is not None:
                    out["ratios"][metric] = ratio
        for label, num, den in drows:
            vals = {}
            for s in ("vlb", "ipvs"):
                n, d = samples[num].get(s, {}), samples[den].get(s, {})
                vals[s] = paired_ratio(n, d) if n and d else None
            lines.append("%-40s %14s %14s %14s %9s" % (
                label, "%.2f" % vals["vlb"] if vals["vlb"] else "-",
                "%.2f" % vals["ipvs"] if vals["ipvs"] else "-", "-", ""))
            out["derived"][label.strip()] = vals
    lines.append("")
    lines.append("CPU: the director's (CPU 1) busy time per packet or "
                 "connection; capacity: 1e6 / that,")
    lines.append("the rate one director CPU would sustain; received: what "
                 "the real server got (often")
    lines.append("bounded by the generator or the end points, not the "
                 "director). Only ratios mean anything.")
    print("\n".join(lines))
    if a.json:
        out["samples"] = samples
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
