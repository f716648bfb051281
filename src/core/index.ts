// What the faces (CLI, VS Code) import from the engine.
export { UserError, type EngineOptions, type RunHandlers, type RunOutcome, type RunRequest, type TargetSelector } from './api';
export { Engine } from './engine';
export { DEFAULT_MAX_LOG_CHARS, DEFAULT_MAX_PREVIEW_CHARS, resolveRunOptions } from './run';
export { amdahlSpeedup, fitAmdahlSerialFraction, spreadOf } from './stats';
export { defaultInputs, parseInputs } from './inputs';
export { listTargets, locateTarget } from './locate';
