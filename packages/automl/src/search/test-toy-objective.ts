/**
 * A stand-in for training, used by the driver tests and the crash fixture: each "epoch" sleeps, the loss
 * is a 2-D quadratic that improves with epochs, and a checkpoint reference is saved after every epoch.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defineSpace } from '../space/define.ts';
import { floatParam } from '../space/params.ts';
import type { Metrics } from '../storage/trial-storage.ts';
import type { TrialContext } from './search-types.ts';

export const toySpace = defineSpace({ x: floatParam(-3, 3), y: floatParam(-3, 3) });

export interface ToyCall {
  readonly trialNumber: number;
  readonly resource: number;
  readonly fromEpoch: number;
  readonly checkpoint?: string;
}

export function toyObjective(options: { epochMs: number; calls?: ToyCall[] }) {
  return async (config: { readonly x: number; readonly y: number }, resource: number, ctx: TrialContext): Promise<Metrics> => {
    const fromEpoch = ctx.checkpoint?.resource ?? 0;
    options.calls?.push({ trialNumber: ctx.trialNumber, resource, fromEpoch, ...(ctx.checkpoint ? { checkpoint: ctx.checkpoint.ref } : {}) });
    const quality = (config.x - 1) ** 2 + (config.y + 0.5) ** 2;
    // A checkpoint already at `resource` (crash between the last epoch and the rung result) only needs evaluating.
    let metrics: Metrics = { loss: quality + 1 / Math.max(1, fromEpoch) };
    for (let epoch = fromEpoch + 1; epoch <= resource; epoch++) {
      // Check between epochs, never inside one: this is how a real trainer honours the deadline.
      if (ctx.shouldStop()) break;
      await sleep(options.epochMs);
      metrics = { loss: quality + 1 / epoch };
      await ctx.report(epoch, metrics);
      await ctx.saveCheckpoint(`trial-${ctx.trialNumber}-epoch-${epoch}`, epoch);
    }
    return metrics;
  };
}
