// Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): self time per function and
// per source file, so "where does the time go" is one command:
//   node bench/profile-summary.mjs bench/out/profiles/sqlite-full-cp1252-1000000.cpuprofile [top]
import { readFileSync } from 'node:fs';

const [path, topArg] = process.argv.slice(2);
if (path === undefined) {
  console.error(
    'usage: node bench/profile-summary.mjs <file.cpuprofile> [top=30]',
  );
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(path, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
// timeDeltas[i] is the time before samples[i]; attribute it to that sample's node.
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byFunction = new Map();
const byFile = new Map();
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id);
  const file =
    callFrame.url
      .replace(/^file:\/\//, '')
      .replace(/.*\/(node_modules\/[^/]+|bench\/out\/dist)\//, '$1/') ||
    `(${callFrame.functionName || 'native'})`;
  const fn = `${callFrame.functionName || '(anonymous)'}  ${file}:${callFrame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  byFile.set(file, (byFile.get(file) ?? 0) + us);
}
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}`,
    );
  }
};
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
print('self time by file', byFile);
print('self time by function', byFunction);
