#!/usr/bin/env node
// `npm run check:cycles` (part of `npm test`): no import cycles, between files or between the
// folders of lib/ (docs/architecture.md, "Code layout"). dependency-cruiser reads the imports
// (TypeScript paths included); a cycle is any strongly connected group of two or more.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

process.chdir(path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const result = await cruise(
  ['lib', 'app', 'bin'],
  {
    exclude: { path: '\\.test\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    outputType: 'json',
  },
  undefined,
  { tsConfig: extractTSConfig('tsconfig.json') },
);
const { modules } = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;

/** Edges between files, and between lib/ folders, each with one file-level example. */
const fileEdges = new Map();
const folderEdges = new Map();
const example = new Map();
const folderOf = (file) => (file.startsWith('lib/') ? file.split('/')[1] : undefined);
const add = (edges, from, to) => (edges.get(from) ?? edges.set(from, new Set()).get(from)).add(to);

for (const file of modules) {
  for (const dependency of file.dependencies) {
    if (dependency.couldNotResolve || dependency.coreModule || dependency.resolved.startsWith('node_modules/')) continue;
    add(fileEdges, file.source, dependency.resolved);
    const [from, to] = [folderOf(file.source), folderOf(dependency.resolved)];
    if (from && to && from !== to) {
      add(folderEdges, from, to);
      if (!example.has(`${from}>${to}`)) example.set(`${from}>${to}`, `${file.source} imports ${dependency.resolved}`);
    }
  }
}

/** Tarjan's strongly connected components, iteratively; only groups of two or more. */
function cycles(edges) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  let next = 0;
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work = [[start, [...(edges.get(start) ?? [])], 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, targets] = frame;
      if (frame[2] < targets.length) {
        const target = targets[frame[2]++];
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push([target, [...(edges.get(target) ?? [])], 0]);
        } else if (onStack.has(target)) {
          low.set(node, Math.min(low.get(node), index.get(target)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === index.get(node)) {
        const group = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          group.push(member);
        } while (member !== node);
        if (group.length > 1) found.push(group.sort());
      }
    }
  }
  return found;
}

const fileCycles = cycles(fileEdges);
const folderCycles = cycles(folderEdges);
for (const group of fileCycles) console.error(`Import cycle between files: ${group.join(', ')}`);
for (const group of folderCycles) {
  console.error(`Import cycle between folders of lib/: ${group.join(', ')}`);
  for (const from of group) {
    for (const to of group) {
      if (folderEdges.get(from)?.has(to)) console.error(`  ${from} → ${to}: ${example.get(`${from}>${to}`)}`);
    }
  }
}
if (fileCycles.length + folderCycles.length > 0) process.exit(1);
console.log(`No import cycles among ${modules.length} files and the ${folderEdges.size} folders of lib/ that import others.`);
