// The Cloudflare side: rule and record inputs as tables (pure functions), then the program under
// mocks (example stack): the records, rulesets and certificate the engine would receive.
import { strict as assert } from "node:assert";
import { cacheRules } from "../../../components/cloudflare/cache-rules";
import { plannedDnsRecords } from "../../../components/cloudflare/dns-records";
import { requireEdgeAddress, zoneHosts } from "../../../components/cloudflare/hosts";
import { isoFallbackHost } from "../../../config/stack";
import { OFFLINE_ZONE_ID } from "../../../scripts/offline/cloudflare-invokes";
import { LATEST_ISO_PATH, redirectRules } from "../../../components/cloudflare/redirect-rules";
import { IsoRelease } from "../../../config/release-state";
import { exampleProgram, resourceNamed, resourcesOfType } from "../../support/program-run";

const HOSTS = zoneHosts({ zone: "the-empty.place", siteHost: "margine.the-empty.place", filesHost: "files.the-empty.place" });

function iso(date: string, names = [`margine-${date}.iso`]): IsoRelease {
  return { date, identifier: `margine-${date}`, files: names.map((name) => ({ name, sha256: "a".repeat(64), md5: "b".repeat(32), size: 1 })) };
}

describe("Cloudflare zone inputs", () => {
  it("the ISO fallback host is DNS-only; the site and files hosts are proxied", () => {
    assert.equal(isoFallbackHost("files.the-empty.place"), "direct.files.the-empty.place");
    const records = plannedDnsRecords(HOSTS, "203.0.113.7");
    assert.deepEqual(
      records.map((r) => [r.name, r.type, r.content, r.proxied, r.ttl]),
      [
        ["margine.the-empty.place", "A", "203.0.113.7", true, 1],
        ["files.the-empty.place", "A", "203.0.113.7", true, 1],
        ["direct.files.the-empty.place", "A", "203.0.113.7", false, 300],
      ],
    );
  });

  it("a missing edgeAddress fails with the key and the expected form", () => {
    assert.throws(() => requireEdgeAddress({}), /margine-pipeline:edgeAddress: missing value; expected the edge VM's public IPv4 address/);
  });

  it("caches index.html and SHA256SUMS briefly and never caches an .iso", () => {
    const [short, iso] = cacheRules(HOSTS);
    assert.equal(short.expression, '(http.host eq "files.the-empty.place" and http.request.uri.path in {"/" "/index.html" "/SHA256SUMS"})');
    assert.deepEqual(short.actionParameters, {
      cache: true,
      edgeTtl: { mode: "override_origin", default: 300 },
      browserTtl: { mode: "override_origin", default: 60 },
    });
    assert.equal(iso.expression, '(http.request.uri.path.extension eq "iso")');
    assert.deepEqual(iso.actionParameters, { cache: false });
  });

  it("latest ISO redirects to the newest declared release on IA, before the off-proxy rule", () => {
    const rules = redirectRules(HOSTS, { isos: [iso("20261120"), iso("20261201"), iso("20261106")] });
    assert.deepEqual(
      rules.map((r) => r.ref),
      ["margine_latest_iso", "margine_iso_off_proxy"],
    );
    assert.equal(rules[0].expression, `(http.host eq "files.the-empty.place" and http.request.uri.path eq "${LATEST_ISO_PATH}")`);
    assert.deepEqual(rules[0].actionParameters.fromValue, {
      statusCode: 302,
      preserveQueryString: false,
      targetUrl: { value: "https://archive.org/download/margine-20261201/margine-20261201.iso" },
    });
    assert.equal(rules[1].actionParameters.fromValue.targetUrl.expression, 'concat("https://direct.files.the-empty.place", http.request.uri.path)');
  });

  it("with no ISO declared there is no latest redirect, only the off-proxy rule", () => {
    assert.deepEqual(
      redirectRules(HOSTS, { isos: [] }).map((r) => r.ref),
      ["margine_iso_off_proxy"],
    );
  });

  it("a release must declare exactly one .iso, named in the error", () => {
    assert.throws(
      () => redirectRules(HOSTS, { isos: [iso("20261120", ["a.iso", "b.iso"])] }),
      /ISO release 20261120 \(margine-20261120\) declares 2 \.iso files \(a\.iso, b\.iso\)/,
    );
  });
});

describe("Cloudflare zone under mocks (example stack)", () => {
  it("creates the three records in the zone looked up by name", async () => {
    const program = await exampleProgram();
    const records = resourcesOfType(program, "cloudflare:index/dnsRecord:DnsRecord");
    assert.deepEqual(
      records.map((r) => [r.name, r.inputs.name, r.inputs.proxied, r.inputs.zoneId, r.parent]),
      [
        ["cloudflare-site", "margine.the-empty.place", true, OFFLINE_ZONE_ID, "cloudflare"],
        ["cloudflare-files", "files.the-empty.place", true, OFFLINE_ZONE_ID, "cloudflare"],
        ["cloudflare-fallback", "direct.files.the-empty.place", false, OFFLINE_ZONE_ID, "cloudflare"],
      ],
    );
    assert.ok(records.every((r) => r.inputs.content === "192.0.2.10"));
  });

  it("creates zone rulesets in the cache and redirect phases; the redirect follows the declared release", async () => {
    const program = await exampleProgram();
    const cache = resourceNamed(program, "cloudflare-cache-rules").inputs;
    const redirect = resourceNamed(program, "cloudflare-redirect-rules").inputs as {
      phase: string;
      kind: string;
      rules: { actionParameters: { fromValue: { targetUrl: { value?: string } } } }[];
    };
    assert.equal(cache.phase, "http_request_cache_settings");
    assert.equal(cache.kind, "zone");
    assert.equal(redirect.phase, "http_request_dynamic_redirect");
    assert.equal(redirect.rules[0].actionParameters.fromValue.targetUrl.value, "https://archive.org/download/margine-20261120/margine-20261120.iso");
  });

  it("sets the zone's SSL mode to Full (strict), which the origin certificate design relies on", async () => {
    const program = await exampleProgram();
    const ssl = resourcesOfType(program, "cloudflare:index/zoneSetting:ZoneSetting");
    assert.deepEqual(
      ssl.map((r) => [r.name, r.inputs.zoneId, r.inputs.settingId, r.inputs.value, r.parent]),
      [["cloudflare-ssl-mode", OFFLINE_ZONE_ID, "ssl", "strict", "cloudflare"]],
    );
  });

  it("requests one origin CA certificate for both proxied hosts (files and site) from a Pulumi-made key's CSR", async () => {
    const program = await exampleProgram();
    const cert = resourceNamed(program, "cloudflare-origin-cert").inputs;
    assert.deepEqual(cert.hostnames, ["files.the-empty.place", "margine.the-empty.place"]);
    // Every proxied record's name is covered: Full (strict) would refuse any other.
    const proxied = resourcesOfType(program, "cloudflare:index/dnsRecord:DnsRecord")
      .filter((r) => r.inputs.proxied)
      .map((r) => r.inputs.name);
    assert.deepEqual([...proxied].sort(), [...(cert.hostnames as string[])].sort());
    assert.equal(cert.requestType, "origin-ecc");
    assert.equal(resourceNamed(program, "cloudflare-origin-cert-key").inputs.algorithm, "ECDSA");
    assert.equal(resourceNamed(program, "cloudflare-origin-cert-csr").parent, "cloudflare");
  });
});
