// release.yml's two state-backend steps, executed with bash as the runner runs them: the guard that
// refuses a missing backend, and the exchange of GitHub's OIDC token for the AWS web-identity
// environment Pulumi's S3 client reads. GitHub's token endpoint is a local stand-in that answers
// as GitHub documents it (a JSON `value`, the request token as a bearer, the audience as a query).
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { BACKEND_CREDENTIALS_SCRIPT, BACKEND_GUARD_SCRIPT } from "../../../components/workflows/engine-steps";
import { requireTool } from "../../../fixtures/system-tool";
import { parsed } from "./generated";

const REQUEST_TOKEN = "request-token-of-this-job";
const ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.oidc-token.sig";
const ROLE = "arn:aws:iam::123456789012:role/margine-release-preview";

interface StepRun {
  code: number | null;
  output: string;
  githubEnv: string;
  tokenFile: string | undefined;
}

describe("release.yml's state backend steps, run with bash against a GitHub OIDC stand-in", function () {
  this.timeout(30_000);
  let server: http.Server;
  let tokenUrl: string;
  let answer: "token" | "refuse" = "token";
  const requests: { auth?: string; audience: string | null }[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "release-backend-"));

  before(async () => {
    requireTool("curl", "curl");
    requireTool("jq", "jq");
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      requests.push({ auth: req.headers.authorization, audience: url.searchParams.get("audience") });
      const authorised = req.headers.authorization === `bearer ${REQUEST_TOKEN}` && url.searchParams.get("api-version") === "2.0";
      if (answer === "refuse" || !authorised) {
        res.writeHead(403, { "content-type": "application/json" }).end('{"message":"Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable"}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ count: 1, value: ID_TOKEN }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/idtoken/run?api-version=2.0`;
  });
  after(() => {
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    answer = "token";
    requests.length = 0;
  });

  function runStep(script: string, env: Record<string, string>): Promise<StepRun> {
    const runnerTemp = fs.mkdtempSync(path.join(tmp, "runner-"));
    const githubEnv = path.join(runnerTemp, "github-env");
    fs.writeFileSync(githubEnv, "");
    return new Promise((resolve, reject) => {
      // `shell: bash` (render.ts): GitHub runs it as bash --noprofile --norc -eo pipefail.
      const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        env: { PATH: process.env.PATH, RUNNER_TEMP: runnerTemp, GITHUB_ENV: githubEnv, GITHUB_RUN_ID: "19000000099", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d));
      child.stderr.on("data", (d: Buffer) => (output += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.once("error", reject);
      child.once("close", (code) => {
        clearTimeout(timer);
        const tokenFile = path.join(runnerTemp, "aws-web-identity-token");
        resolve({ code, output, githubEnv: fs.readFileSync(githubEnv, "utf8"), tokenFile: fs.existsSync(tokenFile) ? tokenFile : undefined });
      });
    });
  }
  const oidc = () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN });

  it("the guard stops a run without a shared backend, naming the config to set", async () => {
    const run = await runStep(BACKEND_GUARD_SCRIPT, { PULUMI_BACKEND_URL: "" });
    assert.equal(run.code, 1);
    assert.match(run.output, /^::error::vars\.PULUMI_BACKEND_URL is empty: set stateBackendUrl .*s3:\/\/my-bucket\/margine\?region=/m);
    assert.equal((await runStep(BACKEND_GUARD_SCRIPT, { PULUMI_BACKEND_URL: "s3://b/m?region=eu-central-1" })).code, 0);
  });

  it("an s3 backend: the OIDC token for sts.amazonaws.com lands in a file, and the role and the file in GITHUB_ENV", async () => {
    const run = await runStep(BACKEND_CREDENTIALS_SCRIPT, {
      ...oidc(),
      PULUMI_BACKEND_URL: "s3://margine-state/margine?region=eu-central-1",
      STATE_ROLE: ROLE,
    });
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(requests, [{ auth: `bearer ${REQUEST_TOKEN}`, audience: "sts.amazonaws.com" }]);
    assert.ok(run.tokenFile, "the token file is written");
    assert.equal(fs.readFileSync(run.tokenFile, "utf8").trim(), ID_TOKEN);
    assert.equal(run.githubEnv, `AWS_ROLE_ARN=${ROLE}\nAWS_WEB_IDENTITY_TOKEN_FILE=${run.tokenFile}\nAWS_ROLE_SESSION_NAME=margine-release-19000000099\n`);
    assert.doesNotMatch(run.output, new RegExp(ID_TOKEN.replace(/\./g, "\\.")), "the token is not logged");
  });

  const refusals: [string, Record<string, string>, RegExp][] = [
    [
      "a backend without its region",
      { PULUMI_BACKEND_URL: "s3://margine-state/margine", STATE_ROLE: ROLE },
      /has no region: set stateBackendUrl to s3:\/\/BUCKET\/PATH\?region=REGION/,
    ],
    [
      "no role for the job",
      { PULUMI_BACKEND_URL: "s3://margine-state/margine?region=eu-central-1", STATE_ROLE: "" },
      /vars\.PULUMI_STATE_READ_ROLE for preview/,
    ],
    [
      "a scheme release.yml cannot authenticate to",
      { PULUMI_BACKEND_URL: "gs://margine-state", STATE_ROLE: ROLE },
      /s3:\/\/ state backends only .* is gs:\/\/margine-state/,
    ],
    [
      "no OIDC token for the job (a pull request from a fork)",
      {
        PULUMI_BACKEND_URL: "s3://margine-state/margine?region=eu-central-1",
        STATE_ROLE: ROLE,
        ACTIONS_ID_TOKEN_REQUEST_URL: "",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "",
      },
      /^::error::GitHub gave this job no OIDC token \(a pull request from a fork gets none; the job needs permissions id-token: write\)/m,
    ],
  ];
  for (const [what, env, message] of refusals) {
    it(`${what}: one error line, nothing requested, nothing exported`, async () => {
      const run = await runStep(BACKEND_CREDENTIALS_SCRIPT, { ...oidc(), ...env });
      assert.equal(run.code, 1, run.output);
      assert.match(run.output, message);
      assert.equal(requests.length, 0, "no token was asked for");
      assert.equal(run.githubEnv, "");
    });
  }

  it("GitHub refuses the token (no id-token: write): the step fails and exports nothing", async () => {
    answer = "refuse";
    const run = await runStep(BACKEND_CREDENTIALS_SCRIPT, {
      ...oidc(),
      PULUMI_BACKEND_URL: "s3://margine-state/margine?region=eu-central-1",
      STATE_ROLE: ROLE,
    });
    assert.notEqual(run.code, 0);
    assert.match(run.output, /error: 403|returned error: 403/);
    assert.equal(run.githubEnv, "");
  });
});

describe("the state backend credentials are fetched right before the step that opens the state", () => {
  // GitHub's ID token expires five minutes after it is issued, and Pulumi's S3 client exchanges it
  // only when it first reads the bucket: a step in between (the release notes, minutes against a
  // dead endpoint) could leave it expired.
  const expected: [workflow: string, job: string, opensState: string][] = [
    ["release.yml", "preview", "pulumi preview"],
    ["release.yml", "up", "pulumi up"],
    ["watch.yml", "check", "Check the world against the release stack"],
  ];

  it("in release.yml's preview and up and watch.yml's check, and nowhere else", () => {
    const found = ["release.yml", "watch.yml"].flatMap((file) =>
      Object.entries(parsed(file).jobs).flatMap(([jobId, job]) => {
        const at = job.steps.findIndex((s) => s.name === "State backend credentials");
        return at < 0 ? [] : [[file, jobId, job.steps[at + 1]?.name]];
      }),
    );
    assert.deepEqual(found, expected);
  });
});
