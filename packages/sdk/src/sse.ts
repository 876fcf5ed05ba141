// Server-Sent Events read through fetch, since EventSource cannot send an Authorization header. The parsing itself
// (WHATWG HTML §9.2: line endings split across chunks, comments, BOM, ids) is eventsource-parser's, with a cap on
// what a server may send without ending a line.
import { createParser } from 'eventsource-parser';

export interface SseEvent {
  /** `event:` field; "message" when absent. */
  event: string;
  /** `data:` lines joined with "\n". */
  data: string;
  /** Last `id:` seen, if any. */
  id?: string;
}

/** A job event is a few KB; a line longer than this is a broken or hostile stream, not progress. */
export const MAX_SSE_LINE_CHARS = 4 * 1024 * 1024;

/** Incremental parser: feed decoded text in arbitrary chunks, get complete events back. */
export class SseParser {
  private events: SseEvent[] = [];
  private lastEventId: string | undefined;
  private readonly parser = createParser({
    maxBufferSize: MAX_SSE_LINE_CHARS,
    onEvent: ({ event, data, id }) => {
      if (id !== undefined) this.lastEventId = id;
      this.events.push({ event: event || 'message', data, ...(this.lastEventId === undefined ? {} : { id: this.lastEventId }) });
    },
  });

  push(text: string): SseEvent[] {
    this.parser.feed(text);
    const events = this.events;
    this.events = [];
    return events;
  }

  /** Flushes at end of stream. Per spec, an event without its terminating blank line is discarded. */
  end(): SseEvent[] {
    this.parser.reset();
    this.events = [];
    return [];
  }
}

/** Reads a byte stream (e.g. `response.body`) as SSE events until it ends. */
export async function* readSseEvents(stream: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    finished = true;
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    // The consumer stopped early (or reading failed): close the connection instead of leaving it open.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
