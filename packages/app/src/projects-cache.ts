// The last project list seen online, so project screens (and offline prediction) open without the server.
import type { Project } from '@offgrid/sdk';
import { getItem, setItem } from './storage.ts';

const KEY = 'projects-cache';

export async function rememberProjects(projects: Project[]): Promise<void> {
  await setItem('settings', KEY, projects);
}

export async function rememberProject(project: Project): Promise<void> {
  const known = (await cachedProjects()).filter((p) => p.id !== project.id);
  await rememberProjects([project, ...known]);
}

export async function cachedProjects(): Promise<Project[]> {
  return (await getItem<Project[]>('settings', KEY)) ?? [];
}

export async function cachedProject(projectId: string): Promise<Project | undefined> {
  return (await cachedProjects()).find((p) => p.id === projectId);
}
