import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IaItemInputs, IaItemProvider, declaredSha256Sums } from "../../../providers/ia/ia-item";
import { HostError, ProviderHost, serializeProvider } from "../../support/provider-host";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";

describe("IaItem through the real dynamic-provider host", function () {
  this.timeout(60_000);
  const ACCESS = "SENTINEL_ia_access_4f9c2e";
  const SECRET = "SENTINEL_ia_secret_7d1b8a";
  const ID = "margine-20261120";
  let ia: IaEmulator;
  let host: ProviderHost;
  let provider: string;
  let dir: string;
  let iso: Buffer;
  let isoPath: string;
  let inputs: IaItemInputs;
  const hex = (algo: string, data: Buffer) => crypto.createHash(algo).update(data).digest("hex");
  const puts = () => ia.requests.filter((r) => r.method === "PUT");

  before(async () => {
    ia = await new IaEmulator().start();
    ia.accounts.set(ACCESS, SECRET);
    host = await ProviderHost.start({
      env: {
        IA_S3_URL: ia.url,
        IA_URL: ia.url,
        IA_TORRENT_WAIT_SECONDS: "2",
        IA_POLL_MS: "50",
        IA_PART_SIZE_MIB: "0.125",
        IA_ACCESS_KEY: ACCESS,
        IA_SECRET_KEY: SECRET,
      },
    });
    provider = await serializeProvider(new IaItemProvider());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ia-item-"));
    iso = crypto.randomBytes(256_000);
    isoPath = path.join(dir, "margine-20261120.iso");
    fs.writeFileSync(isoPath, iso);
    inputs = {
      identifier: ID,
      files: [{ name: "margine-20261120.iso", sha256: hex("sha256", iso), md5: hex("md5", iso), size: iso.length }],
      metadata: { title: "Margine 20261120", mediatype: "software", subject: ["linux", "bootc"] },
    };
  });
  after(async () => {
    await host.stop();
    await ia.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    ia.store.items.clear();
    ia.requests.length = 0;
    ia.torrentDelayMs = 0;
  });

  it("serializes without the IA keys: they come from configure at run time", () => {
    assert.ok(!provider.includes(ACCESS) && !provider.includes(SECRET));
    assert.ok(provider.length < 200_000, `__provider is ${provider.length} bytes`);
  });

  it("check rejects identifier, names, checksums and sizes before any network call", async () => {
    const bad = {
      identifier: "_margine",
      files: [{ name: "bootiso/install.iso", sha256: "ABC", md5: "xyz", size: 0 }],
      metadata: { Title: "x", subject: [] as string[] },
    };
    const { failures } = await host.check(provider, {}, bad);
    assert.deepEqual(failures.map((f) => f.property).sort(), [
      "files[0].md5",
      "files[0].name",
      "files[0].sha256",
      "files[0].size",
      "identifier",
      "metadata.Title",
      "metadata.subject",
    ]);
    assert.match(failures.find((f) => f.property === "identifier")!.reason, /5-100 of \[A-Za-z0-9._-\]/);
    assert.equal(ia.requests.length, 0);
    assert.deepEqual((await host.check(provider, {}, inputs)).failures, []);
  });

  it("create adopts the item the workflow uploaded, verifying md5, with no upload of the ISO", async () => {
    await ia.seedFile(ID, ACCESS, "margine-20261120.iso", iso, { title: "Margine 20261120", mediatype: "software", subject: ["linux", "bootc"] });
    await ia.seedFile(ID, ACCESS, "SHA256SUMS", declaredSha256Sums(inputs));
    await ia.seedFile(ID, ACCESS, `${ID}_archive.torrent`, Buffer.from("d4:infoe"));
    const { id, outs } = await host.create(provider, inputs);
    assert.equal(id, ID);
    assert.equal(puts().length, 0);
    assert.equal(outs.detailsUrl, `${ia.url}/details/${ID}`);
    assert.equal(outs.torrentUrl, `${ia.url}/download/${ID}/${ID}_archive.torrent`);
    assert.deepEqual(outs.downloadUrls, { "margine-20261120.iso": `${ia.url}/download/${ID}/margine-20261120.iso` });
    assert.equal(outs.sha256sumsUrl, `${ia.url}/download/${ID}/SHA256SUMS`);
    assert.ok(!JSON.stringify(outs).includes(SECRET));
  });

  it("create adopts a SHA256SUMS that publish_ia uploaded and declared like any file", async () => {
    const sums = Buffer.from(`${inputs.files[0].sha256}  margine-20261120.iso\n`);
    await ia.seedFile(ID, ACCESS, "margine-20261120.iso", iso, { title: "Margine 20261120", mediatype: "software", subject: ["linux", "bootc"] });
    await ia.seedFile(ID, ACCESS, "SHA256SUMS", sums);
    const declared = { ...inputs, files: [...inputs.files, { name: "SHA256SUMS", sha256: hex("sha256", sums), md5: hex("md5", sums), size: sums.length }] };
    assert.deepEqual((await host.check(provider, {}, declared)).failures, []);
    const { outs } = await host.create(provider, declared);
    assert.equal(puts().length, 0);
    assert.equal(outs.sha256sumsUrl, `${ia.url}/download/${ID}/SHA256SUMS`);
    assert.deepEqual(Object.keys(outs.downloadUrls), ["margine-20261120.iso"]);
  });

  it("create fails with what to do when IA holds another md5 and no source is declared", async () => {
    await ia.seedFile(ID, ACCESS, "margine-20261120.iso", Buffer.from("truncated upload"));
    await assert.rejects(host.create(provider, inputs), (err: HostError) => {
      assert.match(
        err.message,
        /margine-20261120\.iso: IA holds md5 [0-9a-f]{32}, size 16; declared md5 [0-9a-f]{32}, size 256000, and no source file was given/,
      );
      return true;
    });
  });

  it("create uploads from source with the configured keys, plus the generated SHA256SUMS", async () => {
    const withSource = { ...inputs, files: [{ ...inputs.files[0], source: isoPath }] };
    const { outs } = await host.create(provider, withSource);
    assert.deepEqual(
      puts().map((r) => r.path),
      [`/${ID}/margine-20261120.iso`, `/${ID}/SHA256SUMS`],
    );
    assert.equal(puts()[0].headers.authorization, `LOW ${ACCESS}:${SECRET}`);
    const stored = ia.item(ID)!.files;
    assert.equal(stored.get("margine-20261120.iso")!.md5, inputs.files[0].md5);
    assert.equal(fs.readFileSync(stored.get("SHA256SUMS")!.path!, "utf8"), `${inputs.files[0].sha256}  margine-20261120.iso\n`);
    assert.equal(outs.torrentUrl, `${ia.url}/download/${ID}/${ID}_archive.torrent`);
  });

  it("create uploads a large ISO in parts inside the host and verifies its md5 (IA_PART_SIZE_MIB 0.125)", async () => {
    const big = crypto.randomBytes(5 * 131_072 + 999);
    const bigPath = path.join(dir, "margine-20261121.iso");
    fs.writeFileSync(bigPath, big);
    const declared = {
      ...inputs,
      files: [{ name: "margine-20261121.iso", sha256: hex("sha256", big), md5: hex("md5", big), size: big.length, source: bigPath }],
    };
    await host.create(provider, declared);
    const parts = puts()
      .filter((r) => /partNumber=/.test(r.path))
      .map((r) => Number(/partNumber=(\d+)/.exec(r.path)![1]));
    assert.deepEqual(
      [...parts].sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6],
    );
    assert.ok(
      ia.requests.some((r) => r.method === "POST" && /uploadId=/.test(r.path)),
      "CompleteMultipartUpload was sent",
    );
    assert.equal(ia.item(ID)!.files.get("margine-20261121.iso")!.md5, hex("md5", big));
  });

  it("a metadata change is an in-place update through the metadata API", async () => {
    const withSource = { ...inputs, files: [{ ...inputs.files[0], source: isoPath }] };
    const { outs } = await host.create(provider, withSource);
    const changed = { ...withSource, metadata: { ...withSource.metadata, title: "Margine 20261120 (respin)" } };
    const diff = await host.diff(provider, ID, outs, changed);
    assert.equal(diff.changes, "some");
    assert.deepEqual(diff.replaces, []);
    ia.requests.length = 0;
    await host.update(provider, ID, outs, changed);
    assert.equal(puts().length, 0);
    assert.ok(ia.requests.some((r) => r.method === "POST" && r.path === `/metadata/${ID}`));
    assert.equal(ia.item(ID)!.metadata.title, "Margine 20261120 (respin)");
  });

  it("a changed checksum uploads the new file; a new identifier is a replacement", async () => {
    const withSource = { ...inputs, files: [{ ...inputs.files[0], source: isoPath }] };
    const { outs } = await host.create(provider, withSource);
    const respin = crypto.randomBytes(128_000);
    const respinPath = path.join(dir, "respin.iso");
    fs.writeFileSync(respinPath, respin);
    const news = {
      ...inputs,
      files: [{ name: "margine-20261120.iso", sha256: hex("sha256", respin), md5: hex("md5", respin), size: respin.length, source: respinPath }],
    };
    assert.equal((await host.diff(provider, ID, outs, news)).changes, "some");
    ia.requests.length = 0;
    await host.update(provider, ID, outs, news);
    assert.deepEqual(
      puts().map((r) => r.path),
      [`/${ID}/margine-20261120.iso`, `/${ID}/SHA256SUMS`],
    );
    assert.equal(ia.item(ID)!.files.get("margine-20261120.iso")!.md5, hex("md5", respin));
    assert.ok(ia.item(ID)!.files.has("history/files/margine-20261120.iso.~1~"), "the old ISO is kept in history");
    assert.deepEqual((await host.diff(provider, ID, outs, { ...inputs, identifier: "margine-20261121" })).replaces, ["identifier"]);
  });

  it("refresh (read) reports the torrent once IA's derive made it, and an md5 IA holds that differs", async () => {
    ia.torrentDelayMs = 60_000;
    const withSource = { ...inputs, files: [{ ...inputs.files[0], source: isoPath }] };
    const { outs } = await host.create(provider, withSource);
    assert.equal(outs.torrentUrl, null);
    assert.match(outs.warnings[0], /not derived yet.*HTTP-only links/);
    await ia.seedFile(ID, ACCESS, `${ID}_archive.torrent`, Buffer.from("d4:infoe"));
    const { props } = await host.read(provider, ID, outs);
    assert.equal(props.torrentUrl, `${ia.url}/download/${ID}/${ID}_archive.torrent`);
    await ia.seedFile(ID, ACCESS, "margine-20261120.iso", Buffer.from("replaced by hand"));
    const drifted = await host.read(provider, ID, outs);
    assert.equal(drifted.props.files[0].md5, hex("md5", Buffer.from("replaced by hand")));
    assert.equal((await host.diff(provider, ID, drifted.props, withSource)).changes, "some");
  });

  it("delete removes nothing from IA and says so", async () => {
    await ia.seedFile(ID, ACCESS, "margine-20261120.iso", iso);
    await host.delete(provider, ID, { ...inputs, detailsUrl: "", torrentUrl: null, downloadUrls: {}, sha256sumsUrl: "" });
    assert.equal(ia.requests.length, 0);
    assert.ok(ia.item(ID)!.files.has("margine-20261120.iso"));
    await host.waitForStderr(/IaItem margine-20261120: removed from the stack only; the Internet Archive item .* is kept/);
  });

  it("wrong keys fail with IA's 403 and what to check", async () => {
    const other = await ProviderHost.start({
      env: { IA_S3_URL: ia.url, IA_URL: ia.url, IA_TORRENT_WAIT_SECONDS: "0", IA_POLL_MS: "50", IA_ACCESS_KEY: ACCESS, IA_SECRET_KEY: "wrong" },
    });
    try {
      await assert.rejects(
        other.create(provider, { ...inputs, files: [{ ...inputs.files[0], source: isoPath }] }),
        /HTTP 403 InvalidAccessKeyId.*Check the IA keys/,
      );
    } finally {
      await other.stop();
    }
  });
});
