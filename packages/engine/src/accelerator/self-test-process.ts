// The accelerator self-test (self-test.ts) as a process of its own: the GPU device goes away with it, and what Dawn
// prints on stderr (driver and limit warnings) stays out of the user's terminal. Writes one JSON line on stdout.
//   node --import tsx self-test-process.ts <timedSteps> <skipSoftware: 0|1>
import { selfTest } from './self-test.ts';

const result = await selfTest(Number(process.argv[2]), process.argv[3] === '1');
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0); // Dawn's instance may keep the event loop alive
