// The program (index.ts) under pulumi.runtime.setMocks, evaluated once with the example stack and
// a sentinel value for every secret.
import { strict as assert } from "node:assert";
import { SECRET_KEYS } from "../config/stack";
import { knownHostsLine } from "../components/github/image-repository";
import { Evaluation, isSecretValue, redactSecrets } from "../scripts/offline/evaluate";
import { toSynthResources } from "../scripts/offline/synth-output";
import { SENTINEL_PATTERN, exampleProgram, resourceNamed, resourcesOfType, sentinel } from "./support/program-run";

const SECRET_TYPES = ["github:index/actionsSecret:ActionsSecret", "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"];

describe("program under mocks (example stack)", function () {
  this.timeout(120_000);
  let program: Evaluation;
  before(async () => {
    program = await exampleProgram();
  });

  function secretsOf(repository: string) {
    return SECRET_TYPES.flatMap((t) => resourcesOfType(program, t))
      .filter((r) => r.inputs.repository === repository)
      .map((r) => ({ name: r.inputs.secretName as string, environment: r.inputs.environment as string | undefined, value: r.inputs.value }));
  }

  it("provisions the image repository's secrets, each scoped to the one job's environment", () => {
    const secrets = secretsOf("margine-image")
      .map(({ name, environment }) => `${name}@${environment ?? "repository"}`)
      .sort();
    assert.deepEqual(secrets, [
      "COSIGN_PASSWORD@signing",
      "COSIGN_PRIVATE_KEY@signing",
      "EDGE_DEPLOY_KEY@edge",
      "IA_CONFIG_INI@internet-archive",
      "RELEASE_PR_TOKEN@release-pr",
    ]);
  });

  it("provisions the release stack's write credentials in the pipeline repository's release environment only (the watch's ntfy token in its own)", () => {
    assert.deepEqual(
      secretsOf("margine-pipeline")
        .map((s) => `${s.name}@${s.environment}`)
        .sort(),
      ["IA_ACCESS_KEY@release", "IA_SECRET_KEY@release", "NTFY_TOKEN@watch", "REGISTRY_PASSWORD@release", "SITE_BUMP_TOKEN@release"],
    );
    assert.equal((resourceNamed(program, "pipeline-repo-secret-registry-password").inputs.value as { value: string }).value, sentinel("registryWriteToken"));
  });

  it("every secret input is secret and carries the configured value", () => {
    const all = SECRET_TYPES.flatMap((t) => resourcesOfType(program, t));
    assert.ok(all.length >= 6);
    for (const r of all) assert.ok(isSecretValue(r.inputs.value), `${r.name}.value is not secret`);
    const cosign = resourceNamed(program, "image-repo-secret-cosign-private-key").inputs.value as { value: string };
    assert.equal(cosign.value, sentinel("cosignPrivateKey"));
    const ia = resourceNamed(program, "image-repo-secret-ia-config-ini").inputs.value as { value: string };
    assert.equal(ia.value, `[s3]\naccess = ${sentinel("iaAccessKey")}\nsecret = ${sentinel("iaSecretKey")}\n`);
  });

  it("environments deploy from main only", () => {
    const envs = resourcesOfType(program, "github:index/repositoryEnvironment:RepositoryEnvironment");
    assert.deepEqual(envs.map((e) => `${e.inputs.repository}/${e.inputs.environment}`).sort(), [
      "margine-image/edge",
      "margine-image/internet-archive",
      "margine-image/release-pr",
      "margine-image/signing",
      "margine-pipeline/release",
      "margine-pipeline/watch",
    ]);
    for (const e of envs) assert.deepEqual(e.inputs.deploymentBranchPolicy, { customBranchPolicies: true, protectedBranches: false });
    const policies = resourcesOfType(program, "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy");
    assert.equal(policies.length, envs.length);
    for (const p of policies) assert.equal(p.inputs.branchPattern, "main");
  });

  it("the default workflow token is read-only, cannot approve PRs, and actions must be SHA-pinned", () => {
    const tokens = resourcesOfType(program, "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions");
    assert.deepEqual(tokens.map((r) => r.inputs.repository).sort(), ["margine-image", "margine-pipeline"]);
    for (const r of tokens) {
      assert.equal(r.inputs.defaultWorkflowPermissions, "read");
      assert.equal(r.inputs.canApprovePullRequestReviews, false);
    }
    const actions = resourcesOfType(program, "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions");
    assert.deepEqual(actions.map((r) => [r.inputs.repository, r.inputs.shaPinningRequired]).sort(), [
      ["margine-image", true],
      ["margine-pipeline", true],
    ]);
  });

  it("main is protected: no force-push, no deletion, the pull-request build check from GitHub Actions required", () => {
    const ruleset = resourceNamed(program, "image-repo-main-ruleset").inputs as any;
    assert.equal(ruleset.enforcement, "active");
    assert.deepEqual(ruleset.conditions.refName.includes, ["refs/heads/main"]);
    assert.equal(ruleset.rules.nonFastForward, true);
    assert.equal(ruleset.rules.deletion, true);
    assert.deepEqual(ruleset.rules.requiredStatusChecks.requiredChecks, [{ context: "build-pr", integrationId: 15368 }]);
  });

  it("repository admins, and only they, bypass the main rulesets: the platform commits the generated files straight to main", () => {
    for (const name of ["image-repo-main-ruleset", "pipeline-repo-main-ruleset"]) {
      assert.deepEqual(resourceNamed(program, name).inputs.bypassActors, [{ actorType: "RepositoryRole", actorId: 5, bypassMode: "always" }], name);
    }
    const committed = resourcesOfType(program, "github:index/repositoryFile:RepositoryFile");
    assert.ok(committed.length > 0 && committed.every((r) => r.inputs.branch === "main"), "the generated files are committed to main");
  });

  it("release PRs need a code owner's approval, re-given after any push, and the preview check from GitHub Actions", () => {
    const ruleset = resourceNamed(program, "pipeline-repo-main-ruleset").inputs as any;
    assert.deepEqual(ruleset.rules.requiredStatusChecks.requiredChecks, [{ context: "preview", integrationId: 15368 }]);
    assert.deepEqual(ruleset.rules.pullRequest, {
      requiredApprovingReviewCount: 1,
      requireCodeOwnerReview: true,
      dismissStaleReviewsOnPush: true,
      requireLastPushApproval: true,
      requiredReviewThreadResolution: false,
    });
    const codeowners = resourcesOfType(program, "github:index/repositoryFile:RepositoryFile").find((r) => r.inputs.file === ".github/CODEOWNERS");
    assert.match(String(codeowners?.inputs.content), /^\* @daniel-g-carrasco$/m);
  });

  it("declares the vm-test label and the non-secret settings as variables", () => {
    assert.equal(resourceNamed(program, "image-repo-label-vm-test").inputs.name, "vm-test");
    const vars = Object.fromEntries(
      resourcesOfType(program, "github:index/actionsVariable:ActionsVariable")
        .filter((r) => r.inputs.repository === "margine-image")
        .map((r) => [r.inputs.variableName, r.inputs.value]),
    );
    assert.equal(vars.IMAGE_NAME, "ghcr.io/daniel-g-carrasco/margine");
    // SSH reaches the edge through the DNS-only host: Cloudflare's proxy carries no SSH.
    assert.equal(vars.EDGE_SSH_HOST, "direct.files.the-empty.place");
    assert.equal(vars.EDGE_SSH_PORT, "22");
    assert.match(String(vars.EDGE_KNOWN_HOSTS), /^direct\.files\.the-empty\.place ssh-ed25519 /);
  });

  it("pins the edge host key for a non-standard SSH port in known_hosts form", () => {
    assert.equal(knownHostsLine({ sshHost: "edge.example.org", sshPort: 2222, hostKey: "ssh-ed25519 AAAA" }), "[edge.example.org]:2222 ssh-ed25519 AAAA");
    assert.equal(knownHostsLine({ sshHost: "edge.example.org", sshPort: 22, hostKey: "ssh-ed25519 AAAA" }), "edge.example.org ssh-ed25519 AAAA");
  });

  it("generates the site deploy webhook secret with @pulumi/random and keeps the output secret", () => {
    const pw = resourceNamed(program, "site-deploy-secret");
    assert.equal(pw.type, "random:index/randomPassword:RandomPassword");
    assert.equal(pw.parent, "site-deploy");
    assert.ok(isSecretValue(program.outputs.siteDeployHookSecret));
  });

  it("verifies the GHCR package through the GhcrPackage dynamic resource", () => {
    const pkg = resourceNamed(program, "ghcr-package");
    assert.equal(pkg.type, "pulumi-nodejs:dynamic/margine:GhcrPackage");
    assert.equal(pkg.inputs.owner, "daniel-g-carrasco");
    assert.equal(pkg.inputs.name, "margine");
    assert.equal(pkg.inputs.expectedVisibility, "public");
    assert.equal(pkg.inputs.expectedRepository, "daniel-g-carrasco/margine-image");
  });

  it("children are parented to their component and named after it", () => {
    const children = program.resources.filter((x) => x.parent === "image-repo");
    assert.ok(children.length >= 10, `image-repo has ${children.length} children`);
    for (const r of children) assert.ok(r.name.startsWith("image-repo-"), r.name);
  });

  it("no sentinel secret appears in plaintext: resources.json, outputs, or any serialized provider", () => {
    const synth = JSON.stringify(toSynthResources(program.resources));
    assert.doesNotMatch(synth, SENTINEL_PATTERN);
    assert.doesNotMatch(JSON.stringify(redactSecrets(program.outputs)), SENTINEL_PATTERN);
    const providers = program.resources.map((r) => r.inputs.__provider).filter((p): p is string => typeof p === "string");
    assert.ok(providers.length >= 1, "dynamic resources carry a serialized provider");
    for (const p of providers) assert.doesNotMatch(p, SENTINEL_PATTERN);
    // The sentinels are really in play: each one reached a secret input.
    const raw = JSON.stringify(program.resources.map((r) => r.inputs));
    const reached = Object.keys(SECRET_KEYS).filter((k) => raw.includes(sentinel(k)));
    assert.ok(reached.length >= 5, `sentinels reaching resources: ${reached.join(", ")}`);
  });
});
