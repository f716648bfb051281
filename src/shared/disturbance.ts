// When other programs disturbed a phase: one definition for the engine's pair selection and warnings and the panel's colours.

/** Other programs using this much of a core during a phase disturb it. */
export const BUSY_OTHER_CORES = 0.25;

/**
 * /proc/stat counts in 10 ms ticks, so a phase shorter than this reads other programs' CPU too coarsely (±0.1 core and
 * worse) to call it disturbed.
 */
export const BUSY_MIN_WALL_MS = 400;
