import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrialResult } from '@offgrid/engine';
import { TrialBoard } from './trial-board.ts';

const result = (epochs: number) => ({ epochs, tflite: new Uint8Array([epochs]) }) as unknown as TrialResult;

test('a result is counted once, however often it is delivered; late ones are unwanted', async () => {
  const board = new TrialBoard();
  const waiting = board.expect('r-1', {});
  assert.equal(board.commit('r-1', result(3)), 'counted');
  assert.equal(board.commit('r-1', result(4)), 'duplicate', 'a second delivery (the redo of a worker presumed dead) is ignored');
  assert.equal(board.fail('r-1', 'late error'), 'duplicate');
  assert.equal((await waiting).epochs, 3, 'the first delivery is the one the search gets');
  const dropped = board.expect('r-2', {});
  board.drop('r-2', new Error('pruned'));
  await assert.rejects(dropped, /pruned/);
  assert.equal(board.commit('r-2', result(1)), 'unwanted');
  assert.equal(board.progress('r-2', { epoch: 1, epochs: 2 } as never), false, 'its worker is told to stop');
});

test('checkpoints only move forward, and the newest is where a redo resumes', () => {
  const board = new TrialBoard();
  const seen: number[] = [];
  void board.expect('r-1', { onCheckpoint: (c) => seen.push(c.epoch) }, { epoch: 1, optimizerStep: 5, bytes: new Uint8Array([1]) });
  assert.equal(board.latestCheckpoint('r-1')?.epoch, 1, 'an ASHA promotion starts from the checkpoint it came with');
  assert.equal(board.checkpoint('r-1', { epoch: 2, optimizerStep: 10, bytes: new Uint8Array([2]) }), true);
  assert.equal(board.checkpoint('r-1', { epoch: 1, optimizerStep: 5, bytes: new Uint8Array([9]) }), true);
  assert.deepEqual([board.latestCheckpoint('r-1')?.epoch, seen], [2, [2]], 'a late older epoch does not rewind the trial');
});

test('workers may read only the inputs of queued trials', () => {
  const board = new TrialBoard();
  board.allowInput('a'.repeat(64));
  assert.equal(board.mayRead('a'.repeat(64)), true);
  assert.equal(board.mayRead('b'.repeat(64)), false);
});

test('events say which machine runs which trial, once per change', () => {
  const events: string[] = [];
  const machines: (string | undefined)[] = [];
  const board = new TrialBoard((event) => events.push(`${event.trialId} ${event.what} on ${event.worker}`));
  void board.expect('r-1', { onProgress: (progress) => machines.push(progress.machine) });
  board.progress('r-1', { epoch: 1 } as never, 'lab-pc-2');
  board.progress('r-1', { epoch: 2 } as never, 'lab-pc-2');
  board.progress('r-1', { epoch: 1 } as never, 'lab-pc-3');
  board.commit('r-1', result(2), 'lab-pc-3');
  board.commit('r-1', result(2), 'lab-pc-2');
  assert.deepEqual(events, ['r-1 running on lab-pc-2', 'r-1 running on lab-pc-3', 'r-1 delivered on lab-pc-3']);
  assert.deepEqual(machines, ['lab-pc-2', 'lab-pc-2', 'lab-pc-3'], 'the search hears which machine each report came from');
});
