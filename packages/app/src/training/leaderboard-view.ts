// The search's leaderboard (best first, as the server sends it): the best trial highlighted, the trial that
// reported last marked while it trains, and the machine training each trial when the server spreads them over several.
import type { LeaderboardRow } from '@offgrid/sdk';
import { h, percent } from '../dom.ts';
import { familyName, trialStatusText } from './names.ts';

export class LeaderboardView {
  readonly element: HTMLElement;
  private readonly body = h('tbody', {});
  private readonly empty = h('p', { class: 'muted', testid: 'leaderboard-empty' }, 'Trials show up here as the search starts them.');

  constructor() {
    const table = h(
      'table',
      { class: 'leaderboard', testid: 'leaderboard' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Trial'), h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col', class: 'num' }, 'Val acc.'), h('th', { scope: 'col', class: 'num', title: 'Epochs trained' }, 'Ep.'), h('th', { scope: 'col' }, 'Status'))),
      this.body,
    );
    this.element = h('div', { class: 'leaderboard-wrap' }, table, this.empty);
  }

  /** The best row is the first one with a score (rows arrive sorted by validation accuracy). */
  static bestOf(rows: LeaderboardRow[]): LeaderboardRow | undefined {
    return rows.find((row) => row.valAccuracy !== undefined);
  }

  update(rows: LeaderboardRow[], currentTrial: number | undefined): void {
    const best = LeaderboardView.bestOf(rows);
    this.body.replaceChildren(
      ...rows.map((row) => {
        const isBest = row === best;
        const isCurrent = row.trialNumber === currentTrial && row.status === 'running';
        return h(
          'tr',
          {
            class: [isBest ? 'best' : '', isCurrent ? 'current' : ''].join(' ').trim() || undefined,
            testid: 'leaderboard-row',
            'data-trial': row.trialNumber,
            'data-status': row.status,
            'data-best': String(isBest),
            'data-current': String(isCurrent),
            'aria-current': isCurrent ? 'true' : undefined,
            'data-machine': row.machine,
          },
          h('td', {}, `${isBest ? '★ ' : ''}#${row.trialNumber}`),
          h('td', {}, familyName(row.family)),
          h('td', { class: 'num' }, percent(row.valAccuracy)),
          h('td', { class: 'num' }, String(row.epochs)),
          h('td', { class: 'trial-status' }, isCurrent ? '▶ training' : trialStatusText(row.status), row.machine ? h('span', { class: 'muted', testid: 'trial-machine' }, ` on ${row.machine}`) : null),
        );
      }),
    );
    this.empty.hidden = rows.length > 0;
    this.element.dataset.rows = String(rows.length);
  }
}
