/** Standalone host agent process (`node dist/flotilla.mjs agent --host h2`): being built for issue 4. */
export async function runAgentProcess(argv: readonly string[]): Promise<void> {
  throw new Error(`the standalone agent is not built yet (arguments: ${argv.join(' ')})`);
}
