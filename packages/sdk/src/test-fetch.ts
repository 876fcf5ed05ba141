// A scripted `fetch` for tests: the only boundary the SDK tests fake.
import type { FetchLike } from './client.ts';

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: RequestInit['body'];
  /** Everything passed to fetch (e.g. `duplex` for streamed bodies). */
  init: RequestInit & Record<string, unknown>;
}

export type FakeRoute = (request: RecordedRequest) => Response | Promise<Response>;

export function fakeFetch(route: FakeRoute): { fetch: FetchLike; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetch: FetchLike = async (url, init = {}) => {
    const request: RecordedRequest = {
      url,
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string> | undefined) },
      body: init.body,
      init: init as RecordedRequest['init'],
    };
    requests.push(request);
    return route(request);
  };
  return { fetch, requests };
}

export function jsonResponse(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

/** A response whose body arrives in the given chunks (to exercise split SSE frames). */
export function streamedResponse(chunks: string[], options: { failAfterChunks?: boolean } = {}): Response {
  const encoder = new TextEncoder();
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(encoder.encode(chunks[index++]));
      else if (options.failAfterChunks) controller.error(new TypeError('network connection lost'));
      else controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}
