// The part of kustomize that k8s/ uses, for machines without kubectl: a kustomization's resources
// (YAML files, or directories with their own kustomization.yaml) in order, then its patches of the
// form {"$patch": "delete", apiVersion, kind, metadata: {name, namespace}}. Anything else in a
// kustomization is refused, so this cannot silently render differently from kubectl
// (K8sManifestsTest compares the two where kubectl exists).
// Usage: node render.mjs DIR   (the documents as YAML on stdout)
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

const KNOWN = new Set(['apiVersion', 'kind', 'resources', 'patches']);

function render(dir) {
  const kustomization = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
  for (const key of Object.keys(kustomization)) {
    if (!KNOWN.has(key)) throw new Error(`${dir}/kustomization.yaml: '${key}' is not supported here; use kubectl kustomize`);
  }
  let docs = [];
  for (const resource of kustomization.resources || []) {
    const at = path.join(dir, resource);
    if (fs.statSync(at).isDirectory()) {
      docs.push(...render(at));
    } else {
      docs.push(...parseAllDocuments(fs.readFileSync(at, 'utf8')).map((d) => d.toJS()).filter((d) => d));
    }
  }
  for (const { patch } of kustomization.patches || []) {
    const p = JSON.parse(patch);
    if (p.$patch !== 'delete') throw new Error(`${dir}: only delete patches are supported here; use kubectl kustomize`);
    const before = docs.length;
    docs = docs.filter((d) => !(d.apiVersion === p.apiVersion && d.kind === p.kind && d.metadata?.name === p.metadata?.name
      && (d.metadata?.namespace ?? '') === (p.metadata?.namespace ?? '')));
    if (docs.length === before) throw new Error(`${dir}: the patch deletes nothing: ${patch}`);
  }
  return docs;
}

process.stdout.write(render(path.resolve(process.argv[2])).map((d) => stringify(d)).join('---\n'));
