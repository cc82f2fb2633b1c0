import { expect, test as base } from "@playwright/test";

export { expect };

/**
 * Every test fails if the browser reports a Content-Security-Policy violation on a page of its
 * context: the pages must hydrate and work under the policy the server sends.
 */
export const test = base.extend<{ cspGuard: void }>({
  cspGuard: [
    async ({ context }, use) => {
      const violations: string[] = [];
      context.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await use();
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});
