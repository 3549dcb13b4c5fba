export * from './types.js';
export { alertEvent, alertEventNeedsBody, ALERT_PARSERS } from './registry.js';
export { alertKey } from './key.js';
export { describeEventFilter, matchEventFilter } from './filter.js';
export * from './grouping/index.js';
export { DEFAULT_FOLLOWUP_SUBJECT, followupMessageId, messageIdDomain, rootMessageId, stripReplyPrefixes, type ThreadOptions, type ThreadPosition, threadHeaders } from './threading.js';
export { type DigestMailInput, digestMail, type FlappingNoticeInput, flappingNotice, type SummaryMailInput, summaryMail } from './notification-mail.js';
