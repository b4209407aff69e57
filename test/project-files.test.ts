// The project and stack files a maintainer runs `pulumi` against.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { PROJECT } from "../config/stack";
import { PROJECT_DIR } from "./support/program-run";

const read = (f: string) => fs.readFileSync(path.join(PROJECT_DIR, f), "utf8");

describe("project files", () => {
  it("Pulumi.yaml: TypeScript on nodejs, local file state backend by default", () => {
    const project = YAML.parse(read("Pulumi.yaml"));
    assert.equal(project.name, PROJECT);
    assert.equal(project.runtime.name, "nodejs");
    assert.equal(project.runtime.options.typescript, true);
    assert.match(project.backend.url, /^file:\/\//);
  });

  it("Pulumi.prod.yaml (the platform stack) carries the real names from the handbook and reads the release stack", () => {
    const config = YAML.parse(read("Pulumi.prod.yaml")).config;
    assert.equal(config[`${PROJECT}:stackRole`], "platform");
    assert.equal(config[`${PROJECT}:releaseStack`], "release");
    assert.equal(config[`${PROJECT}:imageRepository`], "daniel-g-carrasco/margine-image");
    assert.equal(config[`${PROJECT}:siteRepository`], "daniel-g-carrasco/margine-os-1084ca72");
    assert.equal(config[`${PROJECT}:image`], "ghcr.io/daniel-g-carrasco/margine");
    assert.equal(config[`${PROJECT}:filesHost`], "files.the-empty.place");
    assert.equal(config[`${PROJECT}:siteHost`], "margine.the-empty.place");
    assert.equal(config[`${PROJECT}:release`], undefined, "the platform stack declares no release");
    for (const [key, value] of Object.entries(config)) {
      assert.ok(typeof value !== "string" || !/token|secret|password|BEGIN/i.test(value), `${key} looks like a plaintext secret`);
    }
  });

  it("Pulumi.release.yaml (the release stack) declares no invented release and no secret", () => {
    const config = YAML.parse(read("Pulumi.release.yaml")).config;
    assert.equal(config[`${PROJECT}:stackRole`], "release");
    assert.equal(config[`${PROJECT}:image`], YAML.parse(read("Pulumi.prod.yaml")).config[`${PROJECT}:image`]);
    assert.equal(config[`${PROJECT}:release`].stable, undefined);
    assert.deepEqual(config[`${PROJECT}:release`].isos, []);
  });

  // Release PR previews run the PR's own code with no passphrase: a secure: value in a release
  // stack would either fail every preview or tempt someone to give previews the passphrase.
  for (const file of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
    const doc = YAML.parse(read(file));
    if (doc.config?.[`${PROJECT}:stackRole`] !== "release") continue;
    it(`${file}: a release stack holds no secure: value`, () => {
      assert.doesNotMatch(read(file), /\bsecure:/);
    });
  }

  it("TypeScript is strict and dependencies are locked", () => {
    const tsconfig = JSON.parse(read("tsconfig.json"));
    assert.equal(tsconfig.compilerOptions.strict, true);
    const lock = JSON.parse(read("package-lock.json"));
    const pkg = JSON.parse(read("package.json"));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
      assert.ok(lock.packages[`node_modules/${dep}`], `${dep} is not in package-lock.json`);
    }
  });
});
