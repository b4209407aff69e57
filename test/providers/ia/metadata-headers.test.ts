import { strict as assert } from "node:assert";
import { decodeHeaderValue, encodeHeaderValue, itemMetadataHeaders } from "../../../providers/ia/metadata-headers";
import { headerMetadata } from "../../../fixtures/servers/ia/metadata-headers";

describe("IA item metadata headers", () => {
  const cases: [string, string, string][] = [
    ["plain ASCII travels verbatim", "software", "software"],
    ["whitespace travels as uri()", "Margine 20261120", "uri(Margine%2020261120)"],
    ["non-ASCII travels as uri()", "Margine è bella", "uri(Margine%20%C3%A8%20bella)"],
    ["a tab counts as whitespace", "a\tb", "uri(a%09b)"],
  ];
  for (const [what, value, encoded] of cases) {
    it(what, () => {
      assert.equal(encodeHeaderValue(value), encoded);
      assert.equal(decodeHeaderValue(encoded), value);
    });
  }

  it("numbers multi-values meta00, meta01 and sends _ in keys as --", () => {
    const headers = itemMetadataHeaders({ title: "Margine 20261120", subject: ["linux", "bootc", "fedora atomic"], release_date: "20261120" });
    assert.deepEqual(headers, {
      "x-archive-meta-title": "uri(Margine%2020261120)",
      "x-archive-meta00-subject": "linux",
      "x-archive-meta01-subject": "bootc",
      "x-archive-meta02-subject": "uri(fedora%20atomic)",
      "x-archive-meta-release--date": "20261120",
    });
  });

  it("round-trips through the emulator's reading of the headers (as IA reads them)", () => {
    const metadata = { title: "Margine è 2026", subject: ["a b", "c"], mediatype: "software", release_date: "20261120" };
    assert.deepEqual(headerMetadata(itemMetadataHeaders(metadata)), metadata);
  });
});
