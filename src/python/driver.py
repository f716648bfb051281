# Parallel Runner's Python pool driver: one process per pool, holding Python's own pool of n workers
# (multiprocessing.Pool for 'processes', concurrent.futures.ThreadPoolExecutor for 'threads').
#
# Usage: python driver.py <processes|threads> <workers> [start method]
# The host writes one JSON message per line on stdin; the driver answers one JSON message per line on the file
# descriptor that was stdout (stdout itself is pointed at stderr, so stray prints from workers or C code cannot
# corrupt the channel). Standard library only, Python 3.8+.
import json
import os
import sys
import threading
import time
import traceback

PROTOCOL = 1
_send_lock = threading.Lock()
_channel = None


def _send(message):
    line = json.dumps(message, separators=(',', ':'), allow_nan=False, default=str) + '\n'
    with _send_lock:
        _channel.write(line)
        _channel.flush()


def _now_us():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000 if hasattr(time, 'clock_gettime_ns') else time.monotonic_ns() // 1000


# ---------------------------------------------------------------------------------------------------------------------
# Per-thread figures: run-queue wait from /proc/thread-self/schedstat (Linux), else absent.

_schedstat = threading.local()


def _read_schedstat():
    fd = getattr(_schedstat, 'fd', None)
    if fd is None:
        if getattr(_schedstat, 'missing', False):
            return None
        try:
            fd = os.open('/proc/thread-self/schedstat', os.O_RDONLY)
        except OSError:
            _schedstat.missing = True
            return None
        _schedstat.fd = fd
    try:
        fields = os.pread(fd, 128, 0).split()
        return int(fields[0]), int(fields[1])
    except (OSError, ValueError, IndexError):
        return None


_status = threading.local()


def _read_voluntary_switches():
    """This thread's voluntary context switches (Linux): a thread waiting for the GIL sleeps on a condition variable every
    switch interval (5 ms), so a CPU-bound task that switches often in a threads pool was waiting for the GIL."""
    fd = getattr(_status, 'fd', None)
    if fd is None:
        if getattr(_status, 'missing', False):
            return None
        try:
            fd = os.open('/proc/thread-self/status', os.O_RDONLY)
        except OSError:
            _status.missing = True
            return None
        _status.fd = fd
    try:
        text = os.pread(fd, 4096, 0)
        at = text.index(b'\nvoluntary_ctxt_switches:')
        return int(text[at + 26:text.index(b'\n', at + 1)])
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------------------------------
# Console capture per task: sys.stdout / sys.stderr write into the running task's buffer on this thread.

class _TaskLog:
    __slots__ = ('lines', 'partial', 'partial_stream', 'partial_us', 'chars', 'limit', 'truncated')

    def __init__(self, limit):
        self.lines = []
        self.partial = ''
        self.partial_stream = 'stdout'
        self.partial_us = 0
        self.chars = 0
        self.limit = limit
        self.truncated = False

    def write(self, stream, text):
        if self.truncated or not text:
            return
        if self.partial and stream != self.partial_stream:
            self._flush_partial()
        if not self.partial:
            self.partial_stream = stream
            self.partial_us = _now_us()
        room = self.limit - self.chars - len(self.partial)
        if len(text) > room:
            text = text[:max(0, room)]
            self.truncated = True
        self.partial += text
        while '\n' in self.partial:
            line, self.partial = self.partial.split('\n', 1)
            self._add(stream, line, self.partial_us)
            self.partial_us = _now_us()

    def _add(self, stream, text, us):
        self.lines.append({'stream': stream, 'text': text, 'timeUs': us})
        self.chars += len(text) + 1

    def _flush_partial(self):
        if self.partial:
            self._add(self.partial_stream, self.partial, self.partial_us)
            self.partial = ''

    def finish(self):
        self._flush_partial()
        return self.lines, self.truncated


_capture = threading.local()


class _CapturedStream:
    """Stands in for sys.stdout/sys.stderr: a running task's text goes to its log, other text to the real stream."""

    def __init__(self, name, real):
        self._name = name
        self._real = real

    def write(self, text):
        log = getattr(_capture, 'log', None)
        if log is None:
            return self._real.write(text)
        log.write(self._name, str(text))
        return len(text)

    def flush(self):
        if getattr(_capture, 'log', None) is None:
            self._real.flush()

    def isatty(self):
        return False

    def __getattr__(self, name):
        return getattr(self._real, name)


def _install_capture():
    if not isinstance(sys.stdout, _CapturedStream):
        sys.stdout = _CapturedStream('stdout', sys.stdout)
    if not isinstance(sys.stderr, _CapturedStream):
        sys.stderr = _CapturedStream('stderr', sys.stderr)


# ---------------------------------------------------------------------------------------------------------------------
# The user's module: imported by path (not as __main__), its folder first on sys.path, once per process and content hash.

_modules = {}
_modules_lock = threading.Lock()
_driver_file = os.path.abspath(__file__)


class ModuleLoadError(Exception):
    def __init__(self, error):
        super().__init__(error['message'])
        self.error = error


def _forget_user_modules(folder):
    """A new version of the file: modules imported from the user's folder are imported afresh (a sibling may have changed)."""
    prefix = folder.rstrip(os.sep) + os.sep
    for name, module in list(sys.modules.items()):
        file = getattr(module, '__file__', None)
        if isinstance(file, str) and os.path.abspath(file).startswith(prefix) and 'site-packages' not in file:
            sys.modules.pop(name, None)


def _load_module(spec):
    key = spec['hash']
    with _modules_lock:
        known = _modules.get(key)
        if known is None:
            known = _import_module(spec)
            _modules[key] = known
    if isinstance(known, ModuleLoadError):
        raise known
    return known


def _import_module(spec):
    import types
    file = spec['file']
    folder = os.path.dirname(file)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    if _modules:
        _forget_user_modules(folder)
    stem = os.path.splitext(os.path.basename(file))[0]
    name = stem if stem.isidentifier() and stem not in sys.modules and stem != '__main__' else '__parallel_runner_user__'
    try:
        # The text run is spec['path'] (the file itself, or a saved copy of an unsaved editor), compiled as the user's file.
        with open(spec['path'], 'rb') as source:
            code = compile(source.read(), file, 'exec')
        module = types.ModuleType(name)
        module.__file__ = file
        sys.modules[name] = module
        log = _TaskLog(4096)
        _capture.log = log
        try:
            exec(code, module.__dict__)
        finally:
            _capture.log = None
        return _resolve_target(module, spec['target'])
    except BaseException as exc:  # noqa: B902 - SystemExit at the top level is a load failure too
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = _describe(exc, file, 'module-load')
        what = 'SystemExit' if isinstance(exc, SystemExit) else error['name']
        error['message'] = 'Loading the module failed: its top-level code raised %s: %s' % (what, error['message'])
        return ModuleLoadError(error)


def _resolve_target(module, target):
    kind, name = target['kind'], target['name']
    if kind == 'static-method':
        cls_name, member = name.split('.', 1)
        fn = getattr(getattr(module, cls_name), member)
        return fn, False
    obj = getattr(module, name)
    if kind == 'class-run':
        def run_instance(*args):
            return obj(*args).run()
        return run_instance, False
    return obj, bool(target.get('isAsync'))


# ---------------------------------------------------------------------------------------------------------------------
# Errors: the exception with its traceback, the innermost frame in the user's file as file:line.

def _describe(exc, user_file, code):
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if os.path.abspath(frame.filename) != _driver_file]
    location = None
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        location = {'file': os.path.abspath(exc.filename), 'line': exc.lineno, 'column': exc.offset or 1}
    user_real = os.path.realpath(user_file) if user_file else None
    folder = os.path.dirname(user_real) if user_real else None
    for frame in reversed(frames):
        real = os.path.realpath(frame.filename)
        if location is None and (real == user_real or (folder and real.startswith(folder + os.sep) and 'site-packages' not in real)):
            column = getattr(frame, 'colno', None)
            location = {'file': os.path.abspath(frame.filename), 'line': frame.lineno or 1, 'column': (column + 1) if column is not None else 1}
    lines = ['Traceback (most recent call last):\n'] + traceback.format_list(frames) if frames else []
    lines += traceback.format_exception_only(type(exc), exc)
    if isinstance(exc, SystemExit):
        message = 'the task called sys.exit(%r)' % (exc.code,)
    else:
        message = str(exc)
    error = {'code': code, 'name': type(exc).__name__, 'message': message, 'stack': ''.join(lines).rstrip()}
    if location:
        error['location'] = location
    return error


# ---------------------------------------------------------------------------------------------------------------------
# Results: JSON when json.dumps takes them as they are, else their repr, marked. Processes also pickle them, as
# multiprocessing would to send them back, so what could not cross processes fails the same way.

def _short_repr(value, limit):
    try:
        if isinstance(value, (list, tuple, dict, set, frozenset)) and len(value) > 1000:
            import reprlib  # a huge container: a bounded rendering (reprlib sorts dict keys, so only here)
            r = reprlib.Repr()
            r.maxlevel, r.maxdict, r.maxlist, r.maxtuple, r.maxset, r.maxfrozenset = 4, 50, 50, 50, 50, 50
            r.maxstring, r.maxother, r.maxlong = limit, limit, limit
            text = r.repr(value)
        else:
            text = repr(value)
    except Exception as exc:  # a broken __repr__
        text = '<%s object (repr failed: %s)>' % (type(value).__qualname__, exc)
    return text if len(text) <= limit else text[:limit - 1] + '\u2026'


def _result_fields(value, index, pickle_check, preview_chars):
    if pickle_check:
        import pickle
        try:
            pickle.dumps(value)
        except Exception as exc:
            kind = type(value).__qualname__
            return None, {
                'code': 'clone',
                'name': 'PicklingError',
                'message': 'Task %d returned a %s, which cannot be pickled to send it from the worker process back to the pool '
                           '(%s: %s). Return plain data (numbers, strings, lists, tuples, dicts), or use the threads backend.'
                           % (index, kind, type(exc).__name__, exc),
            }
    preview = _short_repr(value, preview_chars)
    try:
        text = json.dumps(value, allow_nan=False)
        if len(text) > 1_000_000:
            raise ValueError('too long')
        return {'value': json.loads(text), 'preview': preview}, None
    except (TypeError, ValueError, RecursionError):
        return {'repr': preview, 'type': type(value).__qualname__, 'preview': preview}, None


# ---------------------------------------------------------------------------------------------------------------------
# Running a batch (in a worker process, or on a pool thread).

ANNOUNCE_INTERVAL_US = 1000


def run_batch(batch, announce, pickle_check, count_switches=False):
    """Runs the batch's tasks one after another. Returns ('done', outcomes) or ('failed', error)."""
    _install_capture()
    pid = os.getpid()
    tid = threading.get_native_id()
    try:
        fn, is_async = _load_module(batch['module'])
    except ModuleLoadError as failure:
        return 'failed', failure.error
    if batch.get('preload'):
        return 'done', []
    outcomes = []
    announced = -1 << 62
    limit = batch.get('maxLogChars', 65536)
    preview_chars = batch.get('maxPreviewChars', 2000)
    user_file = batch['module']['file']
    for index, args in batch['tasks']:
        log = _TaskLog(limit)
        _capture.log = log
        before = _read_schedstat()
        switches_before = _read_voluntary_switches() if count_switches else None
        cpu_before = time.thread_time_ns()
        start = _now_us()
        if start - announced >= ANNOUNCE_INTERVAL_US:
            announced = start
            announce(index, pid, tid, start)
        error = None
        value = None
        try:
            value = fn(*args)
            if is_async:
                import asyncio
                value = asyncio.run(value)
        except BaseException as exc:  # noqa: B902 - sys.exit in a task fails the task, the worker lives on
            if isinstance(exc, KeyboardInterrupt):
                raise
            error = _describe(exc, user_file, 'worker-exit' if isinstance(exc, SystemExit) else 'out-of-memory' if isinstance(exc, MemoryError) else 'thrown')
            if isinstance(exc, MemoryError) and _memory_limit_mb:
                error['message'] = ('The task ran out of memory: the worker memory limit is %d MB (raise workerMemoryLimitMb if the task '
                                    'needs more); the worker ran on.' % _memory_limit_mb)
            if isinstance(exc, SystemExit):
                error['message'] += ('; the task failed and the worker ran on. Return a value or raise an exception instead of exiting.')
        end = _now_us()
        cpu_after = time.thread_time_ns()
        after = _read_schedstat()
        switches_after = _read_voluntary_switches() if switches_before is not None else None
        _capture.log = None
        lines, truncated = log.finish()
        outcome = {'index': index, 'pid': pid, 'threadId': tid, 'startUs': start, 'endUs': end, 'logs': lines}
        if truncated:
            outcome['logsTruncated'] = True
        # CPU from the thread's CPU clock (exact, where schedstat's sum is only updated at scheduler events); the wait
        # for a CPU from schedstat's run-queue delay (Linux only: absent elsewhere, never a 0 standing in).
        outcome['cpuMs'] = (cpu_after - cpu_before) / 1e6
        if before and after:
            outcome['waitMs'] = (after[1] - before[1]) / 1e6
        if switches_after is not None:
            outcome['voluntarySwitches'] = switches_after - switches_before
        if error is None:
            fields, error = _result_fields(value, index, pickle_check, preview_chars)
            if fields:
                outcome.update(fields)
        value = None
        if error is not None:
            outcome['error'] = error
        outcomes.append(outcome)
    return 'done', outcomes


# --- processes: code that runs in the pool's worker processes ---------------------------------------------------------

_events = None
_barrier = None


_memory_limit_mb = 0


def _limit_memory(limit_mb):
    """workerMemoryLimitMb for a worker process: its address space may grow by this much beyond what it holds now, so a
    task that allocates more raises MemoryError (its own failure) instead of drawing the system's OOM killer."""
    global _memory_limit_mb
    try:
        import resource
        with open('/proc/self/status') as status:
            vm_kb = next(int(line.split()[1]) for line in status if line.startswith('VmSize:'))
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = vm_kb * 1024 + limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
        _memory_limit_mb = limit_mb
    except (ImportError, OSError, ValueError, StopIteration):
        pass  # not Linux: no limit, as with the threads backend


def _worker_init(events, barrier, memory_limit_mb=0):
    global _events, _barrier
    _events, _barrier = events, barrier
    _install_capture()
    if memory_limit_mb:
        _limit_memory(memory_limit_mb)
    events.put(('ready', os.getpid()))


def _announce_from_worker(batch_id, phase_key):
    def announce(index, pid, tid, start):
        _events.put(('start', batch_id, phase_key, index, pid, tid, start))
    return announce


def _process_batch(batch_id, batch):
    # The driver learns which worker runs a batch from its first task's start; a worker that must first import the module
    # says so now, so a module whose top level never finishes can still be stopped.
    if batch['module']['hash'] not in _modules or not batch.get('tasks'):
        _events.put(('begin', batch_id, os.getpid(), threading.get_native_id()))
    result = run_batch(batch, _announce_from_worker(batch_id, batch.get('phaseKey', '')), True)
    if batch.get('preload'):
        # Hold the preload until every worker has one, so Pool hands one to each worker rather than two to a fast one.
        import threading as _t
        try:
            if _barrier.broken:
                _barrier.reset()  # an earlier preload was stopped midway: start the count afresh
            _barrier.wait(timeout=3)
        except _t.BrokenBarrierError:
            pass
    return batch_id, result


# --- the driver process ---------------------------------------------------------------------------------------------

class ProcessesBackend:
    def __init__(self, workers, start_method, memory_limit_mb=0):
        import multiprocessing
        # This process runs no user code, only hand-offs between its threads (stdin, the pool's task and result handlers,
        # the task-start reader): a short switch interval keeps each hand-off from waiting out the default 5 ms.
        sys.setswitchinterval(0.0002)
        self.ctx = multiprocessing.get_context(start_method or 'spawn')
        self.workers = workers
        self.events = self.ctx.SimpleQueue()
        self.barrier = self.ctx.Barrier(workers)
        self.lock = threading.Lock()
        self.batch_pid = {}  # running batch id -> worker pid
        self.kill_pending = set()
        self.ignored = set()
        self.ready_pids = set()
        self.processes = {}
        self.exit_codes = {}  # pid -> exit code of every worker seen dead (a reused pid is taken out when it says ready)
        self.pool = self.ctx.Pool(workers, initializer=_worker_init, initargs=(self.events, self.barrier, memory_limit_mb))
        threading.Thread(target=self._read_events, daemon=True).start()
        threading.Thread(target=self._watch_workers, daemon=True).start()

    def _read_events(self):
        while True:
            try:
                event = self.events.get()
            except (EOFError, OSError):
                return
            kind = event[0]
            if kind == 'ready':
                with self.lock:
                    self.exit_codes.pop(event[1], None)
                    self.ready_pids.add(event[1])
                    count = len(self.ready_pids)
                _send({'type': 'workers', 'ready': count, 'pid': event[1]})
            elif kind == 'begin':
                self._note_pid(event[1], event[2])
            elif kind == 'start':
                _, batch_id, phase_key, index, pid, tid, start = event
                if self._note_pid(batch_id, pid):
                    _send({'type': 'task-start', 'id': batch_id, 'phaseKey': phase_key, 'index': index, 'pid': pid, 'threadId': tid, 'startUs': start})

    def _note_pid(self, batch_id, pid):
        with self.lock:
            kill = batch_id in self.kill_pending
            if batch_id in self.ignored and not kill:
                return False
            self.batch_pid[batch_id] = pid
        if kill:
            # Stopped before its worker was known (a cancel right after the dispatch): stop that worker now.
            self._kill_batch(batch_id)
            return False
        return True

    def _watch_workers(self):
        """A worker that died under a batch (os._exit, a signal, the OOM killer): multiprocessing.Pool replaces the worker
        but never answers the batch, so the driver does."""
        while True:
            time.sleep(0.05)
            with self.lock:
                pids = list(self.ready_pids)
            # Process objects are kept past the pool's own reaping, which removes them within milliseconds of an exit.
            for process in list(getattr(self.pool, '_pool', [])):
                if process.pid is not None:
                    self.processes[process.pid] = process
            dead = set()
            for pid in pids:
                code = _exit_code(pid, self.processes)
                if code is not None:
                    dead.add(pid)
                    self.exit_codes[pid] = code
            # Batches on any worker known to be dead, not only on those that died since the last look: a worker can announce
            # its batch and exit between two looks, and its batch is then noted after its death was seen.
            with self.lock:
                if dead:
                    self.ready_pids -= dead
                count = len(self.ready_pids)
                running = [(batch_id, pid) for batch_id, pid in self.batch_pid.items() if pid in self.exit_codes]
            for batch_id, pid in running:
                code = self.exit_codes.get(pid)
                if code is None:
                    continue  # its pid came back as a new worker between the two looks
                with self.lock:
                    self.batch_pid.pop(batch_id, None)
                    gone = batch_id in self.ignored
                    self.ignored.add(batch_id)
                if not gone:
                    how = 'was killed by signal %d' % -code if isinstance(code, int) and code < 0 else 'exited with code %s' % code
                    _send({'type': 'failed', 'id': batch_id, 'error': {
                        'code': 'out-of-memory' if code == -9 and _oom_likely() else 'worker-exit',
                        'name': 'WorkerExit',
                        'message': 'Worker process %d %s while running the task (did it call os._exit(), or run out of memory?); '
                                   'the pool replaced the worker and the other tasks ran on.' % (pid, how)}})
            if dead:
                _send({'type': 'workers', 'ready': count})

    def submit(self, batch_id, batch):
        def on_done(result):
            self._finish(batch_id, result[1])

        def on_error(exc):
            self._finish(batch_id, ('failed', {'code': 'internal', 'name': type(exc).__name__, 'message': 'The pool could not run the batch: %s' % exc}))

        self.pool.apply_async(_process_batch, (batch_id, batch), callback=on_done, error_callback=on_error)

    def _finish(self, batch_id, result):
        with self.lock:
            self.batch_pid.pop(batch_id, None)
            if batch_id in self.ignored:
                self.ignored.discard(batch_id)
                return
        _reply(batch_id, result)

    def kill(self, batch_id):
        with self.lock:
            self.ignored.add(batch_id)
            if batch_id not in self.batch_pid:
                self.kill_pending.add(batch_id)
                return
        self._kill_batch(batch_id)

    def _kill_batch(self, batch_id):
        import signal
        with self.lock:
            pid = self.batch_pid.pop(batch_id, None)
            self.kill_pending.discard(batch_id)
        if pid:
            try:
                os.kill(pid, getattr(signal, 'SIGKILL', signal.SIGTERM))
            except OSError:
                pass

    def close(self):
        self.pool.terminate()


def _exit_code(pid, processes):
    process = processes.get(pid)
    if process is not None:
        code = process.exitcode
        if code is not None:
            processes.pop(pid, None)
        return code
    # Not seen yet (started and ended between two looks): ask the system.
    try:
        os.kill(pid, 0)
        return None
    except ProcessLookupError:
        return -9
    except OSError:
        return None


def _oom_likely():
    return False


class ThreadsBackend:
    def __init__(self, workers):
        from concurrent.futures import ThreadPoolExecutor
        self.workers = workers
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix='parallel-runner')
        # Start every thread now (the executor starts them lazily), so whenReady means ready and lanes exist.
        gate = threading.Barrier(workers + 1)
        for _ in range(workers):
            self.executor.submit(gate.wait, 5)
        try:
            gate.wait(5)
        except threading.BrokenBarrierError:
            pass
        _send({'type': 'workers', 'ready': workers})
        self.preload_lock = threading.Lock()

    def submit(self, batch_id, batch):
        phase_key = batch.get('phaseKey', '')

        def announce(index, pid, tid, start):
            _send({'type': 'task-start', 'id': batch_id, 'phaseKey': phase_key, 'index': index, 'pid': pid, 'threadId': tid, 'startUs': start})

        def job():
            try:
                result = run_batch(batch, announce, False, True)
            except BaseException as exc:  # noqa: B902
                result = ('failed', {'code': 'internal', 'name': type(exc).__name__, 'message': str(exc)})
            _reply(batch_id, result)

        self.executor.submit(job)

    def kill(self, batch_id):
        # A Python thread cannot be stopped: the host restarts the whole driver instead.
        pass

    def close(self):
        pass


def _reply(batch_id, result):
    kind, payload = result
    if kind == 'done':
        _send({'type': 'done', 'id': batch_id, 'outcomes': payload})
    else:
        _send({'type': 'failed', 'id': batch_id, 'error': payload})


def main():
    global _channel
    backend_name = sys.argv[1]
    workers = int(sys.argv[2])
    start_method = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    memory_limit_mb = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else 0
    # The channel is a private copy of stdout; fd 1 now points at stderr for anything else that prints.
    _channel = os.fdopen(os.dup(1), 'w', encoding='utf-8', newline='\n')
    os.dup2(2, 1)
    sys.stdout = os.fdopen(1, 'w', buffering=1, closefd=False)
    gil = getattr(sys, '_is_gil_enabled', None)
    _send({
        'type': 'hello', 'protocol': PROTOCOL, 'pid': os.getpid(), 'executable': sys.executable,
        'version': sys.version.split()[0], 'implementation': sys.implementation.name,
        'freeThreaded': bool(gil is not None and not gil()),
        'startMethod': (start_method or 'spawn') if backend_name == 'processes' else None,
        'schedstat': _read_schedstat() is not None,
    })
    backend = ProcessesBackend(workers, start_method, memory_limit_mb) if backend_name == 'processes' else ThreadsBackend(workers)
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        kind = message.get('type')
        if kind == 'batch':
            backend.submit(message['id'], message['batch'])
        elif kind == 'kill':
            backend.kill(message['id'])
        elif kind == 'exit':
            break
    backend.close()
    os._exit(0)


if __name__ == '__main__':
    main()
