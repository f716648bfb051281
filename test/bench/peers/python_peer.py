"""The Python anchors: multiprocessing.Pool and ProcessPoolExecutor, driven by JSON lines on stdin (one reply line each)."""
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Pool, get_context, get_start_method


def identity(x):
    return x


def count_primes(limit):
    # Same trial division as test/fixtures/bench/workloads.cjs and primes.ts, so both languages do the same work.
    count = 0
    for n in range(2, limit):
        is_prime = True
        d = 2
        while d * d <= n:
            if n % d == 0:
                is_prime = False
                break
            d += 1
        if is_prime:
            count += 1
    return count


def timed_count_primes(limit):
    start = time.perf_counter()
    count = count_primes(limit)
    return count, start, time.perf_counter()


def timed_sleep(seconds):
    start = time.perf_counter()
    time.sleep(seconds)
    return seconds, start, time.perf_counter()


warm = {}


def warm_pool(key, workers):
    if key not in warm:
        warm[key] = Pool(workers)
    return warm[key]


def warm_executor(workers):
    key = f"ppe{workers}"
    if key not in warm:
        warm[key] = ProcessPoolExecutor(workers)
    return warm[key]


def busy_ms(outcomes):
    return sum((end - start) * 1000 for _, start, end in outcomes)


def handle(cmd):
    op = cmd["op"]
    if op == "hello":
        return {"python": sys.version.split()[0], "start_method": get_start_method()}
    if op == "calibrate":
        # Find the prime-counting limit whose run takes about target_ms here.
        limit = 20000
        while True:
            start = time.perf_counter()
            count_primes(limit)
            ms = (time.perf_counter() - start) * 1000
            if ms > 40:
                limit = int(limit * cmd["target_ms"] / ms)
                start = time.perf_counter()
                count_primes(limit)
                ms = (time.perf_counter() - start) * 1000
                return {"limit": int(limit * cmd["target_ms"] / ms)}
            limit *= 2
    if op == "dispatch":
        n = cmd["n"]
        items = list(range(n))
        variant = cmd["variant"]
        start = time.perf_counter()
        if variant == "pool_map_c1":
            out = warm_pool("pool2", cmd["workers"]).map(identity, items, chunksize=1)
        elif variant == "pool_map_default":
            out = warm_pool("pool2", cmd["workers"]).map(identity, items)
        elif variant == "ppe_map":
            out = list(warm_executor(cmd["workers"]).map(identity, items))
        else:
            raise ValueError(variant)
        wall = (time.perf_counter() - start) * 1000
        if out != items:
            raise RuntimeError("results out of order or wrong")
        return {"wall_ms": wall}
    if op == "cpu_serial":
        start = time.perf_counter()
        outcomes = [timed_count_primes(cmd["limit"]) for _ in range(cmd["tasks"])]
        return {"wall_ms": (time.perf_counter() - start) * 1000, "busy_ms": busy_ms(outcomes)}
    if op in ("cpu_pool", "sleep_pool"):
        fn, args = (timed_count_primes, [cmd["limit"]] * cmd["tasks"]) if op == "cpu_pool" else (timed_sleep, cmd["durations"])
        workers = cmd["workers"]
        start = time.perf_counter()
        if cmd["cold"]:
            # Pool start counted: the pool is created inside the timed region, as a script that runs once does.
            pool = Pool(workers)
            outcomes = pool.map(fn, args, chunksize=1)
            wall = (time.perf_counter() - start) * 1000
            pool.close()
            pool.join()
        else:
            outcomes = warm_pool(f"{op}{workers}", workers).map(fn, args, chunksize=1)
            wall = (time.perf_counter() - start) * 1000
        return {"wall_ms": wall, "busy_ms": busy_ms(outcomes)}
    if op in ("spawn_dispatch", "spawn_cpu"):
        # The Python comparison: the same start method as Parallel Runner's Python pools (spawn), warm or cold.
        workers = cmd["workers"]
        fn, args, chunksize = (identity, list(range(cmd["n"])), cmd.get("chunksize")) if op == "spawn_dispatch" else (count_primes, [cmd["limit"]] * cmd["tasks"], 1)
        start = time.perf_counter()
        if cmd.get("cold"):
            pool = get_context("spawn").Pool(workers)
            out = pool.map(fn, args, chunksize=chunksize)
            wall = (time.perf_counter() - start) * 1000
            pool.close()
            pool.join()
        else:
            key = f"spawn{workers}"
            if key not in warm:
                warm[key] = get_context("spawn").Pool(workers)
                warm[key].map(identity, range(workers * 4))
                start = time.perf_counter()
            out = warm[key].map(fn, args, chunksize=chunksize)
            wall = (time.perf_counter() - start) * 1000
        if op == "spawn_dispatch" and out != args:
            raise RuntimeError("results out of order or wrong")
        return {"wall_ms": wall}
    raise ValueError(f"unknown op {op}")


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd["op"] == "quit":
            break
        try:
            reply = {"ok": True, **handle(cmd)}
        except Exception as error:  # the bench reports it instead of hanging
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    for pool in warm.values():
        if isinstance(pool, ProcessPoolExecutor):
            pool.shutdown()
        else:
            pool.terminate()


if __name__ == "__main__":
    main()
