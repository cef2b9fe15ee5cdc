import { afterAll, describe, expect, it } from "vitest";
import { type AnvilInstance, AnvilNotFoundError, AnvilPortInUseError, getFreePort, startAnvil } from "./anvil";

const started: AnvilInstance[] = [];
afterAll(async () => {
  await Promise.all(started.map((a) => a.stop()));
});

describe("startAnvil", () => {
  it("starts on a free port with the chain id asked for, and stop() frees the port", async () => {
    const anvil = await startAnvil({ chainId: 4242 });
    started.push(anvil);
    expect(anvil.chainId).toBe(4242);
    expect(anvil.rpcUrl).toBe(`http://127.0.0.1:${anvil.port}`);
    await expect(startAnvil({ port: anvil.port })).rejects.toBeInstanceOf(AnvilPortInUseError);
    await anvil.stop();
    const again = await startAnvil({ port: anvil.port });
    started.push(again);
    expect(again.port).toBe(anvil.port);
  });

  it("says clearly when the binary is missing", async () => {
    const previous = process.env.ANVIL_BIN;
    process.env.ANVIL_BIN = "/nonexistent/anvil";
    try {
      await expect(startAnvil()).rejects.toBeInstanceOf(AnvilNotFoundError);
    } finally {
      if (previous === undefined) delete process.env.ANVIL_BIN;
      else process.env.ANVIL_BIN = previous;
    }
  });

  it("getFreePort returns a bindable port", async () => {
    const port = await getFreePort();
    expect(port).toBeGreaterThan(0);
  });
});
