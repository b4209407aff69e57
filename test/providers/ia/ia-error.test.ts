// IA's error codes decide, where the error is made, what a retry and a multipart resume do with
// it: no server here, only the errors and the answers they are made from.
import { strict as assert } from "node:assert";
import { NETWORK_FAILURES, NetworkFailureKind } from "../../../providers/http-timeouts";
import { IaResponse } from "../../../providers/ia/http-exchange";
import { IaError } from "../../../providers/ia/ia-error";
import { withRetries } from "../../../providers/ia/retry-policy";
import { expectS3Success } from "../../../providers/ia/s3-answer";

function answer(status: number, body = "", headers: Record<string, string> = {}): IaResponse {
  return { status, body, headers, url: "https://s3.us.archive.org/margine-20261120/m.iso" };
}

function thrown(res: IaResponse): IaError {
  try {
    expectS3Success(res, "upload m.iso");
  } catch (err) {
    assert.ok(err instanceof IaError, String(err));
    return err;
  }
  assert.fail("expected an IaError");
}

const s3Error = (code: string, message: string) => `<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

describe("IA error codes", () => {
  it("a network failure keeps the network's kind as its code, with the network's own verdict", () => {
    for (const kind of Object.keys(NETWORK_FAILURES) as NetworkFailureKind[]) {
      const err = new IaError(`PUT https://s3.us.archive.org/x: ${kind}`, kind);
      assert.equal(err.retryable, NETWORK_FAILURES[kind].retryable, kind);
      assert.equal(err.noAnswer, NETWORK_FAILURES[kind].noAnswer, kind);
      assert.equal(err.transient, true, `${kind}: a rerun may find the network mended`);
    }
    assert.equal(new IaError("x", "refused").noAnswer, true);
    assert.equal(new IaError("x", "reset").noAnswer, false);
    assert.equal(new IaError("x", "tls").retryable, false);
  });

  it("IA's answers become codes by what waiting can do about them", () => {
    const slow = thrown(answer(503, s3Error("SlowDown", "Please reduce your request rate."), { "retry-after": "7" }));
    assert.deepEqual(
      [slow.code, slow.s3Code, slow.status, slow.retryAfterMs, slow.retryable, slow.transient],
      ["Unavailable", "SlowDown", 503, 7_000, true, true],
    );
    assert.match(slow.message, /^upload m\.iso: IA answered HTTP 503 SlowDown: Please reduce your request rate\.$/);

    const spam = thrown(answer(503, "Your upload appears to be spam."));
    assert.deepEqual([spam.code, spam.retryable, spam.transient], ["Spam", false, true]);

    const keys = thrown(answer(403, s3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist")));
    assert.deepEqual([keys.code, keys.s3Code, keys.retryable, keys.transient], ["AccessDenied", "InvalidAccessKeyId", false, false]);
    assert.match(keys.message, /Check the IA keys/);

    const item = thrown(answer(404, s3Error("NoSuchBucket", "The specified bucket does not exist.")));
    assert.deepEqual([item.code, item.retryable, item.transient], ["NoSuchBucket", false, true]);

    const bad = thrown(answer(400, s3Error("InvalidBucketName", "bad identifier")));
    assert.deepEqual([bad.code, bad.retryable, bad.transient], ["Refused", false, false]);

    const unimplemented = thrown(answer(501, ""));
    assert.deepEqual([unimplemented.code, unimplemented.s3Code, unimplemented.retryable, unimplemented.transient], ["ServerError", undefined, false, true]);
  });

  it("a give-up carries its attempts and is retryable no more; restating an error keeps its verdict", () => {
    const busy = new IaError("busy", "Unavailable", { status: 503, retryAfterMs: 1_000 });
    const spent = new IaError("gave up", busy.code, { status: busy.status, attempts: 4 });
    assert.deepEqual([busy.retryable, spent.retryable, spent.transient, spent.attempts], [true, false, true, 4]);
    const restated = new IaError(`${spent.message} (3 of 7 parts are on IA)`, spent.code, spent);
    assert.deepEqual(
      [restated.code, restated.status, restated.retryable, restated.transient, restated.attempts],
      [spent.code, spent.status, spent.retryable, spent.transient, spent.attempts],
    );
  });

  it("withRetries gives up with the code of the last failure and what to do about it", async () => {
    let tries = 0;
    const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
    const retries: string[] = [];
    await assert.rejects(
      withRetries(
        policy,
        "upload m.iso",
        async () => {
          tries++;
          throw new IaError("upload m.iso: connection refused: nothing listens on 127.0.0.1:9", "refused");
        },
        { onRetry: (m) => retries.push(m) },
      ),
      (err: IaError) => {
        assert.equal(err.code, "refused");
        assert.equal(err.attempts, 3);
        assert.equal(err.retryable, false);
        assert.match(err.message, /^upload m\.iso: gave up after 3 attempts; last: connection refused: .*\. Nothing answers there: check IA_S3_URL/);
        return true;
      },
    );
    assert.equal(tries, 3);
    assert.deepEqual(
      retries.map((m) => m.replace(/in \d\.\d s$/, "in N s")),
      [
        "upload m.iso: connection refused: nothing listens on 127.0.0.1:9; retry 1/2 in N s",
        "upload m.iso: connection refused: nothing listens on 127.0.0.1:9; retry 2/2 in N s",
      ],
    );
  });

  it("withRetries passes a failure that is not retryable through untouched, after one attempt", async () => {
    const unreadable = new IaError("cannot read m.iso: ENOENT", "FileUnreadable");
    let tries = 0;
    await assert.rejects(
      withRetries({ attempts: 5, baseDelayMs: 1, maxDelayMs: 1 }, "upload m.iso", async () => {
        tries++;
        throw unreadable;
      }),
      (err) => err === unreadable,
    );
    assert.equal(tries, 1);
  });
});
