/**
 * Whether a partition's fetched batch continues where its actor stopped taking records.
 *
 * A batch whose first new offset is past the next expected one is either stale (fetched before a
 * pause, seek or restart re-positioned the partition, and handed over after it) or a real hole in
 * the log (compaction, transaction markers, records deleted by retention). Taking a stale batch
 * would skip the records in between for good: the refetch of those is then "already taken". So a
 * gap is first answered by seeking back to the expected offset; it is believed only when a batch
 * requested after that seek completed shows the same gap, with no gap batch dropped in between
 * (each drop seeks again, since the client counts dropped records as consumed).
 */

/** A seek back to `from` that the source issued for a gap; `settledAtPoll` once it completed. */
export interface GapProbe {
  readonly id: number;
  readonly from: number;
  /** The index of the last poll requested when the seek completed. */
  readonly settledAtPoll?: number;
}

export type BatchAdmission =
  /** Take the batch; `skipped` offsets before it do not exist in the log (a confirmed hole). */
  | { readonly kind: 'take'; readonly skipped: number }
  /** Take nothing; seek the partition back to `probe.from` and remember the probe. */
  | { readonly kind: 'refetch'; readonly probe: GapProbe };

/**
 * Decides what to do with a batch whose first offset at or past `expectedNext` is `firstNew`,
 * requested by poll number `pollIndex`, given the partition's open probe (if any).
 * `nextProbeId` names a new probe should one be needed.
 */
export function admitBatch(
  expectedNext: number,
  firstNew: number,
  pollIndex: number,
  probe: GapProbe | undefined,
  nextProbeId: number,
): BatchAdmission {
  if (firstNew <= expectedNext) return { kind: 'take', skipped: 0 };
  const confirmed = probe !== undefined && probe.from === expectedNext
    && probe.settledAtPoll !== undefined && pollIndex > probe.settledAtPoll;
  if (confirmed) return { kind: 'take', skipped: firstNew - expectedNext };
  return { kind: 'refetch', probe: { id: nextProbeId, from: expectedNext } };
}

/** The probe once its seek completed, if it is still the open one. */
export function settleProbe(probe: GapProbe | undefined, id: number, lastPollRequested: number): GapProbe | undefined {
  return probe !== undefined && probe.id === id ? { ...probe, settledAtPoll: lastPollRequested } : probe;
}
