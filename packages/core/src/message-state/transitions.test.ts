import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowed, allowedArg, DELIVERY_STATES, MESSAGE_STATES, TRANSITIONS, type DeliveryStateName, type MessageState, type TransitionName } from './transitions.js';

type State = MessageState | DeliveryStateName;

// Written out by hand, not derived from TRANSITIONS: a change to the table must change this too.
const ALLOWED: Record<TransitionName, State[]> = {
  accept: ['gone'],
  withdraw: ['accepted', 'routed'],
  route: ['accepted', 'routed'],
  replay: ['routed'],
  begin: ['queued', 'delivering', 'delivered'],
  defer: ['delivering'],
  deliver: ['queued', 'delivering'],
  deadLetter: ['delivering'],
  retry: ['queued', 'delivering', 'dead'],
  delete: ['queued', 'delivering', 'dead'],
  create: ['gone'],
  fold: ['queued'],
};

const WHY_REFUSED: Array<[TransitionName, State, string]> = [
  ['route', 'gone', 'a message finished, dropped or never stored is not routed again'],
  ['replay', 'accepted', 'a message not yet routed has nothing to replay'],
  ['replay', 'gone', 'a message past keep_for cannot be replayed'],
  ['begin', 'dead', 'a dead letter re-run after a crash is not sent again'],
  ['deliver', 'delivered', 'a second run that also got a 250 does not write the ledger or trace twice'],
  ['deadLetter', 'delivered', 'a delivered delivery is never made a dead letter'],
  ['retry', 'delivered', 'a delivered delivery is never sent again'],
  ['delete', 'delivered', 'a delivered delivery was counted as finished already'],
  ['withdraw', 'gone', 'nothing to withdraw'],
  ['create', 'routed', 'a notification made before is not made again (its flush ran twice)'],
  ['fold', 'delivered', 'a grouping part is never delivered, and a fold never finishes a delivery'],
];

for (const [transition, expected] of Object.entries(ALLOWED) as Array<[TransitionName, State[]]>) {
  const states = TRANSITIONS[transition].of === 'message' ? MESSAGE_STATES : DELIVERY_STATES;
  for (const state of states) {
    const allow = expected.includes(state);
    test(`transition ${transition} is ${allow ? 'allowed' : 'refused'} from ${state}`, () => assert.equal(allowed(transition, state), allow));
  }
}

for (const [transition, state, why] of WHY_REFUSED) {
  test(`refused: ${transition} from ${state} (${why})`, () => assert.equal(allowed(transition, state), false));
}

test('every transition is in the hand-written table', () => assert.deepEqual(Object.keys(ALLOWED).sort(), Object.keys(TRANSITIONS).sort()));

test('the scripts get the allowed states as |a|b|', () => assert.equal(allowedArg('withdraw'), '|accepted|routed|'));
