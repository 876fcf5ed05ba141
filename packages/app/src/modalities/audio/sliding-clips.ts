// Live audio prediction: a clip every hop (half a clip), taken from the sample ring by absolute position. When
// prediction falls behind the microphone, stale clips are skipped so the answer is always about the latest sound.

export class SlidingClips {
  /** Absolute sample position where the next clip ends. */
  private nextEnd: number;

  constructor(
    readonly clipLength: number,
    readonly hopLength: number,
  ) {
    if (!Number.isInteger(clipLength) || clipLength < 1) throw new Error(`clipLength must be a positive integer, got ${clipLength}.`);
    if (!Number.isInteger(hopLength) || hopLength < 1) throw new Error(`hopLength must be a positive integer, got ${hopLength}.`);
    this.nextEnd = clipLength;
  }

  /**
   * The start position of the clip to predict now, given how many samples were pushed so far, or undefined when
   * no new clip is complete. Calling it again without new samples returns undefined.
   */
  next(total: number): number | undefined {
    if (total < this.nextEnd) return undefined;
    // Several hops behind: jump to the newest whole hop instead of predicting each missed clip.
    const behind = Math.floor((total - this.nextEnd) / this.hopLength);
    const end = this.nextEnd + behind * this.hopLength;
    this.nextEnd = end + this.hopLength;
    return end - this.clipLength;
  }
}
