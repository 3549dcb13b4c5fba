// A second test reporter: after the run, the ten test files that took longest, hooks included
// (node reports each file's process as one test named by its path). The suite must stay under
// 15 minutes on two cores, and this says where its time goes.
export default async function* slowestFiles(source) {
  const seconds = new Map();
  for await (const event of source) {
    if (event.type === 'test:complete' && event.data.file && event.data.name === event.data.file) seconds.set(event.data.file, event.data.details.duration_ms / 1000);
  }
  const slowest = [...seconds].sort((a, b) => b[1] - a[1]).slice(0, 10);
  yield '# slowest files (seconds):\n';
  for (const [file, s] of slowest) yield `# ${s.toFixed(1).padStart(7)}  ${file.replace(`${process.cwd()}/`, '')}\n`;
}
