/** Gzips bytes with the platform's CompressionStream (browsers, Node 18+, React Native with a polyfill). */
export async function gzip(data: Blob | Uint8Array): Promise<Uint8Array> {
  const blob = data instanceof Uint8Array ? new Blob([data as Uint8Array<ArrayBuffer>]) : data;
  const stream = blob.stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
