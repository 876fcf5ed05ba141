// Worker entry point. Workers do not inherit the parent's module loader hooks reliably, and the
// engine runs from TypeScript source, so register tsx here before loading the real worker
// (`workerData.entry`, relative to this file).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
