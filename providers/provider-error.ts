/**
 * Base class for errors raised inside dynamic providers and their protocol clients.
 *
 * When Pulumi serializes a provider into state, its closure serializer rewrites each class into a
 * plain function whose constructor runs `Error.call(this, message)` - which sets no `message` on
 * `this`. The host then reports "undefined" for the failed resource. Assigning `message` (and
 * `name`) explicitly keeps the message readable both in-process and after serialization.
 *
 * The serialized instance is also no longer an Error: no `stack`, and `${e}` is "[object Object]".
 * The dynamic-provider host logs each failure as `${e}: ${e.stack}`, which the engine shows under
 * the resource, so there it would read "[object Object]: undefined". For that case only, the
 * instance gets a `toString` and a `stack` that make the line "Name: message": a provider's error
 * is for the user, and a trace of the serialized closure would tell them nothing.
 */
export class ProviderError extends Error {
  constructor(message: string, name = "ProviderError") {
    super(message);
    this.message = message;
    this.name = name;
    if (this.stack === undefined) {
      Object.defineProperty(this, "stack", { value: message, configurable: true, writable: true });
      Object.defineProperty(this, "toString", { value: () => name, configurable: true, writable: true });
    }
  }
}
