export { explainMail, type ExplainInput, type Explained } from './explain-mail.js';
export { explainJson, explainRows } from './explain-text.js';
export { lentRedis, snapshotGroups, type ExplainRedis, type GroupsSource } from './explain-redis.js';
export { deliveredTo, describeRecipients, type DeliveredTo } from './explain-recipients.js';
export { describeGrouping, explainGrouping, type GroupingExplained } from './explain-grouping.js';
