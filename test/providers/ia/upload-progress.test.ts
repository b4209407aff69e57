import { strict as assert } from "node:assert";
import { progressReporter } from "../../../providers/ia/upload-progress";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {
    writes,
    stream: {
      isTTY,
      write: (s: string) => {
        writes.push(s);
        return true;
      },
    } as unknown as NodeJS.WriteStream,
  };
}

describe("upload progress", () => {
  it("rewrites one line on a terminal with percent and MiB, and clears it", () => {
    const { writes, stream } = fakeStream(true);
    const progress = progressReporter(stream, 0);
    progress.update({ name: "margine-20261120.iso", sent: 512 * 1048576, total: 1024 * 1048576 });
    progress.update({ name: "margine-20261120.iso", sent: 1024 * 1048576, total: 1024 * 1048576 });
    progress.clear();
    assert.match(writes[0], /^\rmargine-20261120\.iso: 50\.0% 512\/1024 MiB [\d.]+ MiB\/s/);
    assert.match(writes[1], /100\.0% 1024\/1024 MiB/);
    assert.equal(writes[2], "\r\x1b[K");
  });

  it("prints nothing when stderr is not a terminal (CI logs)", () => {
    const { writes, stream } = fakeStream(false);
    const progress = progressReporter(stream, 0);
    progress.update({ name: "x.iso", sent: 1, total: 2 });
    progress.clear();
    assert.deepEqual(writes, []);
  });
});
