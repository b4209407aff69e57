import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseReleaseState, ReleaseState } from "../../../config/release-state";
import { Release } from "../../../components/release/release";
import { releasePlan } from "../../../components/release/release-plan";
import { Evaluation } from "../../../scripts/offline/evaluate";
import { exampleProgram, exampleReleaseProgram, PROJECT_DIR, resourceNamed, resourcesOfType, SENTINEL_PATTERN } from "../../support/program-run";

const IMAGE = "ghcr.io/daniel-g-carrasco/margine";
const stackRelease = (stack: string) =>
  parseReleaseState(parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")).config["margine-pipeline:release"], "release");

const iso = (date: string) => ({
  date,
  identifier: `margine-${date}`,
  files: [{ name: `margine-${date}.iso`, sha256: "a".repeat(64), md5: "b".repeat(32), size: 1 }],
});

describe("components/release: releasePlan", () => {
  it("the real release stack declares nothing, so nothing is planned (never an invented digest)", () => {
    const plan = releasePlan(stackRelease("release"), IMAGE);
    assert.deepEqual(plan, { stable: undefined, isos: [], latestIsoDate: undefined });
  });

  it("tags the stable digest with the UTC date of its boot, not of the promotion", () => {
    const release: ReleaseState = {
      stable: {
        digest: `sha256:${"c".repeat(64)}`,
        evidence: { bootRun: "https://github.com/o/r/actions/runs/1", bootedAt: "2026-11-20T23:30:00-02:00" },
        rollback: false,
      },
      isos: [],
    };
    assert.deepEqual(releasePlan(release, IMAGE).stable?.tags, ["stable", "stable.20261121", "20261121"]);
  });

  for (const [order, dates] of [
    ["in date order", ["20261106", "20261120"]],
    ["out of order", ["20261120", "20261106"]],
  ] as const) {
    it(`the site follows the newest ISO release (declared ${order})`, () => {
      const plan = releasePlan({ isos: dates.map(iso) }, IMAGE, "https://archive.org");
      assert.equal(plan.latestIsoDate, "20261120");
      assert.deepEqual(plan.isos.map((i) => i.detailsUrl).sort(), [
        "https://archive.org/details/margine-20261106",
        "https://archive.org/details/margine-20261120",
      ]);
    });
  }

  it("IA metadata matches what publish_ia uploads with", () => {
    assert.deepEqual(releasePlan({ isos: [iso("20261120")] }, IMAGE).isos[0].metadata, {
      mediatype: "software",
      collection: "opensource",
      title: "Margine 20261120",
    });
  });
});

describe("components/release: the example release stack under mocks", () => {
  let program: Evaluation;
  const example = stackRelease("example-release");
  before(async () => {
    program = await exampleReleaseProgram();
  });

  it("holds only the release: no GitHub, Cloudflare, edge or workflow resource, no secret", () => {
    const types = new Set(program.resources.map((r) => r.type));
    assert.deepEqual([...types].sort(), [
      "margine:release:Release",
      "pulumi-nodejs:dynamic/margine:IaItem",
      "pulumi-nodejs:dynamic/margine:Promotion",
      "pulumi-nodejs:dynamic/margine:SiteRelease",
    ]);
    assert.doesNotMatch(JSON.stringify(program.resources), /4dabf18193072939515e22adb298388d/, "no secret input anywhere");
  });

  it("the platform stack registers no release resource, but reads the release stack's ISOs", async () => {
    const platform = await exampleProgram();
    assert.deepEqual(
      platform.resources.filter((r) => /Promotion|IaItem|SiteRelease|margine:release:/.test(r.type)),
      [],
    );
    assert.equal(platform.outputs.stableDigest, undefined);
    const redirect = JSON.stringify(resourcesOfType(platform, "cloudflare:index/ruleset:Ruleset"));
    assert.match(redirect, new RegExp(example.isos[0].identifier), "the latest-ISO redirect follows the release stack's file");
  });

  it("registers one Release component parenting every release resource", () => {
    const [component] = resourcesOfType(program, "margine:release:Release");
    assert.equal(component.name, "release");
    for (const name of ["release-stable", `release-iso-${example.isos[0].date}`, "release-site"]) {
      assert.equal(resourceNamed(program, name).parent, "release", name);
    }
  });

  it("promotes the declared digest with its boot evidence to the stable tags", () => {
    const [promotion] = resourcesOfType(program, "pulumi-nodejs:dynamic/margine:Promotion");
    assert.equal(promotion.name, "release-stable");
    assert.equal(promotion.inputs.image, IMAGE);
    assert.equal(promotion.inputs.digest, example.stable!.digest);
    assert.deepEqual(promotion.inputs.tags, ["stable", "stable.20261120", "20261120"]);
    assert.deepEqual(promotion.inputs.evidence, example.stable!.evidence);
    assert.equal(promotion.inputs.rollback, false);
    const stackFile = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.example-release.yaml"), "utf8")).config;
    assert.match(String(promotion.inputs.cosignPublicKey), /^-----BEGIN PUBLIC KEY-----/);
    assert.equal(promotion.inputs.cosignPublicKey, stackFile["margine-pipeline:cosignPublicKey"], "the stack's key reaches the Promotion");
  });

  it("declares each ISO release as an IaItem that is protected and retained on delete", () => {
    const items = resourcesOfType(program, "pulumi-nodejs:dynamic/margine:IaItem");
    assert.deepEqual(
      items.map((i) => i.inputs.identifier),
      example.isos.map((i) => i.identifier),
    );
    assert.deepEqual(items[0].inputs.files, example.isos[0].files);
    assert.deepEqual(items[0].options, { protect: true, retainOnDelete: true });
  });

  it("points the site's LATEST_ISO_DATE at the newest ISO, with no token anywhere in its inputs", () => {
    const [site] = resourcesOfType(program, "pulumi-nodejs:dynamic/margine:SiteRelease");
    assert.equal(site.name, "release-site");
    assert.equal(site.inputs.latestIsoDate, "20261120");
    assert.equal(site.inputs.repository, "daniel-g-carrasco/margine-os-1084ca72");
    assert.equal(site.inputs.path, "src/routes/index.tsx");
    assert.equal(site.inputs.apiUrl, "https://api.github.com");
    assert.doesNotMatch(JSON.stringify(site.inputs), SENTINEL_PATTERN, "the serialized provider holds no secret");
  });

  it("exports the release as stack outputs", () => {
    assert.equal(program.outputs.stableDigest, example.stable!.digest);
    assert.deepEqual(program.outputs.datedTags, ["stable", "stable.20261120", "20261120"]);
    assert.deepEqual(program.outputs.iaUrls, { "margine-20261120": "https://archive.org/details/margine-20261120" });
    assert.equal(program.outputs.latestIsoDate, "20261120");
  });

  it("registers nothing for an empty release state", () => {
    const empty = new Release("empty-release", { release: { isos: [] }, image: IMAGE, siteRepository: "o/site" });
    assert.equal(empty.promotion, undefined);
    assert.deepEqual(empty.isoItems, []);
    assert.equal(empty.site, undefined);
    assert.deepEqual([empty.stableDigest, empty.datedTags, empty.iaUrls, empty.latestIsoDate], [undefined, [], {}, undefined]);
  });
});
