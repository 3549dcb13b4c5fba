export { consoleKeys } from './keys.js';
export { RATE_SERIES, rateDeltas, rateTotals, rateWindow, type CounterReading, type RateMinute, type RateSeries } from './rates.js';
export { RATE_SAMPLE_MS, startRateSampler } from './rate-sampler.js';
export { createMessageIndex, indexEntry, matchesQuery, type IndexedMessage, type MessageIndex, type MessageQuery } from './message-index.js';
export { createAuditLog, type AuditEntry } from './audit-log.js';
