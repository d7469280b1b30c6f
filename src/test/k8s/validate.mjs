// Checks rendered Kubernetes manifests (kubectl kustomize output on stdin) against the Kubernetes,
// KEDA and Knative schemas of the npm packages kubernetes-models and @kubernetes-models/*: each
// document's runtime validation (types, enums, required fields), then TypeScript's excess-property
// check on every document typed as its model (tsc --strict), which rejects unknown or misspelled
// fields. KEDA triggers' metadata is a free map in the schema: its keys are checked here.
// It also writes the documents as JSON (WORKDIR/manifests.json) for checks against the application.
// Usage: kubectl kustomize k8s/ | node validate.mjs WORKDIR   (exit 1 with the problems)
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = path.resolve(process.argv[2] || 'target/k8s-check');
const docs = parseAllDocuments(fs.readFileSync(0, 'utf8')).map((d) => d.toJS()).filter((d) => d);

/** Where a kind's model lives: core kinds under kubernetes-models, KEDA's under its own package. */
function modelPath({ apiVersion, kind }) {
  if (apiVersion.startsWith('keda.sh/')) return `@kubernetes-models/keda/${apiVersion}/${kind}`;
  if (apiVersion.startsWith('serving.knative.dev/')) return `@kubernetes-models/knative/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

// KEDA's redis-streams scaler reads these keys (keda.sh docs, scalers/redis-streams).
const REDIS_STREAMS_KEYS = new Set(['address', 'addressFromEnv', 'host', 'hostFromEnv', 'port', 'portFromEnv', 'stream',
  'consumerGroup', 'pendingEntriesCount', 'lagCount', 'activationLagCount', 'streamLength', 'databaseIndex', 'enableTLS',
  'unsafeSsl', 'username', 'usernameFromEnv', 'passwordFromEnv']);

const problems = [];
const lines = [];
for (const [i, doc] of docs.entries()) {
  const where = `${doc.kind}/${doc.metadata?.name}`;
  const module = modelPath(doc);
  let Model;
  try {
    Model = (await import(module))[doc.kind];
  } catch (e) {
    problems.push(`${where}: no schema for ${doc.apiVersion} ${doc.kind} (${e.message})`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    problems.push(`${where}: ${e.message}`);
  }
  for (const trigger of doc.kind === 'ScaledObject' ? doc.spec?.triggers || [] : []) {
    if (trigger.type !== 'redis-streams') continue;
    for (const key of Object.keys(trigger.metadata || {})) {
      if (!REDIS_STREAMS_KEYS.has(key)) problems.push(`${where}: redis-streams trigger has no setting '${key}'`);
    }
    for (const key of ['stream', 'consumerGroup']) {
      if (!trigger.metadata?.[key]) problems.push(`${where}: redis-streams trigger needs '${key}'`);
    }
  }
  lines.push(`import type { I${doc.kind} as T${i} } from '${module}';`);
  lines.push(`export const d${i}: T${i} = ${JSON.stringify(doc)};`);
}

fs.mkdirSync(work, { recursive: true });
fs.writeFileSync(path.join(work, 'manifests.json'), JSON.stringify(docs, null, 2));
fs.writeFileSync(path.join(work, 'manifests.ts'), lines.join('\n') + '\n');
fs.writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify({
  compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022',
    skipLibCheck: true, baseUrl: '.', typeRoots: [], paths: { '*': [path.join(here, 'node_modules/*')] } },
  files: ['manifests.ts'],
}, null, 2));
try {
  execFileSync(process.execPath, [path.join(here, 'node_modules/typescript/bin/tsc'), '-p', work], { stdio: 'pipe' });
} catch (e) {
  problems.push(`unknown or mistyped fields (tsc --strict):\n${e.stdout.toString()}`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`${docs.length} documents valid: ${docs.map((d) => `${d.kind}/${d.metadata?.name}`).join(', ')}`);
