import { strict as assert } from "node:assert";
import { iaItemsRetained } from "../../policy/ia-items-retained";
import { iaItem, violationsOf } from "./fixtures";

describe("policy ia-items-retained", () => {
  it("passes an IaItem that is protected and retained on delete", async () => {
    assert.deepEqual(await violationsOf(iaItemsRetained, iaItem({ protect: true, retainOnDelete: true })), []);
  });

  it("passes an IaItem that is only retained on delete", async () => {
    assert.deepEqual(await violationsOf(iaItemsRetained, iaItem({ retainOnDelete: true })), []);
  });

  it("blocks an IaItem that removing it from the stack would delete", async () => {
    const [v] = await violationsOf(iaItemsRetained, iaItem(undefined));
    assert.equal(v.enforcementLevel, "mandatory");
    assert.match(v.message, /IaItem iso-20261120 \(margine-20261120\): create it with \{ protect: true, retainOnDelete: true \}/);
  });
});
