/** Where in the native pipeline something failed. */
export type JitStage = 'load' | 'parse' | 'verify' | 'optimize' | 'jit' | 'lookup' | 'call';

const REMEDY: Record<JitStage, string> = {
  load: 'the native compiler is unavailable; run the model in Interpreted mode',
  parse: 'the generated IR is malformed: this is a code generator bug, please report it with the IR',
  verify: 'the generated IR is invalid: this is a code generator bug, please report it with the IR',
  optimize: 'the optimiser rejected the module; try a lower optimisation level',
  jit: 'machine code could not be produced or linked (an unresolved external function?)',
  lookup: 'the entry point is not defined by the compiled module',
  call: 'the compiled module was disposed; compile the model again',
};

/** A failure of the native JIT path, naming the stage and carrying LLVM's own message. */
export class JitError extends Error {
  override readonly name = 'JitError';
  readonly remedy: string;

  constructor(
    readonly stage: JitStage,
    /** LLVM's message (for parse errors: `<name>:<line>:<column>: error: …`). */
    readonly llvmMessage: string,
  ) {
    super(`${stage} failed: ${llvmMessage.trim()}`);
    this.remedy = REMEDY[stage];
  }
}
