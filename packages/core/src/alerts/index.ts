export * from './types.js';
export { alertEvent, alertEventNeedsBody, ALERT_PARSERS } from './registry.js';
export { alertKey } from './key.js';
export { describeEventFilter, matchEventFilter } from './filter.js';
export * from './grouping/index.js';
