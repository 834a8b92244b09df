import { Agent, Dispatcher } from 'undici';

/**
 * An undici dispatcher that records the origin each request was meant for (the real AWS endpoint the
 * SDK resolved) and delivers it to a loopback fake instead. Proves that calls go through the
 * context's dispatcher and which endpoint (FIPS, dual-stack, partition) the SDK chose.
 */
export class RedirectingDispatcher extends Dispatcher {
  readonly origins: string[] = [];
  readonly #agent = new Agent();
  readonly #to: string;

  constructor(to: string) {
    super();
    this.#to = to;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.origins.push(String(options.origin));
    return this.#agent.dispatch({ ...options, origin: this.#to }, handler);
  }

  override async close(): Promise<void> {
    await this.#agent.close();
  }

  override async destroy(): Promise<void> {
    await this.#agent.destroy();
  }
}
