# Sample workloads for Parallel Runner: the Python multiprocessing tutorial's own functions, scaled to tenths of a second.
#
# How to try it: put the cursor inside a function below and run "Parallel Runner: Run Function in Worker Pool" (or click
# the CodeLens above it), then give the inputs: a JSON array of argument lists such as [[1], [2], [3]], or a JS expression
# that builds one, such as Array.from({ length: 5 }, (_, i) => [i, i + 1]). Each argument list is one task: the serial run
# calls them one after another on one worker, the parallel run hands them to Python's own pool, and the panel shows a
# lane per worker (PID and native thread ID), every task's start and end, and the speedup.
#
# Backends: "processes" is multiprocessing.Pool (start method spawn): one PID per worker. "threads" is
# concurrent.futures.ThreadPoolExecutor in one interpreter: one PID, a native thread ID per worker, and, for CPU-bound
# Python, the GIL: the panel says so. The interpreter is the Python extension's selected one, else the setting
# parallelRunner.pythonPath, else python3 on PATH. Standard library only.
#
# This module is imported in every worker (not run as __main__), so the code under `if __name__ == '__main__':` at the
# bottom (the tutorial's own driver code) does not run there; `python seed_workloads.py` still runs it as the tutorial does.
import concurrent.futures
import os
import threading
import time
from multiprocessing import Pool, Process


def long_time_task(i):
    """The tutorial's long_time_task, sleeping i tenths of a second.

    Try inputs [[3], [2]] on 2 workers: the serial run takes about 0.5 s (3 + 2 tenths) and the parallel run about
    0.3 s, the tutorial's Process(target=long_time_task, args=(3,)) / p.start() / p.join() example. Then [[1], [2], [3],
    [4], [5]] on 5 workers: its Pool(5) with apply_async(long_time_task, args=(i + 1,)) takes about the longest, 0.5 s,
    against 1.5 s serially.
    """
    print(f'Child process: {os.getpid()} - Task: {i}')
    time.sleep(i / 10)
    print(f'Result: {i}')
    return i


def do_something(a, b):
    """The tutorial's do_something, sleeping (a + b) tenths of a second and returning a message.

    Try inputs [[1, 2], [1, 1]] on 2 workers (its apply_async(...).get() and executor.submit(...).result() examples:
    about 0.3 s), or Array.from({ length: 5 }, (_, i) => [i, i + 1]) on 5 workers, its
    starmap_async(do_something, [(i, i + 1) for i in range(5)]): the results come back in input order, the run takes
    about its longest task (0.9 s) against 2.5 s serially.
    """
    seconds = (a + b) / 10
    print(f'Sleeping {seconds} seconds...')
    time.sleep(seconds)
    return f'Done sleeping {seconds} seconds'


class MyProcess(Process):
    """The tutorial's custom process. Each task constructs it with the task's arguments and calls run() in a worker,
    as p.start() calls run() in a child process. Try inputs [[2]] (prints 3 and 4) or [[2], [10], [20]]."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    def step_1(self):
        print(self.value + 1)
        return self.value + 1

    def step_2(self):
        print(self.value + 2)
        return self.value + 2

    def run(self):
        # The tutorial's run() returns None; returning both values lets the panel's result column show them.
        return self.step_1(), self.step_2()


def count_primes(limit):
    """CPU-bound, the kind the tutorial says multiprocessing is for: counts primes below limit by trial division.

    Try inputs [[200000], [200000], [200000], [200000]] on both backends: processes gain up to the number of cores;
    threads stay near 1x, and the panel names the GIL as the cause (on a free-threaded build, 3.13t and later, they don't).
    """
    count = 0
    for n in range(2, limit):
        for d in range(2, int(n ** 0.5) + 1):
            if n % d == 0:
                break
        else:
            count += 1
    print(f'PID {os.getpid()} · thread {threading.get_native_id()}: {count} primes below {limit}')
    return count


class Primes:
    """A static method target: each task calls Primes.count(*args). Try inputs [[100000], [200000]]."""

    @staticmethod
    def count(limit):
        return count_primes(limit)


if __name__ == '__main__':
    # The tutorial's driver code, for `python seed_workloads.py`; Parallel Runner never runs this part.
    print(f'Current mother process: {os.getpid()}')
    start = time.perf_counter()
    long_time_task(3)
    long_time_task(2)
    print(f'Serial: {time.perf_counter() - start:.2f} seconds')

    start = time.perf_counter()
    with Pool(5) as pool:
        print(pool.starmap_async(do_something, [(i, i + 1) for i in range(5)]).get())
    print(f'Pool(5).starmap_async: {time.perf_counter() - start:.2f} seconds')

    start = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor() as executor:
        futures = [executor.submit(do_something, 1, 2), executor.submit(do_something, 1, 1)]
        print([future.result() for future in futures])
    print(f'ProcessPoolExecutor: {time.perf_counter() - start:.2f} seconds')

    p = MyProcess(2)
    p.start()
    p.join()
