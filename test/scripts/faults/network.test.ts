// Fault injection, network side: every networked CLI against a port nothing listens on, a server
// that accepts and never answers, one that answers 500 forever and one that answers an HTML page.
// Each run is bounded in time; the test checks the exit code, the first line of the message (which
// URL, which cause) and that no stack trace is printed.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { closedPort, FaultKind, FaultServer, startFaultServer } from "../../../fixtures/servers/fault-servers";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";
import { GitHubApiStandIn } from "../../../fixtures/servers/github-api";
import { startScript } from "../../support/processes";

const FAST = ["--connect-timeout", "1", "--read-timeout", "1"];
const DIGEST = `sha256:${"a".repeat(64)}`;

/** The first line each kind of fault must produce, after the CLI's own prefix. */
const CAUSE: Record<FaultKind, RegExp> = {
  closed: /http:\/\/127\.0\.0\.1:\d+\/\S*: connection refused: nothing listens on 127\.0\.0\.1:\d+/,
  hang: /http:\/\/127\.0\.0\.1:\d+\/\S*: no answer for 1 s \(read timeout\): the server accepted the connection but went silent/,
  "500": /HTTP 500/,
  html: /answered an HTML page \("Hotel Wi-Fi login"\), not JSON/,
};

interface CliCase {
  readonly cli: string;
  readonly args: (server: FaultServer, dir: string) => string[];
  readonly env?: (server: FaultServer) => NodeJS.ProcessEnv;
  readonly code: number;
  /** What the first line starts with, before the cause. */
  readonly prefix: RegExp;
  /** A cause that differs from CAUSE for this CLI. */
  readonly cause?: Partial<Record<FaultKind, RegExp>>;
}

const CASES: CliCase[] = [
  {
    cli: "promote",
    code: 1,
    prefix: /^error: 127\.0\.0\.1:\d+\/margine[@:]\S+: /,
    args: (s) => ["--image", `${s.host}/margine`, "--digest", DIGEST, "--tags", "stable,stable.20261120,20261120", "--insecure", "--no-verify", ...FAST],
  },
  {
    cli: "retention",
    code: 1,
    prefix: /^error: 127\.0\.0\.1:\d+\/margine: /,
    args: (s) => ["--image", `${s.host}/margine`, "--insecure", ...FAST],
  },
  {
    cli: "retention",
    code: 1,
    prefix: /^error: ghcr\.io\/o\/margine: listing package versions /,
    args: () => ["--image", "ghcr.io/o/margine", ...FAST],
    env: (s) => ({ GITHUB_API_URL: s.url, GITHUB_TOKEN: "ghs_fault" }),
    cause: {
      "500": /failed \(HTTP 500\): internal error/,
      closed: /failed: GET http:\/\/127\.0\.0\.1:\d+\/users\/o\/packages\/container\/margine\/versions\S*: connection refused/,
    },
  },
  {
    cli: "staleness",
    code: 3,
    prefix: /^error: unknown: 127\.0\.0\.1:\d+\/margine:stable: /,
    args: (s) => ["--image", `${s.host}/margine:stable`, "--insecure", ...FAST],
  },
  {
    cli: "publish-iso",
    code: 1,
    prefix: /^error: read metadata of margine-20261120: /,
    args: (_s, dir) => [
      "--identifier",
      "margine-20261120",
      "--file",
      path.join(dir, "margine-20261120.iso"),
      "--retries",
      "2",
      "--retry-delay",
      "0.1",
      ...FAST,
    ],
    env: (s) => ({ IA_S3_URL: s.url, IA_URL: s.url, IA_ACCESS_KEY: "AK", IA_SECRET_KEY: "SK" }),
    cause: { "500": /gave up after 3 attempts; last: .*IA answered HTTP 500: internal error.*IA kept failing with HTTP 500/ },
  },
];

describe("fault injection: every networked CLI against broken servers", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-net-"));
    fs.writeFileSync(path.join(dir, "margine-20261120.iso"), crypto.randomBytes(4096));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const kind of ["closed", "hang", "500", "html"] as const) {
    for (const c of CASES) {
      const label = `${c.cli}${c.env && c.cli === "retention" ? " (GHCR API)" : ""}`;
      it(`${label} against ${kind === "closed" ? "a closed port" : kind === "hang" ? "a server that never answers" : kind === "500" ? "500 forever" : "an HTML page"}: exit ${c.code} within 20 s, naming the URL and the cause`, async () => {
        const server = await startFaultServer(kind);
        try {
          const run = startScript(c.cli, c.args(server, dir), { env: { GITHUB_TOKEN: "", REGISTRY_PASSWORD: "", GITHUB_ACTIONS: "", ...c.env?.(server) } });
          const { code, ms } = await run.exited;
          // The error line (publish-iso logs its retries before it, one line each).
          const first =
            run
              .stderr()
              .split("\n")
              .find((l) => l.startsWith("error: ")) ?? "";
          assert.equal(code, c.code, run.stderr());
          assert.match(first, c.prefix);
          assert.match(first, c.cause?.[kind] ?? CAUSE[kind]);
          assert.doesNotMatch(run.stderr(), /\n\s+at /, "no stack trace");
          assert.doesNotMatch(first, /fetch failed|idle timeout|overloaded|over its limit/);
          assert.ok(ms < 20_000, `took ${ms} ms`);
          if (kind !== "closed") assert.ok(server.hits > 0, "the CLI reached the server");
        } finally {
          await server.stop();
        }
      });
    }
  }

  it("a loopback registry speaking plain HTTP without --insecure: a TLS failure that says to pass --insecure", async () => {
    const server = await startFaultServer("html");
    try {
      const run = startScript("promote", ["--image", `${server.host}/margine`, "--digest", DIGEST, "--tags", "stable", "--no-verify", ...FAST]);
      const { code } = await run.exited;
      assert.equal(code, 1, run.stderr());
      assert.match(
        run
          .stderr()
          .split("\n")
          .find((l) => !l.startsWith("warning: --no-verify")) ?? "",
        /^error: .*https:\/\/127\.0\.0\.1:\d+\/v2\/\S+: TLS handshake with 127\.0\.0\.1:\d+ failed \(.*\); the server speaks plain HTTP: pass --insecure for a loopback registry/,
      );
    } finally {
      await server.stop();
    }
  });

  it("retention on GHCR without GITHUB_TOKEN says it is unset", async () => {
    const api = await new GitHubApiStandIn().start();
    try {
      api.requiredToken = "ghs_required";
      const run = startScript("retention", ["--image", "ghcr.io/o/margine", ...FAST], { env: { GITHUB_API_URL: api.url, GITHUB_TOKEN: "" } });
      const { code } = await run.exited;
      assert.equal(code, 1, run.stderr());
      assert.match(
        run.stderr().split("\n")[0],
        /^error: ghcr\.io\/o\/margine: listing package versions failed \(HTTP 401\): GITHUB_TOKEN is not set; set it to a token with read:packages$/,
      );
    } finally {
      await api.stop();
    }
  });

  it("publish-iso with IA's S3 endpoint on a closed port fails fast naming it, never 'over its limit', and leaves no item", async () => {
    const ia = await new IaEmulator().start();
    try {
      ia.accounts.set("AK", "SK");
      const port = await closedPort();
      const run = startScript("publish-iso", ["--identifier", "margine-20261120", "--file", path.join(dir, "margine-20261120.iso")], {
        env: { IA_S3_URL: `http://127.0.0.1:${port}`, IA_URL: ia.url, IA_ACCESS_KEY: "AK", IA_SECRET_KEY: "SK" },
      });
      const { code, ms } = await run.exited;
      assert.equal(code, 1, run.stderr());
      const lines = run.stderr().trim().split("\n");
      assert.match(
        lines.at(-1)!,
        new RegExp(
          `^error: check_limit of margine-20261120: gave up after 3 attempts; last: GET http://127\\.0\\.0\\.1:${port}/\\?check_limit=1\\S*: connection refused: nothing listens on 127\\.0\\.0\\.1:${port}\\. Nothing answers there: check IA_S3_URL / IA_URL`,
        ),
      );
      assert.doesNotMatch(run.stderr(), /over its limit|overloaded|dropped/);
      assert.ok(ms < 20_000, `took ${ms} ms`);
      assert.equal(ia.item("margine-20261120"), undefined);
    } finally {
      await ia.stop();
    }
  });

  it("publish-iso when S3 swallows a part's body: fails on the read timeout naming the part, and the upload stays resumable", async () => {
    const ia = await new IaEmulator().start();
    try {
      ia.accounts.set("AK", "SK");
      const iso = path.join(dir, "margine-20261121.iso");
      fs.writeFileSync(iso, crypto.randomBytes(3 * 1024 * 1024 + 5));
      ia.faults.add({ kind: "swallow", method: "PUT", path: /partNumber=2&/, times: 10 });
      const run = startScript(
        "publish-iso",
        ["--identifier", "margine-20261121", "--file", iso, "--part-size", "1", "--parallel", "1", "--retry-delay", "0.1", ...FAST],
        { env: { IA_S3_URL: ia.url, IA_URL: ia.url, IA_ACCESS_KEY: "AK", IA_SECRET_KEY: "SK" } },
      );
      const { code, ms } = await run.exited;
      assert.equal(code, 1, run.stderr());
      const line =
        run
          .stderr()
          .split("\n")
          .find((l) => l.startsWith("error: ")) ?? "";
      assert.match(
        line,
        /^error: multipart upload margine-20261121\/margine-20261121\.iso part 2\/4: gave up after 3 attempts; last: PUT http:\/\/127\.0\.0\.1:\d+\/margine-20261121\/margine-20261121\.iso\?partNumber=2&uploadId=upload-\d+: no answer for 1 s \(read timeout\).*\(1 of 4 parts are on IA; a rerun resumes upload upload-\d+ and sends only the missing parts\)$/,
      );
      assert.ok(ms < 20_000, `took ${ms} ms`);
      assert.equal(ia.openUploads().length, 1, "left open on purpose: the journal resumes it");
      fs.rmSync(iso);
    } finally {
      await ia.stop();
    }
  });

  it("with the default timeouts a hung server fails staleness and publish-iso within about a minute", async function () {
    this.timeout(120_000);
    const server = await startFaultServer("hang");
    try {
      const stale = startScript("staleness", ["--image", `${server.host}/margine:stable`, "--insecure"]);
      const publish = startScript("publish-iso", ["--identifier", "margine-20261120", "--file", path.join(dir, "margine-20261120.iso")], {
        env: { IA_S3_URL: server.url, IA_URL: server.url, IA_ACCESS_KEY: "AK", IA_SECRET_KEY: "SK" },
      });
      const [s, p] = await Promise.all([stale.exited, publish.exited]);
      assert.equal(s.code, 3, stale.stderr());
      assert.match(stale.stderr(), /^error: unknown: .*no answer for 20 s \(read timeout\)/);
      assert.equal(p.code, 1, publish.stderr());
      assert.match(
        publish.stderr().trim().split("\n").at(-1)!,
        /^error: read metadata of margine-20261120: gave up after 3 attempts; last: GET http:\/\/127\.0\.0\.1:\d+\/metadata\/margine-20261120: no answer for 20 s \(read timeout\)/,
      );
      // 3 tries of 20 s, short backoffs, and the CLI's start-up on a busy machine.
      for (const ms of [s.ms, p.ms]) assert.ok(ms < 80_000, `took ${ms} ms`);
    } finally {
      await server.stop();
    }
  });
});
