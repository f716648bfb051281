// Every export format of a RunReport, in one import for the CLI and the extension.
export * from './json';
export * from './csv';
export * from './trace';
export * from './html';
