/**
 * Runs the stack's steps in order with a progress line each, remembers how to undo what each
 * started, and undoes everything (last started, first stopped) when a step fails or the user
 * presses Ctrl-C.
 */

/** A step failed; `step` names it and `cause` says why. */
export class StepFailedError extends Error {
  readonly code = "STEP_FAILED";
  constructor(
    readonly step: string,
    readonly cause: unknown,
  ) {
    super(`${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "StepFailedError";
  }
}

/** The run was stopped (Ctrl-C) while a step was running. */
export class StackStoppedError extends Error {
  readonly code = "STACK_STOPPED";
  constructor() {
    super("stopped");
    this.name = "StackStoppedError";
  }
}

/** Where progress goes: one line at a time. */
export type ProgressSink = (line: string) => void;

/** What a step may report when it is done, shown after its name. */
export type StepResult<T> = { value: T; detail?: string };

/** A sequence of steps and what they started. */
export class StepRunner {
  private readonly cleanups: { name: string; run: () => Promise<void> }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly progress: ProgressSink = () => {}) {}

  /** Whether `stopAll` was called. */
  get stopped(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * Runs one step: prints its name, runs it, prints ✓ with its detail and duration, or ✗ with
   * the reason and throws StepFailedError (the caller then calls `stopAll`).
   */
  async step<T>(name: string, run: () => Promise<StepResult<T>>): Promise<T> {
    if (this.stopped) throw new StackStoppedError();
    const started = Date.now();
    this.progress(`  … ${name}`);
    try {
      const { value, detail } = await run();
      if (this.stopped) throw new StackStoppedError();
      this.progress(`  ✓ ${detail ?? name} (${seconds(Date.now() - started)})`);
      return value;
    } catch (error) {
      if (this.stopped || error instanceof StackStoppedError) throw new StackStoppedError();
      this.progress(`  ✗ ${name}: ${error instanceof Error ? error.message : String(error)}`);
      throw new StepFailedError(name, error);
    }
  }

  /** Remembers how to undo something a step started. */
  onStop(name: string, run: () => Promise<void>): void {
    this.cleanups.push({ name, run });
  }

  /** Undoes everything started, newest first; safe to call more than once. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const cleanup of this.cleanups.reverse()) {
        try {
          await cleanup.run();
        } catch (error) {
          this.progress(`  ! stopping ${cleanup.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.stopping;
  }
}

/** A duration for progress lines, e.g. "1.2 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
