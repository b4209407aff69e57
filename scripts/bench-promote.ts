// npm run bench:promote [-- --runs 3]
// Promoting 3 tags (stable, stable.DATE, DATE) on the same local docker-registry: this client vs
// `skopeo copy --preserve-digests` once per tag (what smoke-boot.yml did, handbook 11.1). Both go
// through a counting proxy; prints HTTP requests, sequential round trips and wall time side by side.
// Target: at most 5 requests and 3 sequential round trips for this client.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { RegistryClient } from "../providers/oci/registry-client";
import { promoteTags } from "../providers/oci/tag-promotion";
import { FaultProxy, roundTrips } from "../fixtures/servers/fault-proxy";
import { pushTestImage, startRegistry } from "../fixtures/servers/registry";
import { requireTool } from "../fixtures/system-tool";
import { parseCommandLine, runCli } from "./cli";

const TAGS = ["stable", "stable.20261120", "20261120"];
const USAGE = "usage: npm run bench:promote [-- --runs 3]";

interface Sample {
  requests: number;
  roundTrips: number;
  ms: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** One tool's line of the table: the medians of its samples. */
function row(name: string, s: Sample[]): string {
  return `${name.padEnd(38)} ${String(median(s.map((x) => x.requests))).padStart(8)} ${String(median(s.map((x) => x.roundTrips))).padStart(11)} ${median(
    s.map((x) => x.ms),
  )
    .toFixed(0)
    .padStart(9)}`;
}

runCli(async () => {
  const runs = Number(parseCommandLine(process.argv.slice(2), { runs: { type: "string", default: "3" } }, USAGE).values.runs);
  const skopeo = requireTool("skopeo", "skopeo");
  const registry = await startRegistry();
  const proxy = await new FaultProxy(registry.host).start();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "margine-bench-"));
  const policy = path.join(work, "policy.json");
  fs.writeFileSync(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
  const ours: Sample[] = [];
  const theirs: Sample[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      // Fresh repositories each run: a second promotion of the same digest would be skipped.
      const image = { seed: `bench-${run}`, created: "2026-11-20T10:00:00Z" };
      const { digest } = await pushTestImage(registry.host, `bench-client-${run}`, "candidate", image);
      await pushTestImage(registry.host, `bench-skopeo-${run}`, "candidate", image);

      proxy.requests.length = 0;
      let started = performance.now();
      const client = new RegistryClient({ registry: proxy.host, insecure: true });
      await promoteTags(client, { image: `${proxy.host}/bench-client-${run}`, repository: `bench-client-${run}`, digest, tags: TAGS });
      ours.push({ requests: proxy.requests.length, roundTrips: roundTrips(proxy.requests), ms: performance.now() - started });

      proxy.requests.length = 0;
      started = performance.now();
      for (const tag of TAGS) {
        // Asynchronous on purpose: the counting proxy runs in this process's event loop.
        await promisify(execFile)(skopeo, [
          "--policy",
          policy,
          "copy",
          "--preserve-digests",
          "--src-tls-verify=false",
          "--dest-tls-verify=false",
          "--quiet",
          `docker://${proxy.host}/bench-skopeo-${run}@${digest}`,
          `docker://${proxy.host}/bench-skopeo-${run}:${tag}`,
        ]);
      }
      theirs.push({ requests: proxy.requests.length, roundTrips: roundTrips(proxy.requests), ms: performance.now() - started });
    }
  } finally {
    await proxy.stop();
    await registry.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`promote 3 tags (${TAGS.join(", ")}), median of ${runs} runs, same local docker-registry`);
  console.log(`${"".padEnd(38)} ${"requests".padStart(8)} ${"round trips".padStart(11)} ${"wall ms".padStart(9)}`);
  console.log(row("margine RegistryClient (promoteTags)", ours));
  console.log(row("skopeo copy --preserve-digests x3", theirs));
  const target = median(ours.map((x) => x.requests)) <= 5 && median(ours.map((x) => x.roundTrips)) <= 3;
  console.log(`target (<= 5 requests, <= 3 round trips): ${target ? "met" : "NOT met"}`);
  console.log(JSON.stringify({ runs, client: ours, skopeo: theirs }));
  return target ? 0 : 1;
});
