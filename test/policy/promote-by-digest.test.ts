import { strict as assert } from "node:assert";
import { promoteByDigest } from "../../policy/promote-by-digest";
import { promotion, violationsOf } from "./fixtures";

describe("policy promote-by-digest", () => {
  it("passes a promotion of one sha256 digest to distinct tags", async () => {
    assert.deepEqual(await violationsOf(promoteByDigest, promotion()), []);
  });

  it("blocks a promotion whose source is a tag", async () => {
    const [v] = await violationsOf(promoteByDigest, promotion({ digest: "candidate" }));
    assert.match(v.message, /Promotion stable: digest "candidate" is a tag, not a digest; set digest to the sha256 smoke-boot booted/);
  });

  it("blocks a digest of the wrong form", async () => {
    const [v] = await violationsOf(promoteByDigest, promotion({ digest: "sha256:ABC" }));
    assert.match(v.message, /is not a manifest digest; expected sha256: followed by 64 lowercase hex/);
  });

  it("blocks an image that carries a tag", async () => {
    const [v] = await violationsOf(promoteByDigest, promotion({ image: "ghcr.io/daniel-g-carrasco/margine:candidate" }));
    assert.match(v.message, /drop the tag or digest from image/);
  });

  it("blocks the same tag listed twice", async () => {
    const [v] = await violationsOf(promoteByDigest, promotion({ tags: ["stable", "stable"] }));
    assert.match(v.message, /tags\[1\] "stable" is listed twice/);
  });

  it("blocks a promotion with no tags", async () => {
    const [v] = await violationsOf(promoteByDigest, promotion({ tags: [] }));
    assert.match(v.message, /tags is empty/);
  });
});
