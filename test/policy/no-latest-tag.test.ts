import { strict as assert } from "node:assert";
import { noLatestTag } from "../../policy/no-latest-tag";
import { COMPLIANT_WORKFLOW, command, lineOf, promotion, repositoryFile, variable, violationsOf, workflowWith } from "./fixtures";

describe("policy no-latest-tag", () => {
  it("passes the compliant promotion, workflow, variable and command", async () => {
    const found = await violationsOf(noLatestTag, [
      promotion(),
      repositoryFile(COMPLIANT_WORKFLOW),
      variable("ghcr.io/daniel-g-carrasco/margine"),
      command("systemctl reload nginx"),
    ]);
    assert.deepEqual(found, []);
  });

  it("blocks a Promotion that writes the latest tag", async () => {
    const [v, ...rest] = await violationsOf(noLatestTag, promotion({ tags: ["stable", "latest"] }));
    assert.equal(rest.length, 0);
    assert.equal(v.enforcementLevel, "mandatory");
    assert.match(v.message, /Promotion stable: tags\[1\] is "latest"/);
  });

  it("blocks a :latest image reference in a workflow, naming file and line", async () => {
    const content = workflowWith('DATE_TAG="$(date -u +%Y%m%d)"', "podman pull ghcr.io/daniel-g-carrasco/margine:latest");
    const [v] = await violationsOf(noLatestTag, repositoryFile(content));
    assert.match(v.message, new RegExp(`margine-image/\\.github/workflows/build\\.yml\\) content line ${lineOf(content, "margine:latest")}:`));
    assert.match(v.message, /uses :latest; name a tag/);
  });

  it("blocks docker/metadata-action writing latest", async () => {
    const [v] = await violationsOf(noLatestTag, repositoryFile(workflowWith("flavor: latest=false", "flavor: latest=true")));
    assert.match(v.message, /"latest=true" makes docker\/metadata-action write :latest/);
  });

  it("blocks an untagged pull in a workflow, which resolves to :latest", async () => {
    const content = workflowWith('DATE_TAG="$(date -u +%Y%m%d)"', "skopeo inspect docker://ghcr.io/daniel-g-carrasco/margine");
    const [v] = await violationsOf(noLatestTag, repositoryFile(content));
    assert.match(v.message, /"ghcr\.io\/daniel-g-carrasco\/margine" has no tag or digest, so it pulls :latest/);
  });

  it("blocks :latest in an edge command script", async () => {
    const [v] = await violationsOf(noLatestTag, command("podman run -d docker.io/library/nginx:latest"));
    assert.match(v.message, /RemoteCommand|Command edge-provision create/);
  });

  it("blocks an Actions variable whose value is latest", async () => {
    const [v] = await violationsOf(noLatestTag, variable("latest", "CANDIDATE_TAG"));
    assert.match(v.message, /variable CANDIDATE_TAG is "latest"/);
  });

  it("does not mistake the ubuntu-latest label or a latest= flag for a tag", async () => {
    assert.deepEqual(await violationsOf(noLatestTag, command("echo ubuntu-latest; echo latest=false")), []);
  });
});
