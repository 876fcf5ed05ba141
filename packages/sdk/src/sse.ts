// Server-Sent Events parsing (WHATWG HTML §9.2) for streams read through fetch, since EventSource cannot send
// an Authorization header.

export interface SseEvent {
  /** `event:` field; "message" when absent. */
  event: string;
  /** `data:` lines joined with "\n". */
  data: string;
  /** Last `id:` seen, if any. */
  id?: string;
}

/** A job event is a few KB; a line or an event longer than this is a broken or hostile stream, not progress. */
export const MAX_SSE_LINE_CHARS = 4 * 1024 * 1024;

/** Incremental parser: feed decoded text in arbitrary chunks, get complete events back. */
export class SseParser {
  private buffer = '';
  private eventType = '';
  private dataLines: string[] = [];
  /** Characters in `dataLines`, counted as they come (the cap below must not re-add them on every chunk). */
  private dataChars = 0;
  private lastEventId: string | undefined;

  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const lineEnd = this.findLineEnd(start);
      if (lineEnd === null) break;
      const event = this.processLine(this.buffer.slice(start, lineEnd.index));
      if (event) events.push(event);
      start = lineEnd.next;
    }
    this.buffer = this.buffer.slice(start);
    const pending = this.buffer.length + this.dataChars;
    if (pending > MAX_SSE_LINE_CHARS) {
      throw new Error(`The event stream sent ${pending} characters without ending an event (at most ${MAX_SSE_LINE_CHARS}): not a job stream.`);
    }
    return events;
  }

  /** Flushes at end of stream. Per spec, an event without its terminating blank line is discarded. */
  end(): SseEvent[] {
    const events = this.buffer.length > 0 ? this.push('\n') : [];
    this.buffer = '';
    this.eventType = '';
    this.dataLines = [];
    this.dataChars = 0;
    return events;
  }

  private findLineEnd(from: number): { index: number; next: number } | null {
    for (let i = from; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch === '\n') return { index: i, next: i + 1 };
      if (ch === '\r') {
        // A trailing "\r" may be the first half of "\r\n" split across chunks: wait for more.
        if (i + 1 === this.buffer.length) return null;
        return { index: i, next: this.buffer[i + 1] === '\n' ? i + 2 : i + 1 };
      }
    }
    return null;
  }

  private processLine(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventType = value;
    else if (field === 'data') {
      this.dataLines.push(value);
      this.dataChars += value.length;
    }
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const hasData = this.dataLines.length > 0;
    const event: SseEvent = { event: this.eventType || 'message', data: this.dataLines.join('\n') };
    if (this.lastEventId !== undefined) event.id = this.lastEventId;
    this.eventType = '';
    this.dataLines = [];
    this.dataChars = 0;
    return hasData ? event : undefined;
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
