#!/usr/bin/env python3
# Why sharded rounds take longer than their bandwidth bound on the simulated cluster (docs/benchmarks.md):
# a fluid model of one sharded round on N hosts with full-duplex links of rate 1 (one range = 1 unit).
# Reduce-scatter: each worker sends range r to owner r (r != self) one owner at a time, in the order
# `order(w, n)` (ShardedClient.push: owners 0, 1, .. N-1, each send blocking until the range is in that
# owner's publication); an owner sends its averaged range to every other worker at once (a stream each)
# once it has all N-1 ranges. Rates: max-min fair sharing of each host's out-link and in-link.
# Prints the round time over the bound 2·(N-1) ranges per link, for the same order in every worker and
# for each worker starting at its successor. Usage: python3 benchmarks/sim/push-order-model.py
def simulate(n, order):
    slice_ = 1.0  # one range
    queues = {w: [r for r in order(w, n) if r != w] for w in range(n)}
    active = {}  # (src, dst, kind) -> remaining
    for w in range(n):
        if queues[w]:
            active[(w, queues[w].pop(0), 'rs')] = slice_
    received = {r: 0 for r in range(n)}; t = 0.0; done_owner = set(); end = {}
    got = {w: 0 for w in range(n)}
    while active:
        # progressive filling
        rate = {f: 0.0 for f in active}; frozen = set()
        cap = {('out', h): 1.0 for h in range(n)}; cap.update({('in', h): 1.0 for h in range(n)})
        while len(frozen) < len(active):
            users = {}
            for f in active:
                if f in frozen: continue
                for l in (('out', f[0]), ('in', f[1])):
                    users.setdefault(l, []).append(f)
            inc = min(cap[l] / len(fs) for l, fs in users.items())
            for f in active:
                if f not in frozen: rate[f] += inc
            for l, fs in users.items():
                cap[l] -= inc * len(fs)
            for l, fs in users.items():
                if cap[l] <= 1e-12:
                    frozen.update(fs)
        dt = min(active[f] / rate[f] for f in active)
        t += dt
        finished = []
        for f in list(active):
            active[f] -= rate[f] * dt
            if active[f] <= 1e-9: finished.append(f)
        for f in finished:
            del active[f]; src, dst, kind = f
            if kind == 'rs':
                received[dst] += 1
                if queues[src]: active[(src, queues[src].pop(0), 'rs')] = slice_
                if received[dst] == n - 1:
                    for w in range(n):
                        if w != dst: active[(dst, w, 'ag')] = slice_
            else:
                got[dst] += 1
                if got[dst] == n - 1: end[dst] = t
    return max(end.values())
for n in (2, 4, 8, 16, 32):
    bound = 2 * (n - 1)  # 2·(N-1) slices per link
    same = simulate(n, lambda w, n: list(range(n)))
    rotated = simulate(n, lambda w, n: [(w + 1 + i) % n for i in range(n)])
    print(f"N={n}: same order {same / bound:.2f}x the bound, rotated order {rotated / bound:.2f}x")
