/**
 * Base class for errors raised inside dynamic providers and their protocol clients.
 *
 * When Pulumi serializes a provider into state, its closure serializer rewrites each class into a
 * plain function whose constructor runs `Error.call(this, message)` - which sets no `message` on
 * `this`. The host then reports "undefined" for the failed resource. Assigning `message` (and
 * `name`) explicitly keeps the message readable both in-process and after serialization.
 */
export class ProviderError extends Error {
  constructor(message: string, name = "ProviderError") {
    super(message);
    this.message = message;
    this.name = name;
  }
}
