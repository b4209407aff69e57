// Turns an IA S3 answer into success or an IaError that says what IA said and whether to retry.
import { IaError, IaErrorCode } from "./ia-error";
import { IaResponse } from "./http-exchange";
import { retryAfterMs } from "../retry-after";

/** `<Code>` and `<Message>` of an S3 XML error body (empty strings when absent). */
export function s3ErrorFields(body: string): { code: string; message: string } {
  const field = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body)?.[1]?.trim() ?? "";
  return { code: field("Code"), message: field("Message") };
}

/** Throws unless the answer is 2xx. `what` names the file or item for the message. */
export function expectS3Success(res: IaResponse, what: string): IaResponse {
  if (res.status >= 200 && res.status < 300) return res;
  const { code: s3Code, message } = s3ErrorFields(res.body);
  const said = message || s3Code || res.body.slice(0, 300).trim() || "(empty body)";
  const text = `${what}: IA answered HTTP ${res.status}${s3Code ? ` ${s3Code}` : ""}: ${said}`;
  const context = { status: res.status, s3Code: s3Code || undefined };
  // IA's spam filter also answers 503, but waiting does not change its mind: fail at once.
  if (res.status === 503 && /appears to be spam/i.test(res.body)) {
    throw new IaError(
      `${text}. IA flagged the upload as spam; retrying will not help: contact IA (info@archive.org) or change the item metadata`,
      "Spam",
      context,
    );
  }
  if (res.status === 503 || res.status === 500 || res.status === 502 || res.status === 504 || res.status === 429) {
    const retryAfter = res.headers["retry-after"];
    throw new IaError(text, "Unavailable", { ...context, retryAfterMs: retryAfterMs(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) });
  }
  const code: IaErrorCode = s3Code === "NoSuchBucket" ? "NoSuchBucket" : res.status === 403 ? "AccessDenied" : res.status >= 500 ? "ServerError" : "Refused";
  if (res.status === 403) {
    throw new IaError(`${text}. Check the IA keys (https://archive.org/account/s3.php) and that the identifier belongs to this account`, code, context);
  }
  throw new IaError(text, code, context);
}
