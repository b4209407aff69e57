import { strict as assert } from "node:assert";
import {
  isIpv4Address,
  parseImageName,
  TagGrammar,
  isCalendarDate,
  isDigest,
  isHostName,
  isImageName,
  isLoopbackRegistry,
  isMd5Hex,
  isSha256Hex,
  isRepositoryName,
  utcDateStamp,
} from "../../grammar/values";

const HEX = "a".repeat(64);

describe("grammar/values", () => {
  it("digests are sha256 with 64 lowercase hex characters, nothing else", () => {
    assert.equal(isDigest(`sha256:${HEX}`), true);
    for (const bad of [`sha256:${HEX.slice(1)}`, `sha256:${HEX.toUpperCase()}`, `sha512:${HEX}`, HEX, `sha256:${HEX}0`, "latest", undefined]) {
      assert.equal(isDigest(bad), false, String(bad));
    }
  });

  it("file checksums are lowercase hex of the right length", () => {
    assert.equal(isSha256Hex(HEX), true);
    assert.equal(isSha256Hex(HEX.toUpperCase()), false);
    assert.equal(isSha256Hex(`sha256:${HEX}`), false);
    assert.equal(isMd5Hex("9e107d9d372bb6826bd81d3542a419d6"), true);
    assert.equal(isMd5Hex(HEX), false);
    assert.equal(isMd5Hex(undefined), false);
  });

  it("dates are real calendar dates", () => {
    assert.equal(isCalendarDate("20260229"), false); // 2026 is not a leap year
    assert.equal(isCalendarDate("20280229"), true);
    assert.equal(isCalendarDate("20261131"), false);
    assert.equal(isCalendarDate("20261301"), false);
    assert.equal(isCalendarDate("2026112"), false);
    assert.equal(utcDateStamp(new Date("2026-11-20T23:59:59-02:00")), "20261121");
  });

  const tags: [string, string | undefined][] = [
    ["stable", "stable"],
    ["stable.20261120", "stable-dated"],
    ["20261120", "dated"],
    ["candidate", "candidate"],
    ["candidate.20261120", "candidate-dated"],
    ["pr-42", "pr"],
    [`sha256-${HEX}.sig`, "signature"],
    [`sha256-${HEX}`, "signature"],
    ["latest", undefined],
    ["stable.20261131", undefined],
    ["stable-20261120", undefined],
    ["pr-0", undefined],
    ["20261340", undefined],
  ];
  for (const [tag, kind] of tags) {
    it(`tag ${tag} parses as ${kind ?? "outside the grammar"}`, () => {
      assert.equal(TagGrammar.parse(tag)?.kind, kind);
    });
  }

  it("only stable and its dated aliases are promotion tags; there is no latest", () => {
    assert.deepEqual(["stable", "stable.20261120", "20261120", "candidate", "pr-1", "latest"].filter(TagGrammar.isPromotionTag), [
      "stable",
      "stable.20261120",
      "20261120",
    ]);
    assert.deepEqual(TagGrammar.promotionTags("20261120"), ["stable", "stable.20261120", "20261120"]);
  });

  it("protected tags include signatures, transient ones do not", () => {
    assert.equal(TagGrammar.isProtected(`sha256-${HEX}.att`), true);
    assert.equal(TagGrammar.isProtected("stable.20261120"), true);
    assert.equal(TagGrammar.isProtected("candidate.20261120"), false);
    assert.equal(TagGrammar.isProtected("pr-7"), false);
  });

  it("host, repository and image names", () => {
    assert.equal(isHostName("files.the-empty.place"), true);
    assert.equal(isHostName("Files.the-empty.place"), false);
    assert.equal(isHostName("localhost"), false);
    assert.equal(isRepositoryName("daniel-g-carrasco/margine-image"), true);
    assert.equal(isRepositoryName("margine-image"), false);
    assert.equal(isImageName("ghcr.io/daniel-g-carrasco/margine"), true);
    assert.equal(isImageName("127.0.0.1:5000/margine"), true);
    assert.equal(isImageName("ghcr.io/daniel-g-carrasco/margine:latest"), false);
    assert.equal(isImageName(`ghcr.io/daniel-g-carrasco/margine@sha256:${HEX}`), false);
    assert.equal(isImageName("ghcr.io/Daniel/margine"), false);
    assert.equal(isLoopbackRegistry("127.0.0.1:5000/margine"), true);
    assert.equal(isLoopbackRegistry("ghcr.io/daniel-g-carrasco/margine"), false);
  });

  it("splits an image name in one place: registry, repository, GHCR owner and package name", () => {
    assert.deepEqual(parseImageName("ghcr.io/daniel-g-carrasco/margine"), {
      registry: "ghcr.io",
      repository: "daniel-g-carrasco/margine",
      owner: "daniel-g-carrasco",
      name: "margine",
    });
    assert.deepEqual(parseImageName("127.0.0.1:5000/a/b/c"), { registry: "127.0.0.1:5000", repository: "a/b/c", owner: "a", name: "b/c" });
  });

  it("IPv4 addresses: dotted quads of 0-255 without leading zeros", () => {
    for (const ok of ["203.0.113.7", "0.0.0.0", "255.255.255.255"]) assert.equal(isIpv4Address(ok), true, ok);
    for (const bad of ["256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "a.b.c.d", 1234]) assert.equal(isIpv4Address(bad), false, String(bad));
  });
});
