// The tasks the trust comparison runs, shared by the comparison (through the CLI) and its outside probe (raw threads).

export type TrustWorkload = 'compute' | 'locked';

export const TRUST_TASKS = 8;
export const COMPUTE_STEPS = 5_000_000;
export const LOCK_ROUNDS = 100;
export const LOCK_STEPS = 40_000;
