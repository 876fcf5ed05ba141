import type { FederatedRound } from '@offgrid/sdk';

/** What is left for this phone in the round, from its standing (`round.you`): after a reload it resumes there. */
export function roundStageOf(round: FederatedRound): 'join' | 'train' | 'wait' | 'rate' | 'done' {
  if (round.status === 'closed' || round.you?.status === 'rejected') return 'done';
  if (!round.you) return round.status === 'open' ? 'join' : 'done';
  if (round.you.status === 'joined') return round.status === 'open' ? 'train' : 'done';
  if (round.status === 'evaluating' && !round.you.rated) return 'rate';
  return 'wait';
}
