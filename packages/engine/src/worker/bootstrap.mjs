// Worker entry point. Workers do not inherit the parent's module loader hooks reliably, and the
// engine runs from TypeScript source, so register tsx here before loading the real worker.
import { register } from 'tsx/esm/api';

register();
await import('./training-worker.ts');
