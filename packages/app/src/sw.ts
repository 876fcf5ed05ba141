// Service worker: makes the app start and predict without the server. Built on its own by
// vite-service-worker.ts, which replaces the constants below with the build's file list and versions.
//
// - The app shell (index.html, hashed JS/CSS, icons, manifest) is precached at install, versioned by content.
// - LiteRT.js has four ~9.5 MB wasm builds and a phone uses one: the page tells us which (message
//   'cache-runtime') and we cache just that one; any other /litert/ file is cached the first time it is used.
// - The API is never cached or intercepted: the app keeps its own data (keys, models, outbox) in IndexedDB.
export {};

declare const OFFGRID_PRECACHE: string[];
declare const OFFGRID_SHELL_VERSION: string;
declare const OFFGRID_LITERT_VERSION: string;

// The few ServiceWorkerGlobalScope types used here (the app's tsconfig has the DOM lib, not WebWorker).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface ExtendableMessageEvent extends ExtendableEvent {
  readonly data: unknown;
  readonly ports: readonly MessagePort[];
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification;
}
interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface WorkerScope {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: {
    claim(): Promise<void>;
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  addEventListener(type: 'notificationclick', listener: (event: NotificationEvent) => void): void;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  addEventListener(type: 'message', listener: (event: ExtendableMessageEvent) => void): void;
}
declare const self: WorkerScope;

export type SwRequest = { type: 'cache-runtime'; urls: string[] };
export type SwReply = { ok: true; cached: string[] } | { ok: false; error: string };

const SHELL_CACHE = `offgrid-shell-${OFFGRID_SHELL_VERSION}`;
const LITERT_CACHE = `offgrid-litert-${OFFGRID_LITERT_VERSION}`;
const SHELL_URLS = new Set(OFFGRID_PRECACHE);
const INDEX_URL = '/index.html';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      // `reload` skips the HTTP cache so a new version never precaches stale files.
      await cache.addAll(OFFGRID_PRECACHE.map((url) => new Request(url, { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL_CACHE, LITERT_CACHE]);
      for (const name of await caches.keys()) {
        if (name.startsWith('offgrid-') && !keep.has(name)) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/ca.crt') return; // network only, not intercepted
  if (request.mode === 'navigate') return event.respondWith(appShell(request));
  if (url.pathname.startsWith('/litert/')) return event.respondWith(cacheFirst(LITERT_CACHE, request, true));
  if (SHELL_URLS.has(url.pathname)) return event.respondWith(cacheFirst(SHELL_CACHE, request, false));
});

self.addEventListener('message', (event) => {
  const message = event.data as SwRequest | undefined;
  if (message?.type !== 'cache-runtime') return;
  const port = event.ports[0];
  event.waitUntil(
    cacheRuntime(message.urls).then(
      (cached) => port?.postMessage({ ok: true, cached } satisfies SwReply),
      (error: unknown) => port?.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) } satisfies SwReply),
    ),
  );
});

/** A tap on "model ready": focus the open app on the page the notification names, or open it there. */
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const wanted = (event.notification.data as { url?: string } | null)?.url ?? '/';
  const target = new URL(wanted, self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (!open) return self.clients.openWindow(target);
      await open.focus();
      return open.navigate(target).catch(() => undefined);
    })(),
  );
});

/** Navigations get the precached index.html (the hash router does the rest), so the app opens offline. */
async function appShell(request: Request): Promise<Response> {
  const cached = await caches.match(INDEX_URL, { cacheName: SHELL_CACHE });
  return cached ?? fetch(request);
}

async function cacheFirst(cacheName: string, request: Request, store: boolean): Promise<Response> {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (store && response.ok && response.status === 200) await cache.put(request, response.clone());
  return response;
}

async function cacheRuntime(urls: string[]): Promise<string[]> {
  const cache = await caches.open(LITERT_CACHE);
  for (const url of urls) {
    const path = new URL(url, self.location.origin).pathname;
    if (!path.startsWith('/litert/')) throw new Error(`Only LiteRT.js runtime files are cached on request, not ${path}.`);
    if (await cache.match(path)) continue;
    const response = await fetch(path, { cache: 'reload' });
    if (!response.ok) throw new Error(`Could not fetch ${path} for offline use: HTTP ${response.status}.`);
    await cache.put(path, response);
  }
  return urls;
}
