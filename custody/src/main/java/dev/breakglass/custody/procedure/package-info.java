/**
 * Procedures: custody work of several steps, each step recorded through the ledger's own rules, run
 * in an order that refuses what can be refused before the first step is recorded.
 *
 * <p>{@link dev.breakglass.custody.procedure.UnlockProcedure} and {@link
 * dev.breakglass.custody.procedure.LockProcedure} are the emergency unlock and lock of a break-glass
 * identity ({@code bg unlock}, {@code bg drill}, {@code bg lock}). Each decides what is left to do
 * from the ledger alone ({@link dev.breakglass.custody.procedure.UnlockPlan}, {@link
 * dev.breakglass.custody.procedure.LockPlan}), so an interrupted procedure resumes where it stopped;
 * the ledger enforces the rules (quorum before check-out, everything back before closing).
 *
 * <p>{@link dev.breakglass.custody.procedure.KitReview} is the periodic review of the whole kit
 * ({@code bg review}): {@link dev.breakglass.custody.procedure.KitReview#plan} decides what must be
 * checked and refuses bad input without writing; {@link dev.breakglass.custody.procedure.KitReview#run}
 * reads seals, verifies keys (through a {@link dev.breakglass.custody.procedure.KitReview.KeyProof}
 * the caller supplies, since a key ceremony needs a browser), checks password shares, CA expiry and,
 * when given a directory, the posture; then records one {@code kit-reviewed} event.
 *
 * <p>Like the rest of the module, procedures never print: the caller prints what they return.
 */
package dev.breakglass.custody.procedure;
