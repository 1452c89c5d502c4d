/**
 * The guided procedures built on the ledger: the emergency unlock and lock of a break-glass
 * identity ({@link dev.breakglass.custody.procedure.UnlockProcedure}, {@link
 * dev.breakglass.custody.procedure.LockProcedure}) and the periodic kit review. Each decides what
 * the next step is from the ledger alone, so an interrupted procedure resumes where it stopped;
 * the ledger enforces the rules (quorum before check-out, everything back before closing).
 */
package dev.breakglass.custody.procedure;
