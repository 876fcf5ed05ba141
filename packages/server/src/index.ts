export { buildApp, VERSION, type BuildOptions, type RegisteredRoute } from './app.ts';
export { startServer, type ServeOptions, type RunningServer } from './serve.ts';
export { ConfigError, DEFAULT_CONFIG, resolveConfig, serveOptionsOf, type ServerConfig } from './config.ts';
export { DEFAULT_RATE_LIMITS, type RateLimitOptions } from './auth/rate-limit.ts';
export { ensureTls, fingerprintOf, lanAddresses, rotateCa, TLS_LIFETIMES, TLS_SERVER_OPTIONS, type EnsureTlsOptions, type TlsMaterial } from './tls/certificates.ts';
export { ERRORS, OffgridError } from './errors.ts';
export { ADMIN_KEY_FILE, announceAdminKey, type AdminKeyNotice } from './admin-key.ts';
export type { ServerContext } from './context.ts';
export { formatBytes } from './storage/disk-full.ts';
