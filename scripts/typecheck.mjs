// Type-checks every workspace with its own tsconfig (the app needs DOM types, the server must not see them).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const projects = ['tflite', 'features', 'federated', 'automl', 'engine', 'pipeline', 'sdk', 'server', 'cli', 'app']
  .map((name) => `packages/${name}`)
  .concat(['e2e', 'bench'])
  .filter((dir) => existsSync(`${dir}/tsconfig.json`) && hasTypeScript(dir));

function hasTypeScript(dir) {
  return readdirSync(dir, { recursive: true }).some((file) => String(file).endsWith('.ts') && !String(file).includes('node_modules'));
}
let failed = 0;
for (const dir of projects) {
  try {
    execFileSync('npx', ['tsc', '-p', `${dir}/tsconfig.json`], { stdio: 'inherit' });
  } catch {
    failed++;
    console.error(`typecheck failed in ${dir}`);
  }
}
if (failed) process.exit(1);
console.log(`typecheck ok: ${projects.length} projects`);
