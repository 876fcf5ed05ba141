export { buildApp, VERSION, type BuildOptions } from './app.ts';
export { startServer, type ServeOptions, type RunningServer } from './serve.ts';
export { ensureTls, fingerprintOf, lanAddresses } from './tls/certificates.ts';
export { ERRORS, OffgridError } from './errors.ts';
export type { ServerContext } from './context.ts';
