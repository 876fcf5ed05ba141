#!/usr/bin/env node
// Offgrid runs from its TypeScript sources: register the tsx loader, then hand over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
