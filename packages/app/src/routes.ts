// Hash routes: `#/` (projects) and `#/projects/<id>/<tab>`.

export type ProjectTab = 'capture' | 'data' | 'train' | 'predict' | 'models';
export const PROJECT_TABS: readonly ProjectTab[] = ['capture', 'data', 'train', 'predict', 'models'];

export type Route = { name: 'projects' } | { name: 'project'; projectId: string; tab: ProjectTab };

export function parseRoute(hash: string): Route {
  const [, section, id, tab] = hash.replace(/^#/, '').split('/');
  if (section === 'projects' && id) {
    const known = PROJECT_TABS.find((t) => t === tab);
    return { name: 'project', projectId: decodeURIComponent(id), tab: known ?? 'capture' };
  }
  return { name: 'projects' };
}

export function routeHash(route: Route): string {
  return route.name === 'projects' ? '#/' : `#/projects/${encodeURIComponent(route.projectId)}/${route.tab}`;
}
