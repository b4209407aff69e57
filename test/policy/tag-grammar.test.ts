import { strict as assert } from "node:assert";
import { tagGrammar } from "../../policy/tag-grammar";
import { COMPLIANT_WORKFLOW, lineOf, promotion, repositoryFile, violationsOf, workflowWith } from "./fixtures";

describe("policy tag-grammar", () => {
  it("passes stable, stable.YYYYMMDD, YYYYMMDD and the handbook's metadata-action templates", async () => {
    assert.deepEqual(await violationsOf(tagGrammar, [promotion(), repositoryFile(COMPLIANT_WORKFLOW)]), []);
  });

  it("blocks a dated promotion tag that is not a real date", async () => {
    const [v] = await violationsOf(tagGrammar, promotion({ tags: ["stable", "stable.20260231"] }));
    assert.match(v.message, /tags\[1\] "stable.20260231" is not a promotion tag; expected stable, stable.YYYYMMDD or YYYYMMDD/);
  });

  it("blocks a promotion of a candidate tag", async () => {
    const [v] = await violationsOf(tagGrammar, promotion({ tags: ["candidate"] }));
    assert.match(v.message, /"candidate" is not a promotion tag/);
  });

  it("blocks a semver tag template", async () => {
    const content = workflowWith("type=ref,event=pr,prefix=pr-", "type=semver,pattern={{version}}");
    const [v] = await violationsOf(tagGrammar, repositoryFile(content));
    assert.match(v.message, new RegExp(`build\\.yml\\): line ${lineOf(content, "id: metadata")} \\(job build\\): tag template "type=semver`));
  });

  it("blocks a build workflow writing the stable channel", async () => {
    const [v] = await violationsOf(tagGrammar, repositoryFile(workflowWith("CANDIDATE_TAG: candidate", "CANDIDATE_TAG: stable")));
    assert.match(v.message, /renders "stable": build workflows write candidate and pr-N tags only/);
  });

  it("blocks a date format other than YYYYMMDD", async () => {
    const [v] = await violationsOf(tagGrammar, repositoryFile(workflowWith("{{date 'YYYYMMDD'}}", "{{date 'YYYY-MM-DD'}}")));
    assert.match(v.message, /formats the date as 'YYYY-MM-DD'/);
  });

  it("blocks a pr prefix other than pr-", async () => {
    const [v] = await violationsOf(tagGrammar, repositoryFile(workflowWith("prefix=pr-", "prefix=pull-")));
    assert.match(v.message, /must be type=ref,event=pr,prefix=pr-/);
  });

  it("blocks a literal out-of-grammar tag in a script", async () => {
    const content = workflowWith('"docker://${REGISTRY_IMAGE}:${promo_tag}"', '"docker://${REGISTRY_IMAGE}:nightly"');
    const [v] = await violationsOf(tagGrammar, repositoryFile(content));
    assert.match(v.message, new RegExp(`line ${lineOf(content, "skopeo copy --retry-times 3 --preserve")} \\(job promote\\): .* uses tag "nightly"`));
  });
});
