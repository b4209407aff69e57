import { strict as assert } from "node:assert";
import { secretsStaySecret } from "../../policy/secrets-stay-secret";
import { ResourceTypes } from "../../policy/resource-types";
import { COMPLIANT_WORKFLOW, actionsSecret, command, repositoryFile, variable, violationsOf, workflowWith } from "./fixtures";

const PRIVATE_KEY = ["-----BEGIN OPENSSH", "PRIVATE KEY-----"].join(" ");
const GITHUB_TOKEN = `ghp_${"A1b2C3d4E5".repeat(4)}`;

describe("policy secrets-stay-secret", () => {
  it("passes secrets redacted as [secret], a workflow that reads secrets.NAME, and plain variables", async () => {
    const found = await violationsOf(secretsStaySecret, [
      actionsSecret("[secret]"),
      actionsSecret("[secret]", ResourceTypes.actionsSecret),
      repositoryFile(COMPLIANT_WORKFLOW),
      variable("ghcr.io/daniel-g-carrasco/margine"),
    ]);
    assert.deepEqual(found, []);
  });

  it("blocks an Actions secret whose value is not a Pulumi secret", async () => {
    const [v] = await violationsOf(secretsStaySecret, actionsSecret("hunter2-plaintext"));
    assert.match(v.message, /ActionsEnvironmentSecret secret-cosign-password: the value of secret COSIGN_PASSWORD is not a Pulumi secret/);
  });

  it("blocks the deprecated plaintextValue", async () => {
    const resource = actionsSecret("[secret]");
    const [v] = await violationsOf(secretsStaySecret, { ...resource, inputs: { ...resource.inputs, plaintextValue: "[secret]" } });
    assert.match(v.message, /sets the deprecated plaintextValue/);
  });

  it("blocks a private key committed in a workflow file, naming the line", async () => {
    const content = workflowWith('DATE_TAG="$(date -u +%Y%m%d)"', `echo "${PRIVATE_KEY}" > key`);
    const [v] = await violationsOf(secretsStaySecret, repositoryFile(content));
    const line = content.split("\n").findIndex((l) => l.includes("PRIVATE KEY")) + 1;
    assert.match(v.message, new RegExp(`build\\.yml\\) content line ${line}: looks like a private key in plaintext`));
  });

  it("blocks a GitHub token in a variable", async () => {
    const [v] = await violationsOf(secretsStaySecret, variable(GITHUB_TOKEN, "SITE_TOKEN"));
    assert.match(v.message, /ActionsVariable var-site_token value: looks like a GitHub token/);
  });

  it("blocks a token in a command script but not in the command's stdin, where secret data belongs", async () => {
    assert.equal((await violationsOf(secretsStaySecret, command(`curl -H "Authorization: token ${GITHUB_TOKEN}" https://api.github.com`))).length, 1);
    assert.deepEqual(await violationsOf(secretsStaySecret, command("install -m 600 /dev/stdin /etc/ssl/origin.key", { stdin: PRIVATE_KEY })), []);
  });
});
