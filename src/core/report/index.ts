/** Reports of grouped runs: Markdown tables and SVG charts as plain strings (no DOM, no fs). */
export * from './curvesChart';
export * from './epsilonChart';
export * from './epsilonSeries';
export * from './escape';
export * from './format';
export * from './groupsExport';
export * from './headline';
export * from './markdown';
export * from './resultsTable';
export * from './svg';
