import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SSE_LINE_CHARS, SseParser, readSseEvents } from './sse.ts';
import { streamedResponse } from './test-fetch.ts';

function parseAll(chunks: string[]) {
  const parser = new SseParser();
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
}

describe('SseParser', () => {
  it('parses named events with data', () => {
    assert.deepEqual(parseAll(['event: job\ndata: {"a":1}\n\n']), [{ event: 'job', data: '{"a":1}' }]);
  });

  it('joins multi-line data and defaults the event name to "message"', () => {
    assert.deepEqual(parseAll(['data: one\ndata: two\n\n']), [{ event: 'message', data: 'one\ntwo' }]);
  });

  it('handles events split at every character, across CRLF pairs', () => {
    const text = 'event: job\r\ndata: {"status":"running"}\r\n\r\nevent: job\rdata:x\r\r';
    assert.deepEqual(parseAll([...text]), [
      { event: 'job', data: '{"status":"running"}' },
      { event: 'job', data: 'x' },
    ]);
  });

  it('ignores comments, unknown fields and events without data; keeps the last id', () => {
    const events = parseAll([': keep-alive\n\nretry: 100\nfoo: bar\nid: 7\nevent: job\ndata: 1\n\nevent: empty\n\n']);
    assert.deepEqual(events, [{ event: 'job', data: '1', id: '7' }]);
  });

  it('removes only one leading space of a value', () => {
    assert.deepEqual(parseAll(['data:  two spaces\n\n']), [{ event: 'message', data: ' two spaces' }]);
  });

  it('refuses a stream that never ends its line, or its event, instead of buffering it without limit', () => {
    const line = new SseParser();
    assert.throws(() => {
      line.push('data: ');
      for (let sent = 0; sent <= MAX_SSE_LINE_CHARS; sent += 1 << 20) line.push('x'.repeat(1 << 20));
    }, /without ending an event/);
    const event = new SseParser();
    assert.throws(() => {
      for (let sent = 0; sent <= MAX_SSE_LINE_CHARS; sent += 1 << 20) event.push(`data: ${'x'.repeat(1 << 20)}\n`);
    }, /without ending an event/);
  });

  it('discards an event the stream cut off before its blank line', () => {
    assert.deepEqual(parseAll(['data: tail\n\n', 'data: cut off']), [{ event: 'message', data: 'tail' }]);
  });
});

describe('readSseEvents', () => {
  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('event: job\ndata: "café ☕"\n\n');
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, cut));
        controller.enqueue(bytes.subarray(cut));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readSseEvents(stream)) events.push(event);
    assert.deepEqual(events, [{ event: 'job', data: '"café ☕"' }]);
  });

  it('reads a fetch response body', async () => {
    const events = [];
    for await (const event of readSseEvents(streamedResponse(['event: job\nda', 'ta: 1\n\n']).body!)) events.push(event);
    assert.deepEqual(events, [{ event: 'job', data: '1' }]);
  });
});
