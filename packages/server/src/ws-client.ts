import WebSocket from 'ws';

/** What a WebSocket test client saw: the messages until the close, or the HTTP answer that refused the upgrade. */
export type SocketOutcome =
  | { opened: true; protocol: string; messages: string[]; code: number; reason: string }
  | { opened: false; status: number; body: string };

/** Connects, collects every text message and waits for the close (or the refusal). For tests. */
export function openSocket(url: string, protocols: string[], options: { headers?: Record<string, string>; onOpen?: (socket: WebSocket) => void } = {}): Promise<SocketOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), protocols, { headers: options.headers });
    const messages: string[] = [];
    socket.on('open', () => options.onOpen?.(socket));
    socket.on('message', (data) => messages.push(String(data)));
    socket.on('close', (code, reason) => resolve({ opened: true, protocol: socket.protocol, messages, code, reason: String(reason) }));
    // With this listener, ws leaves the refused request open: it is destroyed once the answer is read.
    socket.on('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => {
        request.destroy();
        resolve({ opened: false, status: response.statusCode ?? 0, body });
      });
    });
    socket.on('error', (error) => { if (socket.readyState !== WebSocket.CLOSED) reject(error); });
  });
}
