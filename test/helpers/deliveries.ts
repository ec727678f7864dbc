/** Waiting for what a consumer receives, with timeouts that fail loudly instead of sleeps. */
import type { Delivery } from '../../src/bus/index.js';

export class DeliveryCollector {
  readonly received: Delivery[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly listener = (delivery: Delivery): void => {
    this.received.push(delivery);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.received.length >= waiter.count) waiter.resolve();
      return this.received.length < waiter.count;
    });
  };

  /** Resolves once `count` deliveries have arrived in total. */
  async waitFor(count: number, timeoutMs = 5000, what = `${count} deliveries`): Promise<Delivery[]> {
    if (this.received.length < count) {
      await withTimeout(
        new Promise<void>((resolve) => this.waiters.push({ count, resolve })),
        timeoutMs,
        () => `timed out waiting for ${what} (got ${this.received.length})`,
      );
    }
    return this.received.slice(0, count);
  }

  /** The delivery number `index` (0-based), waiting for it. */
  async nth(index: number, timeoutMs = 5000): Promise<Delivery> {
    const all = await this.waitFor(index + 1, timeoutMs);
    return all[index]!;
  }

  ids(): string[] {
    return this.received.map((delivery) => delivery.message.id);
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message())), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` until true; fails with `what` after the timeout. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
