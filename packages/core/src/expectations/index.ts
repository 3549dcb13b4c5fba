// The dead-man's switch: what the router records, the checker decides, and the CLI shows (docs/guards.md).
export { expectationKind } from './kind.js';
export { expectationsNeedBody, instanceOf, matchExpectations, pingKind, SINGLE_INSTANCE, type ExpectationMatch, type ExpectationMiss, type ExpectationPing, type PingKind } from './match.js';
export {
  assess,
  decide,
  dueTimes,
  lastPing,
  EXPECTATION_STATUSES,
  type AlertRecord,
  type ExpectationStatus,
  type ExpectationTiming,
  type InstanceSeen,
  type Notice,
  type NoticeKind,
} from './state.js';
export { createExpectationStore, MAX_INSTANCES, type ExpectationStore, type InstanceState } from './store.js';
export { noticeId, noticeMail, noticeSubject, noticeThreadKey, notifyRecipients, type NoticeInput } from './notice-mail.js';
