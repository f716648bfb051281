// Build-time constants that esbuild.mjs defines (`define`): each use is replaced by a literal and dead branches dropped.

/** True in development and test builds, false in the packaged extension: test-only hooks sit behind it. */
declare const __TEST__: boolean;
