import { strict as assert } from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import { signedPromotion } from "../../policy/signed-promotion";
import { promotion, violationsOf } from "./fixtures";

describe("policy signed-promotion", () => {
  it("passes a promotion of stable that carries a P-256 verification key", async () => {
    assert.deepEqual(await violationsOf(signedPromotion, promotion()), []);
  });

  it("blocks a promotion of stable without a verification key, as mandatory", async () => {
    const violations = await violationsOf(signedPromotion, promotion({ cosignPublicKey: undefined }));
    assert.equal(violations.length, 1);
    assert.match(violations[0].message, /Promotion stable: moves stable without a verification key; set cosignPublicKey/);
    assert.equal(signedPromotion.enforcementLevel, "mandatory");
  });

  it("blocks a key that is not a cosign public key (a private key, another curve)", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "secp384r1" });
    const [priv] = await violationsOf(signedPromotion, promotion({ cosignPublicKey: privateKey.export({ format: "pem", type: "pkcs8" }).toString() }));
    assert.match(priv.message, /cosignPublicKey is this is a PRIVATE key/);
    const [curve] = await violationsOf(signedPromotion, promotion({ cosignPublicKey: publicKey.export({ format: "pem", type: "spki" }).toString() }));
    assert.match(curve.message, /secp384r1 key; cosign keys are ECDSA P-256/);
  });

  it("does not require a key for a promotion that leaves stable alone", async () => {
    assert.deepEqual(await violationsOf(signedPromotion, promotion({ cosignPublicKey: undefined, tags: ["stable.20261120"] })), []);
  });
});
