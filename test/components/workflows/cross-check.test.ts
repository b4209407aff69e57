// Every secret and variable a generated workflow references is provisioned by the GitHub component
// (in the environment of the job that reads it), and every provisioned one is used by a workflow.
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { exampleProgram, resourcesOfType } from "../../support/program-run";
import { ParsedWorkflow } from "./generated";

const FILE = "github:index/repositoryFile:RepositoryFile";
const SECRET = "github:index/actionsSecret:ActionsSecret";
const ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret";
const VARIABLE = "github:index/actionsVariable:ActionsVariable";

/** `secret NAME@environment` / `var NAME` keys, per repository name. */
type Inventory = Map<string, Set<string>>;
const add = (inv: Inventory, repo: string, key: string) => inv.set(repo, (inv.get(repo) ?? new Set()).add(key));

describe("secrets and variables: referenced by workflows == provisioned by the GitHub component", () => {
  let referenced: Inventory;
  let provisioned: Inventory;
  let workflowRepos: Set<string>;

  before(async () => {
    const evaluation = await exampleProgram();
    referenced = new Map();
    provisioned = new Map();
    workflowRepos = new Set();
    for (const r of resourcesOfType(evaluation, FILE)) {
      const { repository, file, content } = r.inputs as { repository: string; file: string; content: string };
      if (!file.startsWith(".github/workflows/")) continue;
      workflowRepos.add(repository);
      const wf = parse(content) as ParsedWorkflow;
      for (const job of Object.values(wf.jobs)) {
        const jobText = JSON.stringify(job);
        for (const [, name] of jobText.matchAll(/secrets\.([A-Z0-9_]+)/g)) {
          if (name === "GITHUB_TOKEN") continue;
          add(referenced, repository, `secret ${name}@${job.environment ?? "(repository)"}`);
        }
        for (const [, name] of jobText.matchAll(/vars\.([A-Z0-9_]+)/g)) add(referenced, repository, `var ${name}`);
      }
      // Workflow-level env is visible to every job: secrets there would be repository-wide.
      const workflowEnv = JSON.stringify(wf.env ?? {});
      for (const [, name] of workflowEnv.matchAll(/secrets\.([A-Z0-9_]+)/g)) add(referenced, repository, `secret ${name}@(repository)`);
      for (const [, name] of workflowEnv.matchAll(/vars\.([A-Z0-9_]+)/g)) add(referenced, repository, `var ${name}`);
    }
    for (const r of resourcesOfType(evaluation, SECRET)) {
      const { repository, secretName } = r.inputs as { repository: string; secretName: string };
      add(provisioned, repository, `secret ${secretName}@(repository)`);
    }
    for (const r of resourcesOfType(evaluation, ENV_SECRET)) {
      const { repository, secretName, environment } = r.inputs as { repository: string; secretName: string; environment: string };
      add(provisioned, repository, `secret ${secretName}@${environment}`);
    }
    for (const r of resourcesOfType(evaluation, VARIABLE)) {
      const { repository, variableName } = r.inputs as { repository: string; variableName: string };
      add(provisioned, repository, `var ${variableName}`);
    }
  });

  it("commits workflows to the image repository and to the pipeline repository", () => {
    assert.deepEqual([...workflowRepos].sort(), ["margine-image", "margine-pipeline"]);
  });

  it("every secret and variable a workflow reads is provisioned, in the job's environment", () => {
    // No exception: the release stack release.yml runs holds no secret, so no passphrase either.
    const exceptions = new Set<string>();
    for (const repo of workflowRepos) {
      const have = provisioned.get(repo) ?? new Set<string>();
      const missing = [...(referenced.get(repo) ?? [])].filter((k) => {
        if (have.has(k)) return false;
        const secret = /^secret (\w+)@/.exec(k)?.[1];
        // A repository-level secret is readable from every job, with or without an environment.
        return !(secret && (have.has(`secret ${secret}@(repository)`) || exceptions.has(secret)));
      });
      assert.deepEqual(missing, [], `${repo}: referenced but not provisioned (or in another environment)`);
    }
    assert.ok(![...referenced.get("margine-pipeline")!].some((k) => k.startsWith("secret PULUMI_CONFIG_PASSPHRASE@")), "no job reads a passphrase");
  });

  it("every provisioned secret and variable is used by some workflow of its repository", () => {
    for (const repo of workflowRepos) {
      const used = [...(referenced.get(repo) ?? [])];
      const unused = [...(provisioned.get(repo) ?? [])].filter((k) =>
        k.endsWith("@(repository)") ? !used.some((u) => u.startsWith(k.replace("@(repository)", "@"))) : !used.includes(k),
      );
      assert.deepEqual(unused, [], `${repo}: provisioned but no workflow reads it`);
    }
  });

  it("scopes each single-job secret to that job's environment", () => {
    const image = referenced.get("margine-image")!;
    for (const key of [
      "secret COSIGN_PRIVATE_KEY@signing",
      "secret COSIGN_PASSWORD@signing",
      "secret IA_CONFIG_INI@internet-archive",
      "secret EDGE_DEPLOY_KEY@edge",
      "secret RELEASE_PR_TOKEN@release-pr",
    ])
      assert.ok(image.has(key), key);
    assert.deepEqual(
      [...image].filter((k) => k.endsWith("@(repository)")),
      [],
      "no repository-wide secret in the image repository",
    );
    const pipeline = referenced.get("margine-pipeline")!;
    for (const key of ["SITE_BUMP_TOKEN", "IA_ACCESS_KEY", "IA_SECRET_KEY", "REGISTRY_PASSWORD"]) assert.ok(pipeline.has(`secret ${key}@release`), key);
    assert.deepEqual(
      [...pipeline].filter((k) => k.startsWith("secret ") && !k.endsWith("@release")),
      ["secret NTFY_TOKEN@watch"],
      "every pipeline secret lives in the release environment, but the watch's ntfy token in its own",
    );
  });

  it("commits each file to main, overwriting on create, as children of the Workflows component", async () => {
    const evaluation = await exampleProgram();
    const files = resourcesOfType(evaluation, FILE).filter((r) => r.parent === "workflows");
    assert.ok(files.length >= 7, `expected the generated files, found ${files.length}`);
    for (const f of files) {
      assert.equal(f.inputs.branch, "main", f.name);
      assert.equal(f.inputs.overwriteOnCreate, true, f.name);
      assert.match(String(f.inputs.commitMessage), /margine-pipeline/);
    }
    assert.equal(evaluation.resources.find((r) => r.name === "workflows")?.type, "margine:workflows:Workflows");
  });
});
