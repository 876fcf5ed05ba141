import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureSessions } from './capture-sessions.ts';

const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000).toISOString();

test('captures of a label split into sessions at pauses over two minutes, in any order; labels never share one', () => {
  const samples = [
    { label: 'cat', createdAt: at(0) }, { label: 'cat', createdAt: at(1) }, { label: 'cat', createdAt: at(10) },
    { label: 'dog', createdAt: at(0.5) }, { label: 'cat', createdAt: at(30) }, { label: 'dog', createdAt: at(20) },
    { label: 'dog', createdAt: at(40) }, { label: 'cat', createdAt: at(30.5) },
  ];
  const sessions = captureSessions(samples)!;
  const cat = [0, 1, 2, 4, 7].map((i) => sessions[i]);
  assert.equal(cat[0], cat[1], 'a minute apart: one session');
  assert.notEqual(cat[1], cat[2]);
  assert.equal(cat[3], cat[4]);
  assert.equal(new Set(cat).size, 3);
  const dog = [3, 5, 6].map((i) => sessions[i]);
  assert.equal(new Set(dog).size, 3);
  assert.ok(dog.every((s) => !cat.includes(s)), 'labels never share a session');
});

test('no grouping when a label has fewer than three sessions (one burst of photos)', () => {
  const samples = [
    ...[0, 5, 10].map((m) => ({ label: 'cat', createdAt: at(m) })),
    ...[0, 0.1, 0.2, 0.3].map((m) => ({ label: 'dog', createdAt: at(m) })),
  ];
  assert.equal(captureSessions(samples), undefined);
});
