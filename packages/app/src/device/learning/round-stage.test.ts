import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FederatedRound } from '@offgrid/sdk';
import { roundStageOf } from './round-stage.ts';

const round = (status: FederatedRound['status'], you?: FederatedRound['you']) => ({ status, ...(you ? { you } : {}) }) as FederatedRound;

test('a phone resumes a round where its standing says it stopped', () => {
  assert.equal(roundStageOf(round('open')), 'join');
  assert.equal(roundStageOf(round('evaluating')), 'done', 'too late to join');
  assert.equal(roundStageOf(round('open', { status: 'joined', rated: false })), 'train');
  assert.equal(roundStageOf(round('evaluating', { status: 'joined', rated: false })), 'done', 'the round averaged without this phone');
  assert.equal(roundStageOf(round('open', { status: 'submitted', rated: false })), 'wait');
  assert.equal(roundStageOf(round('evaluating', { status: 'submitted', rated: false })), 'rate');
  assert.equal(roundStageOf(round('evaluating', { status: 'submitted', rated: true })), 'wait');
  assert.equal(roundStageOf(round('evaluating', { status: 'rejected', rated: false })), 'done');
  assert.equal(roundStageOf(round('closed', { status: 'submitted', rated: true })), 'done');
});
