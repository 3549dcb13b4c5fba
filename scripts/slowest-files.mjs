// A second test reporter: after the run, the ten files whose tests took longest (the sum of
// their top-level tests' durations; before/after hooks are not counted). The suite must stay
// under 15 minutes on two cores, and this says where its time goes.
export default async function* slowestFiles(source) {
  const seconds = new Map();
  for await (const event of source) {
    if (event.type !== 'test:complete' || event.data.nesting !== 0 || !event.data.file) continue;
    seconds.set(event.data.file, (seconds.get(event.data.file) ?? 0) + event.data.details.duration_ms / 1000);
  }
  const slowest = [...seconds].sort((a, b) => b[1] - a[1]).slice(0, 10);
  yield '# slowest files (seconds in their tests):\n';
  for (const [file, s] of slowest) yield `# ${s.toFixed(1).padStart(7)}  ${file.replace(process.cwd() + '/', '')}\n`;
}
