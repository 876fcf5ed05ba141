/// <reference types="node" />
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseRoute, routeHash } from './routes.ts';

it('round-trips project routes and defaults to the projects list', () => {
  const route = { name: 'project', projectId: 'a b/c', tab: 'train' } as const;
  assert.deepEqual(parseRoute(routeHash(route)), route);
  assert.deepEqual(parseRoute('#/projects/p1'), { name: 'project', projectId: 'p1', tab: 'capture' });
  assert.deepEqual(parseRoute(''), { name: 'projects' });
  assert.deepEqual(parseRoute('#/nonsense'), { name: 'projects' });
});
