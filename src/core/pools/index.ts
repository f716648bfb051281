// The pool layer: two backends behind WorkerPool, a dispatcher for task lists, and the warm-pool cache.
export { ProcessPool } from './processPool';
export { PythonPool, type PythonRepr } from './pythonPool';
export { dispatchTasks, type DispatchedTask, type DispatchRequest } from './taskDispatch';
export { ThreadPool } from './threadPool';
export { WarmPools, createPool } from './warmPools';
export { poolKey, type BatchControl, type BatchReply, type PoolConfig, type WorkerPool } from './workerPool';
export { leftoverProcessesWarning } from './runLimits';
export type { ProcessInfo } from './processTree';
