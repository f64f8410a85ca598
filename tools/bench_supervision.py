"""Supervision's timer work per minute, read from its own metrics
(``xianfeng_entrypoint_duration_seconds`` of kind ``timer``) over a quiet
window: what the timers cost when nothing changes. The bench platform runs
the timers every few seconds; the figure is scaled to the production
interval (XF_AUTO_CLOSE_INTERVAL, 60 s by default)."""
import time

from tools.bench_common import Stats

PRODUCTION_INTERVAL = 60.0


def timer_totals(bp):
    samples = bp.metrics("supervision")
    out = {}
    for (name, labels), value in samples.items():
        labels = dict(labels)
        if labels.get("service") == "supervision" and labels.get("kind") == "timer" and \
                name in ("xianfeng_entrypoint_duration_seconds_sum",
                         "xianfeng_entrypoint_duration_seconds_count"):
            key = labels["entrypoint"]
            seconds, count = out.get(key, (0.0, 0.0))
            if name.endswith("_sum"):
                seconds += value
            else:
                count += value
            out[key] = (seconds, count)
    return out


def run(bp, report, backend, interval, repeats=3, window=None, size_label=""):
    window = window or max(3 * interval, 10)
    per_run, per_entry = [], {}
    for _ in range(repeats):
        before = timer_totals(bp)
        time.sleep(window)
        after = timer_totals(bp)
        seconds = runs = 0.0
        for key, (s, c) in after.items():
            s0, c0 = before.get(key, (0.0, 0.0))
            if key == "auto_close":
                seconds, runs = seconds + s - s0, runs + c - c0
            per_entry.setdefault(key, []).append((s - s0, c - c0))
        if runs:
            per_run.append(seconds / runs)
    if not per_run:
        raise RuntimeError(f"no supervision timer ran in {window:.0f} s windows")
    details = ", ".join(f"{k}: {sum(c for _, c in v):.0f} runs, "
                        f"{sum(s for s, _ in v) / max(1, sum(c for _, c in v)) * 1000:.1f} ms each"
                        for k, v in sorted(per_entry.items()))
    report.add(f"supervision timer work per minute, nothing changing{size_label} "
               f"(auto_close once a minute)", backend,
               Stats([s * 60 / PRODUCTION_INTERVAL for s in per_run]).fmt(" s", 3),
               details, "≤ 1 s when nothing changed")
