// `npm run lab -- merge a.json b.json …`: shard files → one results file and its table, by the app's own results module.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'vite';

function bad(message) {
  throw new Error(message);
}

/** Shard files → one file and its table, computed by the app's own results module (loaded through Vite). */
export async function merge(paths, { root, config, out }) {
  if (paths.length === 0) bad('merge needs the results files to combine');
  // The app's own results module, loaded through Vite (it is TypeScript).
  const server = await createServer({
    root,
    configFile: config,
    server: { middlewareMode: true, hmr: false, watch: null },
    logLevel: 'warn',
  });
  let results;
  let verdicts;
  try {
    results = await server.ssrLoadModule('/src/runner/results.ts');
    verdicts = await server.ssrLoadModule('/src/runner/verdict.ts');
  } finally {
    await server.close();
  }
  const files = [];
  for (const path of paths) {
    let text;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      bad(`cannot read ${path}: ${e.message}`);
    }
    const parsed = results.parseResultsFile(text, path);
    if (!parsed.ok) bad(parsed.errors.join('\n'));
    files.push({ name: path, file: parsed.value });
  }
  const merged = results.mergeResultsFiles(files);
  if (!merged.ok) bad(merged.errors.join('\n'));
  const { file, missing, conflicts } = merged.value;
  for (const c of conflicts) console.warn(`warning: ${c}`);
  const rows = results.resultsTable(file.runs);
  console.log(results.formatTable(rows));
  const axes = file.spec.sweep.axes.map((x) => x.path);
  console.log(`\n${verdicts.verdictText(verdicts.verdictOf(axes, rows))}`);
  console.log(
    missing
      ? `\n${file.runs.length} of ${file.totalRuns} runs: ${missing} missing (a shard not merged yet?)`
      : `\ncomplete: all ${file.totalRuns} runs`,
  );
  writeFileSync(out, JSON.stringify(file));
  console.log(`wrote ${out}`);
}
