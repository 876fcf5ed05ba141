// `offgrid keys`: API keys of a running server, with its admin key (worker keys for `offgrid worker`, revoking).
import { parseArgs } from 'node:util';
import { explainServerError, SERVER_OPTIONS, SERVER_USAGE, serverClient } from './server-client.ts';

export const KEYS_USAGE = `Usage:
  offgrid keys create --scope worker|admin --name <machine or person> ${SERVER_USAGE}
  offgrid keys list ${SERVER_USAGE} [--json]
  offgrid keys revoke <keyId> ${SERVER_USAGE}
`;

export async function keysCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest, strict: true, allowPositionals: true,
    options: { ...SERVER_OPTIONS, scope: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const client = serverClient(values);
  try {
    switch (action) {
      case 'create': {
        if (values.scope !== 'worker' && values.scope !== 'admin') throw new Error(`--scope must be "worker" (for \`offgrid worker\` on another machine) or "admin"; phones get device keys by pairing.\n${KEYS_USAGE}`);
        if (!values.name) throw new Error(`Name the key with --name <machine or person>: it is how you tell keys apart when one must be revoked.\n${KEYS_USAGE}`);
        const { apiKey, key } = await client.createKey(values.scope, values.name);
        process.stdout.write(values.json ? `${JSON.stringify({ apiKey, key })}\n` : `Created ${key.scope} key "${key.name}" (id ${key.id}). The secret is shown only now:\n${apiKey}\n`);
        return 0;
      }
      case 'list': {
        const keys = await client.listKeys();
        process.stdout.write(values.json ? `${JSON.stringify(keys)}\n` : keys.map((k) => `${k.id}  ${k.scope.padEnd(6)}  ${k.name}${k.revokedAt ? '  (revoked)' : ''}`).join('\n') + '\n');
        return 0;
      }
      case 'revoke': {
        if (positionals.length !== 1) throw new Error(`Give the id of the key to revoke (\`offgrid keys list\` shows them).\n${KEYS_USAGE}`);
        const key = await client.revokeKey(positionals[0]);
        process.stdout.write(`Revoked ${key.scope} key "${key.name}" (${key.id}).\n`);
        return 0;
      }
      default:
        process.stderr.write(KEYS_USAGE);
        return 2;
    }
  } catch (error) {
    throw new Error(explainServerError(error), { cause: error });
  }
}
