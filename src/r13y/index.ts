export * from './package-name.js';
export * from './path-report.js';
export * from './tally.js';
export * from './summary.js';
export * from './name-search.js';
