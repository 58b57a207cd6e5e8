"""The load loop the page benchmarks share (bench/member_list.py, bench/province.py): sign in
once per persona, warm every page up, then load them in interleaved rounds while metering the
CPU that other work takes. The server, the sign-in, the load generator and the meter it drives
are member_list.py's."""

from __future__ import annotations

import member_list as ml


def measure(target: ml.Target, chosen: list[ml.Variant], args) -> tuple[dict, float | None]:
    """Per variant key, its latencies, bad responses, seconds and largest response size; and
    how many CPUs other processes used while it measured (None where it cannot be read).

    Interleaved rounds: on a shared machine the load drifts, and a variant measured a minute
    after its reference would carry the drift into the ratio."""
    password = ml._demo_password()
    personas = sorted({v.persona for v in chosen})
    runs = {v.key: {"latencies": [], "errors": 0, "elapsed": 0.0, "size": 0} for v in chosen}
    with ml.Server(target, args.workers) as server:
        cookies = {p: ml.login(server.port, p, password) for p in personas}
        for variant in chosen:
            ml.hammer(
                server.port,
                variant.path,
                cookies[variant.persona],
                variant.marker.encode(),
                concurrency=args.concurrency,
                seconds=args.warmup,
                max_requests=10**9,
            )
        meter = ml.CpuMeter(server.process.pid, postgres=target.name == "postgres")
        for round_number in range(1, args.rounds + 1):
            for variant in chosen:
                with meter:
                    latencies, errors, elapsed, size = ml.hammer(
                        server.port,
                        variant.path,
                        cookies[variant.persona],
                        variant.marker.encode(),
                        concurrency=args.concurrency,
                        seconds=args.seconds / args.rounds,
                        max_requests=max(1, args.max_requests // args.rounds),
                    )
                run = runs[variant.key]
                run["latencies"] += latencies
                run["errors"] += errors
                run["elapsed"] += elapsed
                run["size"] = max(run["size"], size)
            print(f"  round {round_number}/{args.rounds} done", flush=True)
    return runs, meter.others
