/// <reference types="node" />
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isLowBattery } from './battery.ts';

it('is low at 20% or less and only when not charging', () => {
  assert.equal(isLowBattery(0.2, false), true);
  assert.equal(isLowBattery(0.21, false), false);
  assert.equal(isLowBattery(0.05, true), false);
});
