import { serveCommand } from './serve-command.ts';

const USAGE = `offgrid — offline AutoML for phones

Usage:
  offgrid serve [--port 8000] [--host 0.0.0.0] [--data ./offgrid-data] [--insecure-http]
      Start the LAN server: stores data, trains models, serves the phone app.
  offgrid help
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}
