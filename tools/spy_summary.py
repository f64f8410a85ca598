"""What a py-spy recording (``py-spy record -f raw``, as tools/bench_cpu.py
makes with PY_SPY set) says: the share of samples by frame, on its own
(self) and with what it called (inclusive).

    python -m tools.spy_summary /tmp/single-activity.txt [top]
"""
import collections
import re
import sys

_PREFIXES = (r".*/site-packages/", r".*/lib/python3\.\d+/", r".*/perf5/", r".*/xianfeng/")


def _short(frame):
    for prefix in _PREFIXES:
        frame = re.sub(prefix, "", frame)
    return frame


def summarise(path, top=25, out=print):
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    with open(path) as f:
        for line in f:
            stack, _, n = line.rstrip().rpartition(" ")
            if not stack:
                continue
            n = int(n)
            total += n
            frames = [_short(x) for x in stack.split(";")]
            own[frames[-1]] += n
            for frame in set(frames):
                inclusive[frame] += n
    out(f"{path}: {total} samples")
    for title, counter, k in (("self", own, top), ("inclusive", inclusive, 2 * top)):
        out(f"-- {title}")
        for frame, n in counter.most_common(k):
            out(f"{n * 100 / max(total, 1):5.1f}% {frame}")


if __name__ == "__main__":
    summarise(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
