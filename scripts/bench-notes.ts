// npm run bench:notes: the release notes' own work for two images of 2,000 packages once the
// registry has answered: verify both DSSE attestations (ECDSA over the PAE, as cosign signs),
// diff the lists by rpm's rules, render the Markdown under GitHub's limit. Beside it, the real
// rpm comparing the same 2,000 version pairs (rpm.vercmp in rpm's Lua), as the peer.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCosignPublicKey, CosignPublicKey } from "../grammar/public-key";
import { envelopeStatement, IN_TOTO_PAYLOAD_TYPE, preAuthenticationEncoding, RPM_PACKAGES_PREDICATE } from "../providers/oci/package-attestation";
import { renderNotes } from "../release-notes/markdown";
import { diffPackages, ListedPackage } from "../release-notes/package-diff";
import { ImageSide } from "../release-notes/release-notes";

const COUNT = 2000;
const packages = (release: string): ListedPackage[] =>
  Array.from({ length: COUNT }, (_, i) => ({
    name: `pkg-${i}`,
    evr: `${i % 7}:${i % 13}.${i}.${i % 3}~rc${i % 2}-${release}.fc42`,
    arch: i % 9 ? "x86_64" : "noarch",
  }));

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const key = parseCosignPublicKey(publicKey.export({ format: "pem", type: "spki" }).toString()) as CosignPublicKey;
function envelope(list: ListedPackage[]): Buffer {
  const statement = Buffer.from(
    JSON.stringify({ _type: "https://in-toto.io/Statement/v0.1", predicateType: RPM_PACKAGES_PREDICATE, subject: [], predicate: { packages: list } }),
  );
  const sig = sign("sha256", preAuthenticationEncoding(IN_TOTO_PAYLOAD_TYPE, statement), { key: privateKey, dsaEncoding: "der" }).toString("base64");
  return Buffer.from(JSON.stringify({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: statement.toString("base64"), signatures: [{ keyid: "", sig }] }));
}
const [oldEnvelope, newEnvelope] = [envelope(packages("1")), envelope(packages("2"))];

function once(): { ms: number; chars: number } {
  const start = process.hrtime.bigint();
  const [a, b] = [oldEnvelope, newEnvelope].map((e) => (envelopeStatement(e, key) as { predicate: { packages: ListedPackage[] } }).predicate.packages);
  const side = (digest: string, list: ListedPackage[]): ImageSide => ({
    digest,
    signature: { status: "verified", key: key.fingerprint },
    packages: { status: "verified", packages: list, key: key.fingerprint },
  });
  const text = renderNotes({
    image: "ghcr.io/o/margine",
    kind: "update",
    from: side("sha256:" + "1".repeat(64), a),
    to: side("sha256:" + "2".repeat(64), b),
    packages: { ...diffPackages(a, b), verified: true },
    gaps: [],
  });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, chars: text.length };
}

const runs = Array.from({ length: 15 }, once);
const ms = runs.map((r) => r.ms).sort((x, y) => x - y);
console.log(
  `release-notes, ${COUNT} packages each side: verify 2 attestations + diff + render: median ${ms[7].toFixed(0)} ms, max ${ms[14].toFixed(0)} ms (${runs[0].chars} characters)`,
);

const lua = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-notes-")), "pairs.lua");
const [a, b] = [packages("1"), packages("2")];
fs.writeFileSync(
  lua,
  `local n = 0\n${a.map((p, i) => `if rpm.vercmp(${JSON.stringify(p.evr)}, ${JSON.stringify(b[i].evr)}) ~= 0 then n = n + 1 end`).join("\n")}\nprint(n)\n`,
);
const start = process.hrtime.bigint();
execFileSync("rpm", ["--eval", `%{lua: dofile("${lua}")}`]);
console.log(
  `peer: rpm --eval (rpm.vercmp of the same ${COUNT} pairs, process start included): ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0)} ms`,
);
fs.rmSync(path.dirname(lua), { recursive: true, force: true });
