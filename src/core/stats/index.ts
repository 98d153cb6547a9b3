/** Statistics for comparing runs across seeds: pure, usable from the CLI, the host and the webviews. */
export * from './holm';
export * from './numbers';
export * from './power';
export * from './studentT';
export * from './summary';
export * from './tTests';
export * from './verdict';
